package mapping

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/mapping/reader"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// writeWorkbook builds a workbook as registry files look: a title row
// above the header, a date cell, identifiers typed as numbers.
func writeWorkbook(t *testing.T, date1904 bool) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
	}
	s := "Sheet1"
	must(f.SetCellValue(s, "A1", "Список пациентов"))
	must(f.SetSheetRow(s, "A3", &[]any{"Фамилия", "Дата рождения", "СНИЛС", "Полис"}))
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetSheetRow(s, "A4", &[]any{"Иванов", time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC), 101998900, 7.7e15}))
	must(f.SetCellStyle(s, "B4", "B4", dateStyle))
	path := filepath.Join(t.TempDir(), "p.xlsx")
	must(f.SaveAs(path))
	return path
}

// TestXLSXThroughMapping: the header is found below a title, an Excel date
// cell becomes the date (in either date system) and shows as dd.mm.yyyy in
// the row's cells, numbers typed as numbers become identifiers.
func TestXLSXThroughMapping(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		path := writeWorkbook(t, date1904)
		m, err := Parse("m.yaml", []byte(`fields:
  family: Фамилия
  name: {value: Тест}
  patronymic: {value: Тестович}
  birthday: Дата рождения
  snils: СНИЛС
  polis.number: Полис
  mcod: {value: "770001"}
  phone: {value: "89123456789"}
key: [polis.number]
`))
		if err != nil {
			t.Fatal(err)
		}
		src, err := OpenSource(path, m, SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if src.Header.Line != 3 {
			t.Fatalf("header at row %d, want 3 below the title", src.Header.Line)
		}
		rec, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		src.Close()
		if rec.Cells[1] != "01.02.1990" {
			t.Fatalf("1904=%v: the date cell shows %q in the report", date1904, rec.Cells[1])
		}
		tb, err := reader.Open(path, reader.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			line, cells, err := tb.Next()
			if err != nil {
				break
			}
			if line == 4 && cells[1] != "01.02.1990" {
				t.Fatalf("1904=%v: the reader shows the date cell as %s", date1904, cells[1])
			}
		}
		tb.Close()
		if rec.Invalid {
			t.Fatalf("row %d invalid: %q", rec.Line, rec.Messages)
		}
		p := rec.Patient
		// In a 1904 workbook the same date is a different serial; reading it
		// with the 1900 system would be four years off.
		wantBirth := "1990-02-01"
		if p.Birthday.String() != wantBirth || p.Snils != "001-019-989 00" || p.Polis.Number != "7700000000000008" || p.Polis.Type.Code != "3" {
			t.Fatalf("1904=%v: %+v %+v", date1904, p, p.Polis)
		}
		if rec.Key != "7700000000000008" || len(rec.Messages) != 2 {
			t.Fatalf("key %q, messages %q: want the repaired polis and two warnings", rec.Key, rec.Messages)
		}
	}
}

func TestEmptyFileHasNoHeader(t *testing.T) {
	_, err := OpenSource(filepath.Join("testdata", "hostile", "empty.csv"), &Mapping{Fields: []*Spec{{Path: "family", Field: FieldByPath("family"), Columns: []string{"Фамилия"}}}}, SourceOptions{})
	if err == nil || !strings.Contains(err.Error(), "empty.csv") || !strings.Contains(err.Error(), "no data") {
		t.Fatalf("err = %v", err)
	}
}
