package reader

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

type row struct {
	line  int
	cells []string
}

// blank reports whether a row has no filled cell.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func ptr[T any](v T) *T { return &v }

func readAll(t *testing.T, tb Table) []row {
	t.Helper()
	var out []row
	for {
		n, cells, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row{n, cells})
	}
}

func TestCSVEncodingsAndDelimiters(t *testing.T) {
	for _, name := range []string{"cp1251.csv", "utf8bom.csv", "tab.tsv"} {
		t.Run(name, func(t *testing.T) {
			tb, err := Open(filepath.Join("testdata", name), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			rows := readAll(t, tb)
			want := []row{
				{1, []string{"Список пациентов", "", ""}},
				{2, []string{"Фамилия", "Имя", "Дата рождения"}},
				{3, []string{"Иванов", "Иван", "01.02.1990"}},
				{4, []string{"", "", ""}},
				{5, []string{`Петрова "Анна"`, "Мария\nВторая строка", "1.2.1985"}},
				{6, []string{"Сидоров", "Пётр", "03.03.1970", "лишнее"}},
				{7, []string{"Коротков"}},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("got  %v\nwant %v", rows, want)
			}
		})
	}
}

// TestCSVRowsAsASpreadsheetNumbersThem: a record whose quoted cells hold
// line breaks is one row, and a blank line is an empty row, as Excel and
// LibreOffice show a CSV; the row numbers of the report, the fix file and
// the state are these.
func TestCSVRowsAsASpreadsheetNumbersThem(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		text := strings.Join([]string{
			"Фамилия;Адрес;Телефон",
			`Иванов;"г. Москва,` + eol + `ул. Ленина, д. 1` + eol + `кв. 2";89123456789`,
			`Петров;"одна строка";89123456780`,
			"",
			`Сидоров;"две` + eol + `строки";89123456781`,
			"Козлов;;89123456782",
		}, eol) + eol
		tb, err := newCSVTable("f.csv", strings.NewReader(text), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range readAll(t, tb) {
			got = append(got, fmt.Sprintf("%d %s", r.line, r.cells[0]))
		}
		want := []string{"1 Фамилия", "2 Иванов", "3 Петров", "5 Сидоров", "6 Козлов"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line ends %q: rows %q, want %q", eol, got, want)
		}
	}
	// A record encoding/csv cannot read is named by its row too.
	tb, err := newCSVTable("f.csv", strings.NewReader("a,b\n\"x\ny\",1\n\n3,\"4\"5\"\n"), ReadOptions{Delimiter: ","})
	if err != nil {
		t.Fatal(err)
	}
	tb.r.LazyQuotes = false
	for {
		_, _, err := tb.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("no error for a bare quote")
		}
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.Line != 4 || !strings.Contains(err.Error(), "line 5 of the file") {
				t.Fatalf("err = %v, want row 4 (line 5 of the file)", err)
			}
			break
		}
	}
}

func TestCSVForcedEncoding(t *testing.T) {
	tb, err := Open("testdata/cp1251.csv", ReadOptions{Encoding: "windows-1251", Delimiter: ";"})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if rows := readAll(t, tb); rows[1].cells[0] != "Фамилия" {
		t.Fatalf("header %q", rows[1].cells)
	}
}

func TestCSVRejectsBinary(t *testing.T) {
	_, err := Open("testdata/binary.csv", ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "binary.csv") || !strings.Contains(err.Error(), "not a text file") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnsupportedFormats(t *testing.T) {
	for _, name := range []string{"notes.docx", "data.json"} {
		_, err := Open(name, ReadOptions{})
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// writeWorkbook builds a workbook the way registry files look: a hidden
// first sheet, a title row above the header, date cells, identifiers typed
// as numbers, a merged title, a hidden column, a formula with its cached
// value, a blank row and trailing formatted empty rows.
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
	must(f.SetSheetName("Sheet1", "Служебный"))
	must(f.SetCellValue("Служебный", "A1", "не то"))
	idx, err := f.NewSheet("Пациенты")
	must(err)
	f.SetActiveSheet(idx) // the selected tab cannot be hidden
	must(f.SetSheetVisible("Служебный", false))
	if date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}))
	}
	s := "Пациенты"
	must(f.SetCellValue(s, "A1", "Список пациентов"))
	must(f.MergeCell(s, "A1", "D1"))
	must(f.SetSheetRow(s, "A3", &[]any{"Фамилия", "Дата рождения", "СНИЛС", "Полис", "Возраст"}))
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	born := time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC)
	must(f.SetSheetRow(s, "A4", &[]any{"Иванов", born, 101998900, 7.7e15, nil}))
	must(f.SetCellStyle(s, "B4", "B4", dateStyle))
	must(f.SetCellFormula(s, "E4", "=2026-1990"))
	must(f.SetSheetRow(s, "A6", &[]any{"Петров", "01.02.1985", "112-233-445 95", "7700000000000008"}))
	must(f.SetColVisible(s, "C", false))
	rowStyle, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFF00"}}})
	must(err)
	must(f.SetRowStyle(s, 7, 50, rowStyle))
	path := filepath.Join(t.TempDir(), "p.xlsx")
	must(f.SaveAs(path))
	// The formula's cached value, as a spreadsheet program would store it.
	g, err := excelize.OpenFile(path)
	must(err)
	must(g.SetCellValue(s, "E4", 36))
	must(g.SetCellFormula(s, "E4", "=2026-1990"))
	must(g.Save())
	g.Close()
	return path
}

func TestXLSXReader(t *testing.T) {
	path := writeWorkbook(t, false)
	tb, err := Open(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if tb.Sheet() != "Пациенты" {
		t.Fatalf("sheet %q, want the first visible one", tb.Sheet())
	}
	var data []row
	for _, r := range readAll(t, tb) {
		if !blank(r.cells) {
			data = append(data, r)
		}
	}
	if len(data) != 4 {
		t.Fatalf("rows %v", data)
	}
	if data[0].line != 1 || data[1].line != 3 || data[2].line != 4 || data[3].line != 6 {
		t.Fatalf("row numbers %d %d %d %d, want 1 3 4 6 as the sheet shows them", data[0].line, data[1].line, data[2].line, data[3].line)
	}
	iv := data[2].cells
	if iv[0] != "Иванов" || iv[1] != "01.02.1990" || iv[2] != "101998900" || iv[3] != "7700000000000000" {
		t.Fatalf("values %q: want the date as the cell shows it and the numbers without exponent", iv)
	}
	if len(iv) < 5 || iv[4] != "36" {
		t.Fatalf("formula cell %q, want its cached value", iv)
	}
}

// TestXLSXCellKinds: the reader tells a number from text and a date cell
// from a number, per cell of the row just read.
func TestXLSXCellKinds(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		tb, err := Open(writeWorkbook(t, date1904), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			line, cells, err := tb.Next()
			if err != nil {
				t.Fatalf("row 4 not found: %v", err)
			}
			if line != 4 {
				continue
			}
			if cells[1] != "01.02.1990" {
				t.Errorf("1904=%v: the date cell reads %q", date1904, cells[1])
			}
			want := []Kind{KindText, KindDate, KindNumber, KindNumber}
			if got := CellKinds(tb); len(got) < 4 || !reflect.DeepEqual(got[:4], want) {
				t.Errorf("1904=%v: kinds %v, want %v", date1904, got, want)
			}
			break
		}
		if app := SavedBy(tb); app == "" || SavedByExcel(app) {
			t.Errorf("excelize wrote the file, the table says %q", app)
		}
		tb.Close()
	}
	csv, err := Open("testdata/cp1251.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer csv.Close()
	csv.Next()
	if CellKinds(csv) != nil || SavedBy(csv) != "" {
		t.Errorf("a CSV has only text and no program that saved it")
	}
}

func TestXLSXNamedSheet(t *testing.T) {
	path := writeWorkbook(t, false)
	tb, err := Open(path, ReadOptions{Sheet: "Служебный"})
	if err != nil {
		t.Fatal(err)
	}
	tb.Close()
	_, err = Open(path, ReadOptions{Sheet: "Нет такого"})
	if err == nil || !strings.Contains(err.Error(), "Нет такого") || !strings.Contains(err.Error(), "Пациенты") {
		t.Fatalf("err = %v", err)
	}
}

func TestXLSXNotAWorkbook(t *testing.T) {
	_, err := Open("testdata/cp1251.csv.xlsx", ReadOptions{})
	if err == nil {
		t.Fatal("opened a missing file")
	}
	path := filepath.Join(t.TempDir(), "fake.xlsx")
	if err := writeFile(path, "this is not a zip"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "fake.xlsx") {
		t.Fatalf("err = %v", err)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func TestXLSWithoutLibreOfficeSaysHowToConvert(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no LibreOffice here
	_, err := Open("testdata/old.xls", ReadOptions{})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "--convert-to xlsx") || !strings.Contains(err.Error(), "old.xls") {
		t.Fatalf("err = %v", err)
	}
}

// TestXLSThroughLibreOffice needs LibreOffice (apt-get install
// libreoffice-calc); .ci/run installs it so CI always runs this test.
func TestXLSThroughLibreOffice(t *testing.T) {
	bin := office()
	if bin == "" {
		t.Skip("LibreOffice is not installed: .xls conversion is not tested here (CI installs it)")
	}
	src := writeWorkbook(t, false)
	dir := t.TempDir()
	out, err := exec.Command(bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xls", "--outdir", dir, src).CombinedOutput()
	if err != nil {
		t.Fatalf("making an .xls: %v %s", err, out)
	}
	xls := filepath.Join(dir, "p.xls")
	tb, err := Open(xls, ReadOptions{Sheet: "Пациенты"})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, tb)
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range rows {
		if len(r.cells) > 2 && r.cells[0] == "Иванов" {
			found = true
			if r.line != 4 || r.cells[1] != "01.02.1990" || r.cells[2] != "101998900" {
				t.Fatalf("converted row %d: %q", r.line, r.cells)
			}
		}
	}
	if !found {
		t.Fatalf("the data row is missing after conversion: %v", rows)
	}
	if app := SavedBy(tb); !strings.Contains(app, "LibreOffice") || SavedByExcel(app) {
		t.Errorf("converted by LibreOffice, the table says it was saved by %q", app)
	}
	if _, err := os.Stat(tb.(*convertedTable).dir); !os.IsNotExist(err) {
		t.Fatal("the temporary conversion directory was not removed")
	}
}
