package report

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"mipimport/importer"
	"mipimport/mapping"
	"mipimport/mip"
	"mipimport/mip/mipmock"
)

var pngOut = flag.String("png", "", "TestReportPrints also renders the first page of the sample's report to this PNG (e.g. ../docs/report.png)")

// TestReportPrints renders the report of the bundled sample (33 rows,
// imported into an in-process mipmock) with LibreOffice to PDF and counts
// the pages of each sheet: the results on at most two, the summary on one.
// A longer report has the header on every results page. It needs
// LibreOffice and poppler (apt-get install libreoffice-calc poppler-utils)
// and skips without them. With -png FILE it also writes the first page as
// a picture, for docs/report.png and for a person to look at.
func TestReportPrints(t *testing.T) {
	soffice := lookPath("soffice", "libreoffice")
	pdftotext := lookPath("pdftotext")
	if soffice == "" || pdftotext == "" {
		t.Skip("LibreOffice (soffice) or poppler (pdftotext) is not installed: the printed report is not checked here")
	}
	dir := t.TempDir()
	header, results, sum := importSample(t)

	// The sample as it is.
	path := filepath.Join(dir, "patients.result.xlsx")
	writeResults(t, path, header, results, sum, Meta{Input: "samples/patients.xlsx", Sheet: "Пациенты",
		Mapping: "samples/mapping.yaml", URL: "http://127.0.0.1:8080/api", Concurrency: 8, Version: "test"})
	pdf := toPDF(t, soffice, dir, path)
	pages := sheetPages(t, pdftotext, pdf)
	if n := len(pages[resultsSheet]); n == 0 || n > 2 {
		t.Errorf("the sample's results print on %d pages, want 1 or 2", n)
	}
	if n := len(pages[summarySheet]); n != 1 {
		t.Errorf("the summary prints on %d pages, want 1", n)
	}
	for _, page := range pages[summarySheet] {
		// Labels and values side by side: on one line of text.
		if !regexp.MustCompile(`Всего\s+33`).MatchString(page) {
			t.Errorf("the summary's total is not beside its label:\n%s", page)
		}
	}
	for _, page := range pages[resultsSheet] {
		if strings.Contains(page, "GUID") {
			t.Error("the GUID columns are printed")
		}
	}

	// Six times the sample: several pages, each with the header.
	var long []importer.Result
	for i := range 6 {
		for _, r := range results {
			r.Row += i * 100
			long = append(long, r)
		}
	}
	longPath := filepath.Join(dir, "long.xlsx")
	writeResults(t, longPath, header, long, sum, Meta{})
	longPages := sheetPages(t, pdftotext, toPDF(t, soffice, dir, longPath))
	if len(longPages[resultsSheet]) < 2 {
		t.Fatalf("180 rows print on %d pages: the test needs more than one", len(longPages[resultsSheet]))
	}
	for i, page := range longPages[resultsSheet] {
		if !strings.Contains(page, "Сообщения") || !strings.Contains(page, header[1]) {
			t.Errorf("page %d of the results has no header row", i+1)
		}
	}

	if *pngOut != "" {
		pdftoppm := lookPath("pdftoppm")
		if pdftoppm == "" {
			t.Fatal("-png needs pdftoppm (poppler-utils)")
		}
		prefix := filepath.Join(dir, "page")
		// 110 dpi: the page is 1,286 pixels wide, its text still legible.
		if out, err := exec.Command(pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		png, err := os.ReadFile(prefix + ".png")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*pngOut, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func lookPath(names ...string) string {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// importSample imports samples/patients.xlsx with samples/mapping.yaml into
// an in-process mipmock and returns the header, every row's result and the
// summary.
func importSample(t *testing.T) ([]string, []importer.Result, importer.Summary) {
	t.Helper()
	srv := httptest.NewServer(mipmock.New(mipmock.Config{User: "demo", Password: "demo"}))
	t.Cleanup(srv.Close)
	client, err := mip.NewClient(mip.Config{BaseURL: srv.URL + "/api", User: "demo", Password: "demo", Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Load(filepath.Join("..", "samples", "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := mapping.OpenSource(filepath.Join("..", "samples", "patients.xlsx"), m, mapping.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var rec recorder
	sum, err := importer.Import(context.Background(), importer.Config{Concurrency: 4, Log: zap.NewNop()},
		sampleSource{src}, client, &rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 33 {
		t.Fatalf("the sample gave %d rows, want 33", len(rec))
	}
	return src.Header.Titles, rec, sum
}

type sampleSource struct{ src *mapping.Source }

func (s sampleSource) Next(context.Context) (importer.Item, error) {
	rec, err := s.src.Next()
	if err != nil {
		return importer.Item{}, err
	}
	return importer.Item{Row: rec.Line, Key: rec.Key, Patient: rec.Patient, Invalid: rec.Invalid, Messages: rec.Messages, Cells: rec.Cells}, nil
}

// recorder keeps every result.
type recorder []importer.Result

func (r *recorder) Write(res importer.Result) error {
	*r = append(*r, res)
	return nil
}

func writeResults(t *testing.T, path string, header []string, rs []importer.Result, s importer.Summary, m Meta) {
	t.Helper()
	x, err := NewXLSX(path, header, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(s); err != nil {
		t.Fatal(err)
	}
}

// toPDF converts a workbook with LibreOffice; every sheet's pages, in order.
func toPDF(t *testing.T, soffice, dir, path string) string {
	t.Helper()
	out, err := exec.Command(soffice, "--headless", "--norestore",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, path).CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	pdf := strings.TrimSuffix(path, filepath.Ext(path)) + ".pdf"
	if _, err := os.Stat(pdf); err != nil {
		t.Fatalf("LibreOffice wrote no PDF: %v\n%s", err, out)
	}
	return pdf
}

// sheetPages is the text of every printed page, by sheet: the footer names
// the sheet («Результаты … Страница 1 из 3»).
func sheetPages(t *testing.T, pdftotext, pdf string) map[string][]string {
	t.Helper()
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := map[string][]string{}
	texts := strings.Split(strings.TrimSuffix(string(out), "\f"), "\f")
	footer := regexp.MustCompile(`(?m)^\s*(\S.*?)\s+Страница (\d+) из (\d+)\s*$`)
	for i, text := range texts {
		m := footer.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("page %d of %d has no footer:\n%s", i+1, len(texts), text)
		}
		if m[2] != strconv.Itoa(i+1) || m[3] != strconv.Itoa(len(texts)) {
			t.Errorf("page %d of %d is numbered %s of %s", i+1, len(texts), m[2], m[3])
		}
		pages[m[1]] = append(pages[m[1]], text)
	}
	return pages
}
