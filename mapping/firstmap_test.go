package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mipimport/mapping/reader"
)

// initMapping is what a clerk gets from `mapping init` followed by filling
// in the МКОД constant.
func initMapping(t *testing.T, path string) (*Mapping, Proposal) {
	t.Helper()
	p, err := Propose(path, reader.ReadOptions{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteGuess(&b, path, p.Sheet, p.Pinned, p.Guess); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(b.String(), `  # mcod: {value: ""}`, `  mcod: {value: "770001"}`, 1)
	m, err := Parse("init.yaml", []byte(text))
	if err != nil {
		t.Fatalf("the proposed mapping does not parse: %v\n%s", err, text)
	}
	return m, p
}

func readAll(t *testing.T, path string, m *Mapping) []Record {
	t.Helper()
	src, err := OpenSource(path, m, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []Record
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

func saveBook(t *testing.T, f *excelize.File) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A report export: a title, a two-row header (merged group titles over
// their columns), a row numbering the columns, the header repeated at a
// page break, a totals row. The header is the two rows, the group titles
// lead «Номер» to the polis number, and only the patients are records.
func TestTwoRowHeaderAndNoiseRows(t *testing.T) {
	f := excelize.NewFile()
	s := "Sheet1"
	must(t, f.SetCellValue(s, "A1", "Отчёт: прикреплённые пациенты"))
	up := []any{"№ п/п", "ФИО пациента", nil, nil, "Дата рождения", "Полис ОМС", nil, "Телефон"}
	low := []any{nil, "Фамилия", "Имя", "Отчество", nil, "Серия", "Номер", nil}
	must(t, f.SetSheetRow(s, "A3", &up))
	must(t, f.SetSheetRow(s, "A4", &low))
	for _, r := range []string{"B3:D3", "F3:G3", "A3:A4", "E3:E4", "H3:H4"} {
		a, b, _ := strings.Cut(r, ":")
		must(t, f.MergeCell(s, a, b))
	}
	must(t, f.SetSheetRow(s, "A5", &[]any{1, 2, 3, 4, 5, 6, 7, 8}))
	must(t, f.SetSheetRow(s, "A6", &[]any{1, "Иванов", "Иван", "Иванович", "01.02.1990", "", "7700000000000008", "89123456789"}))
	must(t, f.SetSheetRow(s, "A7", &[]any{2, "Петрова", "Анна", "Сергеевна", "05.06.1985", "", "7700000000000016", "89123456780"}))
	must(t, f.SetSheetRow(s, "A8", &up))
	must(t, f.SetSheetRow(s, "A9", &low))
	must(t, f.SetSheetRow(s, "A10", &[]any{3, "Сидоров", "Пётр", "Петрович", "07.07.1977", "", "7700000000000024", "89123456781"}))
	must(t, f.SetSheetRow(s, "A11", &[]any{"Итого: 3 пациента"}))
	path := saveBook(t, f)

	m, p := initMapping(t, path)
	h := p.Guess.Header
	if h.Line != 4 || h.GroupLine != 3 {
		t.Fatalf("header rows %d–%d, want 3–4", h.GroupLine, h.Line)
	}
	for path, want := range map[string]string{
		"family": "ФИО пациента / Фамилия", "patronymic": "ФИО пациента / Отчество", "birthday": "Дата рождения",
		"polis.series": "Полис ОМС / Серия", "polis.number": "Полис ОМС / Номер", "phone": "Телефон",
	} {
		if got := p.Guess.Matched(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	if p.Guess.Matched("fio") != "" {
		t.Errorf("fio mapped although the name parts have columns")
	}
	recs := readAll(t, path, m)
	var patients []int
	noise := map[int]string{}
	for _, r := range recs {
		if r.Noise != "" {
			noise[r.Line] = r.Noise
			continue
		}
		if r.Invalid {
			t.Errorf("row %d invalid: %q", r.Line, r.Messages)
		}
		patients = append(patients, r.Line)
	}
	if got := fmt.Sprint(patients); got != "[6 7 10]" {
		t.Errorf("patients in rows %s, want [6 7 10]", got)
	}
	want := map[int]string{5: NoiseColumnNumbers, 8: NoiseRepeatedHeader, 9: NoiseRepeatedHeader, 11: NoiseTotals}
	for line, why := range want {
		if noise[line] != why {
			t.Errorf("row %d: noise %q, want %q", line, noise[line], why)
		}
	}
	if len(noise) != len(want) {
		t.Errorf("noise rows %v, want %v", noise, want)
	}
}

// An instruction on the first sheet, the patients on the second: the
// proposal reads the second, names it in the mapping, and the import reads
// it through that mapping.
func TestProposeFindsThePatientSheet(t *testing.T) {
	f := excelize.NewFile()
	must(t, f.SetSheetName("Sheet1", "Инструкция"))
	must(t, f.SetCellValue("Инструкция", "A1", "Как заполнять"))
	must(t, f.SetSheetRow("Инструкция", "A3", &[]any{"Фамилия", "фамилия пациента полностью"}))
	_, err := f.NewSheet("Пациенты")
	must(t, err)
	must(t, f.SetSheetRow("Пациенты", "A1", &[]any{"ИД пациента", "ФИО", "Дата рождения", "Полис", "Телефон"}))
	must(t, f.SetSheetRow("Пациенты", "A2", &[]any{1001, "Иванов Иван Иванович", "01.02.1990", "7700000000000008", "89123456789"}))
	path := saveBook(t, f)

	m, p := initMapping(t, path)
	if !p.Pinned || p.Sheet != "Пациенты" || p.First != "Инструкция" || m.Sheet != "Пациенты" {
		t.Fatalf("proposal %+v, mapping sheet %q", p, m.Sheet)
	}
	if k := p.Guess.Key(); len(k) != 1 || k[0] != "ИД пациента" {
		t.Errorf("key %q, want the patient's ID column", k)
	}
	recs := readAll(t, path, m)
	if len(recs) != 1 || recs[0].Invalid || recs[0].Key != "1001" {
		t.Fatalf("records %+v", recs)
	}
}

// No sheet holds patients: the error names every sheet with what was found
// there and suggests --sheet.
func TestProposeNamesEverySheet(t *testing.T) {
	f := excelize.NewFile()
	must(t, f.SetSheetName("Sheet1", "Инструкция"))
	must(t, f.SetCellValue("Инструкция", "A1", "Как заполнять"))
	_, err := f.NewSheet("Справочник")
	must(t, err)
	must(t, f.SetSheetRow("Справочник", "A1", &[]any{"Код", "Наименование", "Телефон"}))
	must(t, f.SetSheetRow("Справочник", "A2", &[]any{1, "Поликлиника", "84950000000"}))
	path := saveBook(t, f)
	_, err = Propose(path, reader.ReadOptions{}, 0)
	var se *SheetsError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SheetsError", err)
	}
	if len(se.Sheets) != 2 || se.Sheets[0].Name != "Инструкция" || !errors.Is(se.Sheets[0].Err, ErrNoHeader) ||
		se.Sheets[1].Name != "Справочник" || se.Sheets[1].HeaderLine != 1 || len(se.Sheets[1].Fields) != 1 || se.Sheets[1].Fields[0].Path != "phone" {
		t.Fatalf("findings %+v", se.Sheets)
	}
	msg := err.Error()
	for _, want := range []string{"book.xlsx", `sheet "Инструкция": no header row`, `sheet "Справочник": header in row 1 with phone only`, "--sheet"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// A row above the header is a group row only when it is one: a title row
// (one cell, or a date in it) is not, and neither is a data row under a
// header with an empty title.
func TestGroupRowIsRecognisedOnlyWhenItIsOne(t *testing.T) {
	header := []string{"ФИО", "", "Дата рождения", "Полис", "Телефон"}
	for _, c := range []struct {
		name    string
		up, low []string
		want    bool
	}{
		{"group titles over their columns", []string{"ФИО пациента", "", "", "Полис ОМС", ""}, []string{"Фамилия", "Имя", "Отчество", "Серия", "Номер"}, true},
		{"a title row of one cell", []string{"Список пациентов", "", "", "", ""}, []string{"Фамилия", "Имя", "Отчество", "Полис", "Телефон"}, false},
		{"a title row with a date", []string{"Список пациентов", "", "", "на 01.11.2026", ""}, []string{"Фамилия", "Имя", "Отчество", "Полис", "Телефон"}, false},
		{"a data row under an empty title", header, []string{"Иванов Иван Иванович", "примечание", "01.02.1990", "7700000000000008", "89123456789"}, false},
		{"a data row of plain words", header, []string{"Иванов", "Иван", "Иванович", "нет", "нет"}, false},
	} {
		if got := isGroupRow(c.up, c.low); got != c.want {
			t.Errorf("%s: isGroupRow = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAnalyseTitles(t *testing.T) {
	for title, want := range map[string]struct {
		words     string
		ident     bool
		own       int
		rowNumber bool
	}{
		"Дата рожд.":      {"дат рожден", false, 0, false},
		"Д.р.":            {"дат рожден", false, 0, false},
		"ДАТА\nРОЖДЕНИЯ*": {"дат рожден", false, 0, false},
		"Дата рождения пациента": {"дат рожден", false, 0, false},
		"Телефон (моб.)":         {"телефон мобильн", false, 0, false},
		"Ф.И.О.":                 {"фио", false, 0, false},
		"Пациент":                {"пациент", false, 0, false},
		"ИД пациента":            {"ид", true, 1, false},
		"Код пациента":           {"код", true, 1, false},
		"PatientID":              {"ид", true, 1, false},
		"№ амб. карты":           {"номер амбулаторн карт", true, 2, false},
		"НОМЕР МКАБ":             {"номер мкаб", true, 2, false},
		"№ полиса ОМС":           {"номер полис", true, 0, false},
		"Код МО":                 {"код мо", true, 0, false},
		"Номер":                  {"номер", true, 0, false},
		"№ п/п":                  {"", false, 0, true},
		"N":                      {"", false, 0, true},
		"Порядковый номер":       {"", false, 0, true},
	} {
		got := analyse(title)
		if strings.Join(got.words, " ") != want.words || got.ident != want.ident || got.own != want.own || got.rowNumber != want.rowNumber {
			t.Errorf("analyse(%q) = %+v, want %+v", title, got, want)
		}
	}
}

// A mapping that names its sheet reads the fix file too: a workbook of one
// sheet under another name is read through its only sheet.
func TestPinnedSheetReadsAOneSheetWorkbook(t *testing.T) {
	f := excelize.NewFile()
	must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"ФИО", "Дата рождения", "Полис", "Телефон"}))
	must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Иванов Иван Иванович", "01.02.1990", "7700000000000008", "89123456789"}))
	path := saveBook(t, f)
	m := mustParse(t, "sheet: Пациенты\nfields:\n  fio: ФИО\n  birthday: Дата рождения\n  polis.number: Полис\n  phone: Телефон\n  mcod: {value: \"770001\"}\n")
	src, err := OpenSource(path, m, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.MissingSheet != "Пациенты" || src.Table.Sheet() != "Sheet1" {
		t.Fatalf("read sheet %q (missing %q)", src.Table.Sheet(), src.MissingSheet)
	}
	// Two sheets, neither the mapping's: an error naming them.
	f = excelize.NewFile()
	_, err = f.NewSheet("Другой")
	must(t, err)
	_, err = OpenSource(saveBook(t, f), m, SourceOptions{})
	wantErr(t, err, `no sheet "Пациенты"`)
}

func TestNoiseKinds(t *testing.T) {
	n := newNoise(Header{Titles: []string{"№ п/п", "ФИО", "Дата рождения", "Полис"}})
	for _, c := range []struct {
		cells []string
		want  string
	}{
		{[]string{"№ п/п", "ФИО", "Дата рождения", "Полис"}, NoiseRepeatedHeader},
		{[]string{"", " фио ", "ДАТА РОЖДЕНИЯ", ""}, NoiseRepeatedHeader},
		{[]string{"1", "2", "3", "4"}, NoiseColumnNumbers},
		{[]string{"Итого: 3 пациента"}, NoiseTotals},
		{[]string{"", "ВСЕГО", "", "30"}, NoiseTotals},
		{[]string{"Total"}, NoiseTotals},
		{[]string{"1", "Итогова Анна Петровна", "01.02.1990", "7700000000000008"}, ""},
		{[]string{"2", "Всеволодов Иван Иванович", "01.02.1990", "7700000000000008"}, ""},
		{[]string{"1", "ФИО", "", ""}, ""},
		{[]string{"1", "2"}, ""},
	} {
		if got := n.kind(c.cells); got != c.want {
			t.Errorf("kind(%q) = %q, want %q", c.cells, got, c.want)
		}
	}
	cells := []string{"1", "Иванов Иван Иванович", "01.02.1990", "7700000000000008"}
	if a := testing.AllocsPerRun(100, func() { n.kind(cells) }); a != 0 {
		t.Errorf("kind allocates %v times a row", a)
	}
}
