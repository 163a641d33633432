package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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
func TestMapShowsSerialDatesAsDates(t *testing.T) {
	mp := compileTest(t, testMapping)
	rec := mp.Map(3, []string{"Иванов Иван Иванович", "", "32905", "М", "", "7700000000000008", "89123456789", "", "", "", "", "k"})
	if rec.Invalid || rec.Cells[2] != "01.02.1990" || rec.Patient.Birthday.String() != "1990-02-01" {
		t.Fatalf("cell %q, birthday %v, messages %q", rec.Cells[2], rec.Patient, rec.Messages)
	}
	rec = mp.Map(3, []string{"Иванов Иван Иванович", "", "1.2.1990", "М", "", "7700000000000008", "89123456789"})
	if rec.Cells[2] != "1.2.1990" {
		t.Fatalf("a date typed as text must stay as typed, got %q", rec.Cells[2])
	}
}

// A polis number whose last digit a spreadsheet lost is restored only when
// certain, unless the mapping says the file was saved by Excel.
func TestMapENPRepairModes(t *testing.T) {
	// 770000000000002|0: the ЕНП before it, 7700000000000016, also rounds
	// to this value, so only Excel's truncation makes the repair certain.
	cells := []string{"Иванов Иван Иванович", "", "01.02.1990", "М", "", "7700000000000020", "89123456789", "", "", "", "", "k"}
	rec := compileTest(t, testMapping).Map(3, cells)
	if !rec.Invalid || !strings.Contains(strings.Join(rec.Messages, " "), "однозначно нельзя") {
		t.Fatalf("safe mode: %q", rec.Messages)
	}
	rec = compileTest(t, "enp_repair: excel\n"+testMapping).Map(3, append([]string(nil), cells...))
	if rec.Invalid || rec.Patient.Polis.Number != "7700000000000024" {
		t.Fatalf("excel mode: %q %v", rec.Messages, rec.Patient)
	}
	// 770000000000003|0: the ЕНП before it (…0024) does not round to it, so
	// the repair is certain in either mode.
	cells[5] = "7700000000000030"
	rec = compileTest(t, testMapping).Map(3, cells)
	if rec.Invalid || rec.Patient.Polis.Number != "7700000000000032" {
		t.Fatalf("certain repair: %q", rec.Messages)
	}
}

func TestDDMMYYYY(t *testing.T) {
	for _, d := range [][3]int{{1, 2, 1990}, {31, 12, 9999}, {9, 9, 33}, {0, 0, 0}, {1, 1, 10000}, {-1, 5, 2000}, {100, 1, 2000}} {
		if got, want := ddmmyyyy(d[0], d[1], d[2]), fmt.Sprintf("%02d.%02d.%04d", d[0], d[1], d[2]); got != want {
			t.Errorf("ddmmyyyy%v = %q, want %q", d, got, want)
		}
	}
}

// A polis type and a document type written in words reach МИП as their ФОМС
// codes, with the reference names, and without any map: in the mapping.
func TestMapReferenceNamesAsCodes(t *testing.T) {
	h := Header{Line: 1, Titles: []string{"ФИО", "Дата рождения", "Тип полиса", "Полис", "Телефон", "Документ", "Серия и номер"}}
	m, err := Parse("m.yaml", []byte(`fields:
  fio: ФИО
  birthday: Дата рождения
  polis.type.code: Тип полиса
  polis.number: Полис
  phone: Телефон
  identityDocument.type.code: Документ
  identityDocument.number: Серия и номер
  mcod: {value: "770001"}
`))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := Compile(m, h, MapperOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := mp.Map(2, []string{"Иванов Иван Иванович", "01.02.1990", "Временное свидетельство", "123456789", "89123456789", "Паспорт гражданина РФ", "4506 123456"})
	if rec.Invalid {
		t.Fatalf("invalid: %q", rec.Messages)
	}
	p := rec.Patient
	if p.Polis.Type.Code != "2" || !strings.HasPrefix(p.Polis.Type.Name, "Временное свидетельство") || p.Polis.Number != "123456789" {
		t.Errorf("polis %+v %+v", p.Polis, p.Polis.Type)
	}
	if d := p.IdentityDocument; d.Type.Code != "14" || d.Type.Name != "Паспорт гражданина Российской Федерации" || d.Series != "45 06" || d.Number != "123456" {
		t.Errorf("document %+v %+v", d, d.Type)
	}
	rec = mp.Map(3, []string{"Иванов Иван Иванович", "01.02.1990", "Полис ДМС", "123456789", "89123456789", "Паспорт", "4506 123456"})
	if !rec.Invalid || len(rec.Messages) != 1 || !strings.Contains(rec.Messages[0], "Тип полиса: тип полиса не распознан") || !strings.Contains(rec.Messages[0], `"Тип полиса"`) {
		t.Errorf("an unknown polis type: %q", rec.Messages)
	}
}
