package report

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestXLSXOpensInLibreOffice: an office suite, not only excelize, reads the
// report whose rows were spliced in. It needs LibreOffice (apt-get install
// libreoffice-calc); .ci/run installs it so CI always runs this test.
func TestXLSXOpensInLibreOffice(t *testing.T) {
	var bin string
	for _, name := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("LibreOffice is not installed: the report is not opened in an office suite here (CI installs it)")
	}
	rs := testResults()
	rs[0].Cells[5] = `_x0041_ & <b> "кавычки"`
	path := writeReport(t, rs, testSummary(rs))
	dir := t.TempDir()
	// 76: UTF-8; the first sheet is «Результаты».
	out, err := exec.Command(bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, path).CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".xlsx") + ".csv"
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("LibreOffice wrote no csv: %v\n%s", err, out)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != len(rs)+1 || records[0][0] != "Строка" {
		t.Fatalf("LibreOffice read %d rows (want %d), header %q", len(records), len(rs)+1, records[0])
	}
	for i, r := range rs {
		got := records[i+1]
		cell := func(k int) string {
			if k < len(r.Cells) {
				return r.Cells[k]
			}
			return ""
		}
		if got[0] != strconv.Itoa(r.Row) || got[1] != cell(0) || got[6] != cell(5) || got[7] != OutcomeTitle(r.Outcome) {
			t.Errorf("row %d as LibreOffice reads it: %q", r.Row, got)
		}
	}
}
