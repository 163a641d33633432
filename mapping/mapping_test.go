package mapping

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMapping(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`version: 1
sheet: Пациенты
header_row: 3
encoding: windows-1251
delimiter: tab
phone_format: "8"
key: [snils, Код пациента]
fields:
  polis.number: Полис
  polis.type.code: {value: "3"}
  fio: ФИО
  gender: {column: Пол, map: {Муж.: 1, Жен.: 2}}
  regAddress: {columns: [Город, Улица], separator: ", "}
  birthday: {column: Д.р., layouts: ["02/01/2006"]}
  snils: {column: СНИЛС, on_error: warning}
  patronymic: {column: Отчество, default: "-"}
extra:
  attachment.area: {column: Зона, type: code}
`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Sheet != "Пациенты" || m.HeaderRow != 3 || m.Encoding != "windows-1251" || m.Delimiter != "\t" || m.PhoneFormat != "8" {
		t.Fatalf("settings: %+v", m)
	}
	if len(m.Key) != 2 || m.Key[0].Field == nil || m.Key[0].Field.Path != "snils" || m.Key[1].Column != "Код пациента" {
		t.Fatalf("key: %+v", m.Key)
	}
	// Fields are applied in the registry's order: the polis type before its number.
	var order []string
	for _, s := range m.Fields {
		order = append(order, s.Path)
	}
	if strings.Join(order, ",") != "fio,patronymic,birthday,polis.type.code,polis.number,gender,snils,regAddress,attachment.area" {
		t.Fatalf("order %v", order)
	}
	if g := m.Spec("gender"); g.Map["муж."] != "1" {
		t.Fatalf("code map keys are folded: %v", g.Map)
	}
	if s := m.Spec("snils"); !s.Warn {
		t.Fatal("on_error: warning not read")
	}
	if a := m.Spec("attachment.area"); a.Field != nil || a.Type != TypeCode {
		t.Fatalf("extra: %+v", a)
	}
}

func TestParseMappingErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, doc string
		line      int
		want      string
	}{
		{"unknown field", "fields:\n  family: Фамилия\n  famly: Ф\n", 3, `unknown field "famly"`},
		{"unknown option", "fields:\n  family: {column: Фамилия, colour: red}\n", 2, `unknown option "colour"`},
		{"unknown setting", "version: 1\nsheeet: x\nfields:\n  family: Ф\n", 2, `unknown setting "sheeet"`},
		{"both column and value", "fields:\n  mcod: {column: МО, value: \"1\"}\n", 2, "either column(s) or value"},
		{"no source", "fields:\n  mcod: {default: \"1\"}\n", 2, "give a column"},
		{"bad layout", "fields:\n  birthday: {column: Д, layouts: [\"dd.mm.yyyy\"]}\n", 2, "has no year"},
		{"layout on text", "fields:\n  family: {column: Ф, layouts: [\"02.01.2006\"]}\n", 2, "dates only"},
		{"mapped twice", "fields:\n  family: Ф\n  family: Фам\n", 3, "mapped twice"},
		{"model field under extra", "fields:\n  family: Ф\nextra:\n  snils: С\n", 4, "model field"},
		{"bad encoding", "encoding: koi8\nfields:\n  family: Ф\n", 1, "not one of"},
		{"version", "version: 2\nfields:\n  family: Ф\n", 1, "unsupported mapping version"},
		{"type on model field", "fields:\n  family: {column: Ф, type: date}\n", 2, "fixed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(c.doc))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a LineError", err)
			}
			if le.Line != c.line || !strings.Contains(le.Msg, c.want) {
				t.Fatalf("got %v, want line %d containing %q", err, c.line, c.want)
			}
		})
	}
	if _, err := Parse("m.yaml", []byte("fields: [")); err == nil || !strings.Contains(err.Error(), "m.yaml") {
		t.Fatalf("YAML syntax error should name the file: %v", err)
	}
	if _, err := Parse("m.yaml", []byte("version: 1\n")); err == nil || !strings.Contains(err.Error(), "fields") {
		t.Fatalf("no fields: %v", err)
	}
}

func TestFoldKey(t *testing.T) {
	for in, want := range map[string]string{
		"  Дата  рождения ":     "дата рождения",
		"ФАМИЛИЯ*:":             "фамилия",
		"Отчёт\u00a0о\tлечении": "отчет о лечении",
		"Моб._телефон":          "моб. телефон",
	} {
		if got := foldKey(in); got != want {
			t.Errorf("foldKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessField(t *testing.T) {
	for title, want := range map[string]string{
		"Фамилия":          "family",
		"Д.р.":             "birthday",
		"Номер полиса ОМС": "polis.number",
		"ЕНП":              "polis.number",
		"Номер полиса ОМС (ЕНП)": "polis.number",
		"СНИЛС":        "snils",
		"Моб. телефон": "phone",
		"Пол":          "gender",
		"Дата рождения пациента": "birthday",
		"Ф.И.О.":                "fio",
		"Группа крови":          "blood",
		"Some unrelated column": "",
	} {
		f := GuessField(foldKey(title))
		got := ""
		if f != nil {
			got = f.Path
		}
		if got != want {
			t.Errorf("GuessField(%q) = %q, want %q", title, got, want)
		}
	}
}

func TestGuessMappingParsesAndFlagsMissing(t *testing.T) {
	h := Header{Line: 2, Titles: []string{"№", "ФИО", "Дата рождения", "СНИЛС", "Полис", "Телефон", "Примечание"}}
	g := GuessMapping(h)
	if len(g.Missing) != 1 || g.Missing[0].Path != "mcod" {
		t.Fatalf("missing %v, want mcod only", g.Missing)
	}
	var b strings.Builder
	if err := WriteGuess(&b, "in.xlsx", "Лист1", false, g); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"!!!   mcod", `"Примечание"`, "key: [polis.number]", `fio: "ФИО"`, "# header_row: 2", `# sheet: "Лист1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("guess lacks %q:\n%s", want, out)
		}
	}
	m, err := Parse("guess", []byte(out))
	if err != nil {
		t.Fatalf("the guessed mapping does not parse: %v\n%s", err, out)
	}
	if m.Spec("polis.number") == nil || m.HeaderRow != 0 || m.Sheet != "" {
		t.Fatalf("parsed guess: %+v", m)
	}
}

func TestReferenceListsEveryField(t *testing.T) {
	var b strings.Builder
	if err := WriteReference(&b, true); err != nil {
		t.Fatal(err)
	}
	for _, f := range Fields() {
		if !strings.Contains(b.String(), "| `"+f.Path+"` |") {
			t.Errorf("reference lacks %s", f.Path)
		}
	}
}

// docs/mapping.md is the generated reference: regenerate it with
// `go run ./cmd/mipimport mapping fields --markdown > docs/mapping.md`.
func TestCommittedReferenceMatchesCode(t *testing.T) {
	want, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteReference(&b, true); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Fatal("docs/mapping.md is out of date: go run ./cmd/mipimport mapping fields --markdown > docs/mapping.md")
	}
}

func TestEveryTypeIsDocumented(t *testing.T) {
	documented := map[Type]bool{}
	for _, d := range typeDocs {
		documented[d.Type] = true
	}
	for _, f := range Fields() {
		if !documented[f.Type] {
			t.Errorf("type %s of %s has no entry in typeDocs", f.Type, f.Path)
		}
	}
}

// TestEveryTypeHasAConverter: the mapper stores a field through the entry
// of its type in storers, and an extra path through extraConverters.
func TestEveryTypeHasAConverter(t *testing.T) {
	for _, f := range Fields() {
		if storers[f.Type] == nil {
			t.Errorf("type %s of %s has no entry in storers", f.Type, f.Path)
		}
	}
	for _, typ := range extraTypes {
		if extraConverters[Type(typ)] == nil {
			t.Errorf("extra type %s has no entry in extraConverters", typ)
		}
	}
}

func TestLoadRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bytes.Repeat([]byte("# x\n"), 300_000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "big.yaml") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzMappingParse: any document either parses or fails with an error that
// names the file; it never panics.
func FuzzMappingParse(f *testing.F) {
	f.Add([]byte("version: 1\nkey: [snils]\nfields:\n  fio: ФИО\n  mcod: {value: \"1\"}\n"))
	f.Add([]byte("fields:\n  gender: {column: Пол, map: {М: 1}}\nextra:\n  a.b: {column: X, type: date}\n"))
	f.Add([]byte("fields: [1, 2]\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.yaml", data)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte("f.yaml")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(m.Fields) == 0 {
			t.Fatal("a mapping without fields parsed")
		}
	})
}
