package mapping

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mipimport/mapping/reader"
)

var testHeader = Header{Line: 1, Titles: []string{"ФИО", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Полис", "Телефон", "Кровь", "Работает", "Паспорт", "Зона", "Код"}}

const testMapping = `fields:
  fio: ФИО
  patronymic: {column: Отчество, default: "-"}
  birthday: Дата рождения
  gender: {column: Пол, map: {мужчина: 1}}
  snils: СНИЛС
  polis.number: Полис
  phone: Телефон
  blood: Кровь
  isWorker: Работает
  identityDocument.type.code: {value: "14"}
  identityDocument.number: Паспорт
  mcod: {value: "770001"}
extra:
  attachment.area: {column: Зона, type: code}
key: [snils, Код]
`

func compileTest(t *testing.T, doc string) *Mapper {
	t.Helper()
	m, err := Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := Compile(m, testHeader, MapperOptions{Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

func TestMapValidRow(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(5, []string{"  иванов   иван ", "Иванович", "01.02.1990", "мужчина", "11223344595", "7700000000000008", "8 (912) 345-67-89", "A(II) Rh-", "нет", "4506 123456", "3", "A-1"})
	if rec.Invalid {
		t.Fatalf("invalid: %q", rec.Messages)
	}
	b, err := json.Marshal(rec.Patient)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"family":"Иванов","name":"Иван","patronymic":"Иванович","birthday":"1990-02-01","polis":{"type":{"code":"3","name":"Полис ОМС единого образца"},"number":"7700000000000008"},"identityDocument":{"type":{"code":"14","name":"Паспорт гражданина Российской Федерации"},"series":"45 06","number":"123456"},"mcod":"770001","phone":"+79123456789","gender":1,"snils":"112-233-445 95","isWorker":false,"bloodType":2,"rh":false,"attachment":{"area":3}}`
	var got, exp any
	json.Unmarshal(b, &got)
	json.Unmarshal([]byte(want), &exp)
	gb, _ := json.Marshal(got)
	eb, _ := json.Marshal(exp)
	if string(gb) != string(eb) {
		t.Fatalf("patient\n got %s\nwant %s", gb, eb)
	}
	if rec.Key != "112-233-445 95|a-1" {
		t.Fatalf("key %q: want the normalised СНИЛС and the folded column value", rec.Key)
	}
	if len(rec.Messages) != 0 {
		t.Fatalf("messages %q", rec.Messages)
	}
}

func TestMapMessagesNameTheColumn(t *testing.T) {
	mp := compileTest(t, testMapping)
	cases := []struct {
		name  string
		edit  func(c []string)
		want  string
		valid bool
	}{
		{"bad snils", func(c []string) { c[4] = "112-233-445 96" }, `СНИЛС: неверная контрольная сумма (столбец "СНИЛС")`, false},
		{"impossible date", func(c []string) { c[2] = "31.02.1990" }, `(столбец "Дата рождения")`, false},
		{"future birthday", func(c []string) { c[2] = "01.01.2099" }, `Дата рождения:`, false},
		{"no phone", func(c []string) { c[6] = "" }, `Телефон: не заполнено обязательное поле (столбец "Телефон")`, false},
		{"one word name", func(c []string) { c[0] = "Иванов" }, `(столбец "ФИО")`, false},
		{"bad gender", func(c []string) { c[3] = "X" }, `Пол:`, false},
		{"bad bool", func(c []string) { c[8] = "возможно" }, `Работающий:`, false},
		{"blood conflict", func(c []string) { c[7] = "A(III) Rh+" }, `Группа крови:`, false},
		{"bad passport", func(c []string) { c[9] = "12" }, `Документ:`, false},
		{"ragged row", func(c []string) {}, "значений больше", true},
		{"no key value", func(c []string) { c[11] = "" }, "Ключ: нет значения", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cells := []string{"Иванов Иван", "Иванович", "01.02.1990", "М", "11223344595", "7700000000000008", "89123456789", "", "", "", "", "k"}
			tc.edit(cells)
			if tc.name == "ragged row" {
				cells = append(cells, "лишнее")
			}
			rec := mp.Map(7, cells)
			if rec.Invalid == tc.valid {
				t.Fatalf("invalid=%v, messages %q", rec.Invalid, rec.Messages)
			}
			if !strings.Contains(strings.Join(rec.Messages, "\n"), tc.want) {
				t.Fatalf("messages %q lack %q", rec.Messages, tc.want)
			}
			if rec.Invalid && rec.Patient != nil {
				t.Fatal("an invalid row carries a patient to send")
			}
			if len(rec.Cells) != len(testHeader.Titles) {
				t.Fatalf("cells %d, want the header's %d", len(rec.Cells), len(testHeader.Titles))
			}
		})
	}
}

func TestMapOneMessagePerProblem(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(3, []string{"Иванов", "", "31.02.1990", "М", "", "7700000000000008", "89123456789"})
	// The failed ФИО must not also produce "family/name required", nor the
	// failed date "birthday required".
	if len(rec.Messages) != 2 {
		t.Fatalf("messages %q, want exactly two", rec.Messages)
	}
}

func TestMapShortRowIsPadded(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(3, []string{"Иванов Иван Иванович"})
	if !rec.Invalid || len(rec.Cells) != len(testHeader.Titles) {
		t.Fatalf("short row: %+v", rec)
	}
}

func TestMapWarningsKeepTheRow(t *testing.T) {
	doc := strings.Replace(testMapping, "  snils: СНИЛС\n", "  snils: {column: СНИЛС, on_error: warning}\n", 1)
	mp := compileTest(t, doc)
	rec := mp.Map(3, []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "112-233-445 96", "7700000000000008", "89123456789", "", "", "", "", "k"})
	if rec.Invalid {
		t.Fatalf("on_error: warning still rejects: %q", rec.Messages)
	}
	if !strings.HasPrefix(rec.Messages[0], WarnPrefix+"СНИЛС") || rec.Patient.Snils == "" {
		t.Fatalf("messages %q, snils %q", rec.Messages, rec.Patient.Snils)
	}
}

func TestMapPlaceholderPatronymicAndDefault(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(3, []string{"Смит Джон", "", "01.02.1990", "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"})
	if rec.Invalid || rec.Patient.Patronymic != "-" {
		t.Fatalf("default patronymic: %q", rec.Messages)
	}
	noDefault := strings.Replace(testMapping, `  patronymic: {column: Отчество, default: "-"}`+"\n", "", 1)
	rec = compileTest(t, noDefault).Map(3, []string{"Смит Джон НЕТ", "", "01.02.1990", "М", "", "7700000000000008", "89123456789"})
	if !rec.Invalid || !strings.Contains(strings.Join(rec.Messages, " "), "Отчество: не заполнено") {
		t.Fatalf("placeholder patronymic must count as empty: %q", rec.Messages)
	}
}

func TestMapSeparateColumnsWinOverFIO(t *testing.T) {
	doc := strings.Replace(testMapping, `  patronymic: {column: Отчество, default: "-"}`, `  patronymic: Отчество`, 1)
	mp := compileTest(t, doc)
	rec := mp.Map(3, []string{"Иванов Иван Петрович", "Иванович", "01.02.1990", "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"})
	if rec.Patient.Patronymic != "Иванович" {
		t.Fatalf("patronymic %q: the separately mapped column must win", rec.Patient.Patronymic)
	}
}

func TestMapOptionalAbsentFieldsAreLeftOut(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(3, []string{"Иванов Иван Иванович", "", "01.02.1990", "", "", "7700000000000008", "89123456789", "", "", "", "", "k"})
	b, _ := json.Marshal(rec.Patient)
	for _, key := range []string{`"gender"`, `"snils"`, `"rh"`, `"isWorker"`, `"bloodType"`, `"attachment"`, `"email"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("%s sent for an empty cell: %s", key, b)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	m, _ := Parse("m.yaml", []byte("fields:\n  fio: ФИО\n  birthday: Д.р.\n"))
	_, err := Compile(m, testHeader, MapperOptions{})
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(le.Msg, `"Д.р."`) || !strings.Contains(le.Msg, `"Дата рождения"`) {
		t.Fatalf("missing column: %v", err)
	}
	m, _ = Parse("m.yaml", []byte("fields:\n  fio: ФИО\n  birthday: Дата рождения\n  polis.number: Полис\n  phone: Телефон\n"))
	_, err = Compile(m, testHeader, MapperOptions{})
	if err == nil || !strings.Contains(err.Error(), `"mcod"`) {
		t.Fatalf("unmapped required field: %v", err)
	}
	m, _ = Parse("m.yaml", []byte("fields:\n  fio: ФИО\n  birthday: Дата рождения\n  polis.number: Полис\n  phone: Телефон\n  mcod: {value: \"1\"}\nkey: [Нет такого]\n"))
	_, err = Compile(m, testHeader, MapperOptions{})
	if !errors.As(err, &le) || le.Line != 7 {
		t.Fatalf("bad key column: %v", err)
	}
}

// The report and the fix file show the cells: a date cell read as its
// Excel serial must read as a date there.
// A bare number in a date column is a number, not a date (issue 17): Excel
// keeps «010385» typed into a General cell as 10385, which read as a day
// number would send 06.06.1928. Only a column the mapping marks
// excel_serial holds day numbers; the report shows the cell as it was.
func TestMapNumberInDateColumn(t *testing.T) {
	mp := compileTest(t, testMapping)
	for _, c := range []struct {
		cell  string
		kinds []reader.Kind
	}{
		{"10385", []reader.Kind{2: reader.KindNumber}}, // a number cell of a workbook
		{"010385", nil}, // a CSV's digits
		{"41934", nil},
	} {
		rec := mp.MapCells(3, []string{"Иванов Иван Иванович", "", c.cell, "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"}, c.kinds)
		want := `Дата рождения: в ячейке число ` + c.cell + `, а не дата — введите дату полностью (дд.мм.гггг) (столбец "Дата рождения")`
		if !rec.Invalid || !slices.Contains(rec.Messages, want) {
			t.Errorf("%s: invalid %v, messages %q; want %q", c.cell, rec.Invalid, rec.Messages, want)
		}
		if rec.Cells[2] != c.cell {
			t.Errorf("%s: the report would show %q", c.cell, rec.Cells[2])
		}
	}
	serial := compileTest(t, strings.Replace(testMapping, "birthday: Дата рождения", "birthday: {column: Дата рождения, excel_serial: true}", 1))
	rec := serial.Map(3, []string{"Иванов Иван Иванович", "", "32905", "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"})
	if rec.Invalid || rec.Patient.Birthday.String() != "1990-02-01" || rec.Cells[2] != "32905" {
		t.Fatalf("excel_serial: %q %v, cell %q", rec.Messages, rec.Patient, rec.Cells[2])
	}
	// A date cell comes from the reader as the date it shows.
	rec = mp.MapCells(3, []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"}, []reader.Kind{2: reader.KindDate})
	if rec.Invalid || rec.Patient.Birthday.String() != "1990-02-01" {
		t.Fatalf("date cell: %q", rec.Messages)
	}
	if _, err := Parse("m.yaml", []byte("fields:\n  phone: {column: Телефон, excel_serial: true}\n")); err == nil || !strings.Contains(err.Error(), "dates only") {
		t.Fatalf("excel_serial on a phone: %v", err)
	}
}

// The check digit of a 16-digit number that lost it is computed again only
// where it was lost to Excel: a number cell of a workbook Excel saved (or
// a file the mapping says Excel wrote); anywhere else the row is refused.
func TestMapENPRepairModes(t *testing.T) {
	cells := func() []string {
		return []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "", "7700000000000020", "89123456789", "", "", "", "", "k"}
	}
	number := []reader.Kind{5: reader.KindNumber}
	for _, c := range []struct {
		repair, savedBy string
		workbook        bool
		kinds           []reader.Kind
		want            string // the polis sent; "" = refused
	}{
		{"", "Microsoft Excel", true, number, "7700000000000024"},
		{"", "LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/60", true, number, ""},
		{"", "", true, number, ""},
		{"", "Microsoft Excel", true, nil, ""}, // a text cell: typed, not truncated
		{"", "", false, nil, ""},               // a CSV holds what a spreadsheet showed
		{"enp_repair: excel\n", "", true, number, "7700000000000024"},
		{"enp_repair: excel\n", "", false, nil, "7700000000000024"},
		{"enp_repair: never\n", "Microsoft Excel", true, number, ""},
		{"enp_repair: safe\n", "Microsoft Excel", true, number, "7700000000000024"}, // the old name of auto
	} {
		m, err := Parse("m.yaml", []byte(c.repair+testMapping))
		if err != nil {
			t.Fatal(err)
		}
		mp, err := Compile(m, testHeader, MapperOptions{SavedBy: c.savedBy, Workbook: c.workbook})
		if err != nil {
			t.Fatal(err)
		}
		rec := mp.MapCells(3, cells(), c.kinds)
		got := ""
		if !rec.Invalid {
			got = rec.Patient.Polis.Number
		}
		if got != c.want {
			t.Errorf("%q saved by %q, kinds %v: sent %q, want %q; messages %q", c.repair, c.savedBy, c.kinds, got, c.want, rec.Messages)
		}
		wantOn := c.repair == "enp_repair: excel\n" || c.repair != "enp_repair: never\n" && c.savedBy == "Microsoft Excel"
		if on, why := mp.ENPRepair(); why == "" || on != wantOn {
			t.Errorf("%q saved by %q: ENPRepair() = %v, %q", c.repair, c.savedBy, on, why)
		}
	}
}

// A cell holding a formula's error value is refused whatever its field,
// before the field's converter can say something beside the point.
func TestMapExcelErrorCells(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.MapCells(3, []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "#VALUE!", "7700000000000008", "#N/A", "", "", "", "", "#Н/Д"},
		[]reader.Kind{4: reader.KindError, 6: reader.KindError})
	for _, want := range []string{
		`Телефон: в ячейке ошибка Excel #N/A — исправьте формулу или значение (столбец "Телефон")`,
		`СНИЛС: в ячейке ошибка Excel #VALUE! — исправьте формулу или значение (столбец "СНИЛС")`,
		`Ключ: в ячейке ошибка Excel #Н/Д — исправьте формулу или значение (столбец "Код")`,
	} {
		if !rec.Invalid || !slices.Contains(rec.Messages, want) {
			t.Errorf("messages %q; want %q", rec.Messages, want)
		}
	}
	for _, m := range rec.Messages {
		if strings.Contains(m, "нет цифр") || strings.Contains(m, "не заполнено") {
			t.Errorf("a message beside the point: %q", m)
		}
	}
}

// Keys match folded but are shown as the clerk typed them.
func TestMapKeyShownAsTyped(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(5, []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "11223344595", "7700000000000008", "89123456789", "", "", "", "", " A-1003 "})
	if rec.Invalid || rec.Key != "112-233-445 95|a-1003" || rec.KeyShown != "112-233-445 95|A-1003" {
		t.Fatalf("key %q shown %q, messages %q", rec.Key, rec.KeyShown, rec.Messages)
	}
}

// An insurer that is neither an ОГРН nor an F002 code is left out of the
// request (the field is optional), with a warning naming the column.
func TestMapInsurerNotACode(t *testing.T) {
	m, err := Parse("m.yaml", []byte("fields:\n  fio: ФИО\n  birthday: ДР\n  polis.number: Полис\n  polis.smo: Страховая компания\n  phone: Телефон\n  mcod: {value: \"770001\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := Compile(m, Header{Line: 1, Titles: []string{"ФИО", "ДР", "Полис", "Страховая компания", "Телефон"}}, MapperOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := mp.Map(2, []string{"Иванов Иван Иванович", "01.02.1990", "7700000000000008", `ООО "Капитал МС"`, "89123456789"})
	if rec.Invalid || rec.Patient.Polis.Smo != "" {
		t.Fatalf("smo %q sent, messages %q", rec.Patient.Polis.Smo, rec.Messages)
	}
	want := WarnPrefix + `СМО: значение не похоже ни на ОГРН СМО (13 цифр), ни на код СМО по справочнику F002 (5 цифр) — поле СМО не передано; укажите ОГРН или код СМО (название можно перевести в код через map: в файле сопоставления) (столбец "Страховая компания")`
	if !slices.Contains(rec.Messages, want) {
		t.Fatalf("messages %q; want %q", rec.Messages, want)
	}
	b, _ := json.Marshal(rec.Patient)
	if strings.Contains(string(b), "smo") {
		t.Fatalf("patient %s", b)
	}
	rec = mp.Map(2, []string{"Иванов Иван Иванович", "01.02.1990", "7700000000000008", "1025004642519", "89123456789"})
	if rec.Patient.Polis.Smo != "1025004642519" {
		t.Fatalf("an ОГРН is sent: %q", rec.Messages)
	}
}
