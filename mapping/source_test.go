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
// above the header, a date cell, identifiers typed as numbers; app names
// the program that saved it ("" for excelize's own).
func writeWorkbook(t *testing.T, date1904 bool, app string) string {
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
	// 770000000000002 and the check digit 4: Excel keeps the 15 digits.
	must(f.SetSheetRow(s, "A4", &[]any{"Иванов", time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC), 101998900, 7.70000000000002e15}))
	must(f.SetCellStyle(s, "B4", "B4", dateStyle))
	if app != "" {
		must(f.SetAppProps(&excelize.AppProperties{Application: app}))
	}
	path := filepath.Join(t.TempDir(), "p.xlsx")
	must(f.SaveAs(path))
	return path
}

// TestXLSXThroughMapping: the header is found below a title, an Excel date
// cell becomes the date (in either date system) and shows as dd.mm.yyyy in
// the row's cells, numbers typed as numbers become identifiers.
func TestXLSXThroughMapping(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		path := writeWorkbook(t, date1904, "Microsoft Excel")
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
		if p.Birthday.String() != wantBirth || p.Snils != "001-019-989 00" || p.Polis.Number != "7700000000000024" || p.Polis.Type.Code != "3" {
			t.Fatalf("1904=%v: %+v %+v", date1904, p, p.Polis)
		}
		if rec.Key != "7700000000000024" || len(rec.Messages) != 2 {
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

// TestENPRepairDecidedByTheFile: whether the lost 16th digit of a polis
// number is computed again is decided by the workbook's own word on the
// program that saved it (docProps/app.xml); a CSV never gets it unless the
// mapping says Excel wrote it (issue 17 item 7).
func TestENPRepairDecidedByTheFile(t *testing.T) {
	const doc = `fields:
  family: Фамилия
  name: {value: Тест}
  patronymic: {value: Тестович}
  birthday: Дата рождения
  snils: СНИЛС
  polis.number: Полис
  mcod: {value: "770001"}
  phone: {value: "89123456789"}
`
	csv := filepath.Join(t.TempDir(), "p.csv")
	if err := writeFile(csv, "Фамилия;Дата рождения;СНИЛС;Полис\nИванов;01.02.1990;00101998900;7700000000000020\nПетров;01.02.1990;00101998900;5,09197E+15\n"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, repair string
		on           bool
		want         string // the first row's polis; "" = refused
	}{
		{writeWorkbook(t, false, "Microsoft Excel"), "", true, "7700000000000024"},
		{writeWorkbook(t, false, "LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/60da17e045e08f1793c57c00ba83cdfb946"), "", false, ""},
		{writeWorkbook(t, false, ""), "", false, ""}, // excelize's own name
		{writeWorkbook(t, false, "LibreOffice/7.6"), "enp_repair: excel\n", true, "7700000000000024"},
		{writeWorkbook(t, false, "Microsoft Excel"), "enp_repair: never\n", false, ""},
		{csv, "", false, ""},
		{csv, "enp_repair: excel\n", true, "7700000000000024"},
	} {
		m, err := Parse("m.yaml", []byte(c.repair+doc))
		if err != nil {
			t.Fatal(err)
		}
		src, err := OpenSource(c.path, m, SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		on, why := src.Mapper.ENPRepair()
		rec, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if !rec.Invalid {
			got = rec.Patient.Polis.Number
		}
		if on != c.on || got != c.want {
			t.Errorf("%s %q: repair %v (%s), polis %q; want %v, %q; messages %q", filepath.Ext(c.path), c.repair, on, why, got, c.on, c.want, rec.Messages)
		}
		if filepath.Ext(c.path) == ".csv" {
			// The exponent form lost nine digits: refused whatever the setting.
			rec, err := src.Next()
			if err != nil || !rec.Invalid || !strings.Contains(strings.Join(rec.Messages, " "), "в ячейке число в экспоненциальной записи 5,09197E+15") {
				t.Errorf("%q: 5,09197E+15: invalid %v, %q, %v", c.repair, rec.Invalid, rec.Messages, err)
			}
		}
		src.Close()
	}
}
