package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden renders fixed results with fixed times and compares a
// canonical dump of each workbook (sheets, every cell's value, each result
// row's fill) with testdata/*.golden. Run with -update after a deliberate
// change and review the diff.
func TestGolden(t *testing.T) {
	rs := testResults()
	report := writeReport(t, rs, testSummary(rs))

	fixPath := filepath.Join(t.TempDir(), "fix.xlsx")
	fix, err := NewFixFile(fixPath, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := fix.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fix.Close(); err != nil {
		t.Fatal(err)
	}

	for golden, book := range map[string]string{"report.golden": report, "fix.golden": fixPath} {
		got := dumpBook(t, book)
		path := filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs; got:\n%s", path, got)
		}
	}
}
