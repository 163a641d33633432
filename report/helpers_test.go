package report

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

var testHeader = []string{"Фамилия", "Имя", "СНИЛС", "ЕНП", "Телефон", "Примечание"}

// testResults has one row per outcome, in input order, with the values a
// spreadsheet most easily spoils: leading zeros and formula-looking text.
func testResults() []importer.Result {
	return []importer.Result{
		{Row: 2, Key: "00123456789", Outcome: importer.Uploaded, MkabStatus: "Uploaded", AttachmentStatus: "Uploaded",
			PersonGUID: "0b6f1c1e-0000-4000-8000-000000000001", MkabGUID: "0b6f1c1e-0000-4000-8000-000000000002",
			AttachmentGUID: "0b6f1c1e-0000-4000-8000-000000000003", HTTPStatus: 200, Attempts: 1,
			Cells: []string{"Иванов", "Иван", "00123456789", "0012345678901234", "+79001234567", "=1+2"}},
		{Row: 3, Key: "98765432100", Outcome: importer.Invalid, Attempts: 0,
			Messages: []string{"СНИЛС: неверное контрольное число", "Дата рождения: пусто"},
			Cells:    []string{"Петров", "", "98765432100", "-42", "@home", " leading and trailing "}},
		{Row: 4, Key: "k4", Outcome: importer.Partial, MkabStatus: "Uploaded", AttachmentStatus: "NotValid",
			PersonGUID: "p4", MkabGUID: "m4", HTTPStatus: 200, Attempts: 1,
			Messages: []string{"Прикрепление: неизвестный код МО"},
			Cells:    []string{"Сидорова", "Анна", "11122233344", "", "", ""}},
		{Row: 5, Key: "k5", Outcome: importer.Unchanged, PersonGUID: "p5", MkabGUID: "m5",
			Cells: []string{"Кузнецов", "Пётр", "", "", "", "<b>&amp;</b>"}},
		{Row: 6, Key: "k6", Outcome: importer.Rejected, MkabStatus: "NotValid", AttachmentStatus: "None",
			HTTPStatus: 200, Attempts: 1, Messages: []string{"Фамилия: обязательное поле"},
			Cells: []string{"", "Мария"}}, // shorter than the header
		{Row: 7, Key: "k7", Outcome: importer.Errored, MkabStatus: "Error", AttachmentStatus: "None",
			HTTPStatus: 200, Attempts: 1, Messages: []string{"GUID принадлежит другому пациенту"},
			Cells: []string{"Смирнов", "Олег", "", "", "", "", "лишняя ячейка"}}, // longer
		{Row: 8, Key: "k8", Outcome: importer.Failed, HTTPStatus: 503, Attempts: 4,
			Messages: []string{"МИП: 503 Service Unavailable"},
			Cells:    []string{"Попов", "Илья", "", "", "", ""}},
		{Row: 9, Key: "k4", Outcome: importer.Duplicate, Messages: []string{"ключ уже был в строке 4"},
			Cells: []string{"Сидорова", "Анна", "11122233344", "", "", ""}},
		{Row: 10, Outcome: importer.NotSent,
			Cells: []string{"Новиков", "Лев", "", "", "", ""}},
	}
}

func testMeta() Meta {
	return Meta{
		Input: "/data/пациенты.xlsx", Sheet: "Лист1", Mapping: "/etc/mipimport/mapping.yaml",
		URL:         "https://importer:s3cret@mip.example.ru:8443/api/v1",
		Concurrency: 8, Rate: 2.5, DryRun: false, Version: "v1.2.3",
	}
}

func testSummary(rs []importer.Result) importer.Summary {
	start := time.Date(2026, 3, 14, 9, 30, 0, 0, time.Local)
	s := importer.Summary{
		Start: start, End: start.Add(1*time.Hour + 2*time.Minute + 5*time.Second),
		Counts: map[importer.Outcome]int{}, Rows: len(rs), Requests: 11,
	}
	for _, r := range rs {
		s.Counts[r.Outcome]++
	}
	return s
}

// writeReport renders rs into a report in a fresh directory.
func writeReport(t testing.TB, rs []importer.Result, s importer.Summary) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "пациенты.result.xlsx")
	x, err := NewXLSX(path, testHeader, testMeta())
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
	return path
}

func openBook(t testing.TB, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

func rows(t testing.TB, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// fillOf is the fill colour of a cell ("" for none).
func fillOf(t testing.TB, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return strings.ToUpper(st.Fill.Color[0])
}

// zipParts returns every part of an xlsx package as text.
func zipParts(t testing.TB, path string) map[string]string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	parts := map[string]string{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}

// zipEntry returns one part of an xlsx package as text.
func zipEntry(t testing.TB, path, name string) string {
	t.Helper()
	part, ok := zipParts(t, path)[name]
	if !ok {
		t.Fatalf("%s: no part %s", path, name)
	}
	return part
}

// dirNames lists a directory, to see that no temporary file is left.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func checkMode(t testing.TB, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("%s: mode %v, want 0600", filepath.Base(path), got)
	}
}

// dumpBook is a canonical text form of a workbook: sheet names in order,
// each sheet's column widths, then every row's values (quoted, so blanks
// and spaces show) and its height when it has its own, with the fill of
// the row's first cell on the results sheets.
func dumpBook(t testing.TB, path string) string {
	t.Helper()
	f := openBook(t, path)
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "== %s\nwidths:", sheet)
		cols, err := f.GetCols(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cols {
			name, _ := excelize.ColumnNumberToName(i + 1)
			w, err := f.GetColWidth(sheet, name)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, " %g", w)
		}
		b.WriteString("\n")
		for i, row := range rows(t, f, sheet) {
			fmt.Fprintf(&b, "%d:", i+1)
			for _, v := range row {
				fmt.Fprintf(&b, " %q", v)
			}
			if h := rowHeightOf(t, f, sheet, i+1); h != 0 {
				fmt.Fprintf(&b, " height=%g", h)
			}
			if strings.HasPrefix(sheet, resultsSheet) && i > 0 {
				fmt.Fprintf(&b, " fill=%s", fillOf(t, f, sheet, fmt.Sprintf("A%d", i+1)))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// rowHeightOf is a row's own height in points, 0 when it has none.
func rowHeightOf(t testing.TB, f *excelize.File, sheet string, row int) float64 {
	t.Helper()
	h, err := f.GetRowHeight(sheet, row)
	if err != nil {
		t.Fatal(err)
	}
	if h == defaultRowHeight {
		return 0
	}
	return h
}

// defaultRowHeight is what excelize reports for a row without a height.
const defaultRowHeight = 15

func isClosed(err error) bool { return errors.Is(err, os.ErrClosed) }
