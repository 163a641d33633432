package mapping

// Hostile and broken input where the outcome is the mapping's: files the
// reader reads without complaint (no header, duplicate or empty titles,
// ragged rows, huge values) and hostile mapping files. Each case ends in a
// clear error naming the file (or the mapping file's line) or in clear
// per-row outcomes, within bounded memory and time. Small inputs are in
// testdata/hostile (its README says what each is); big ones are built here.
// The reader's own hostile cases are in mapping/reader.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func hostile(name string) string { return filepath.Join("testdata", "hostile", name) }

// raceEnabled reports a -race build: the detector slows excelize about
// tenfold, so the million-row case reads fewer rows under it.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// allocated returns how many bytes fn allocated in all (MemStats.TotalAlloc):
// an upper bound of how far the heap grew while it ran.
func allocated(fn func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const mib = 1 << 20

// wantErr fails unless err is non-nil and its text holds every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one naming %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not name %q", err, p)
		}
	}
}

const hostileMapping = `fields:
  family: Фамилия
  name: Имя
  patronymic: Отчество
  birthday: Дата рождения
  polis.number: Полис
  phone: Телефон
  mcod: {value: "770001"}
`

func openHostile(t *testing.T, path, doc string) (*Source, error) {
	t.Helper()
	m, err := Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(path, m, SourceOptions{Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }})
	if err == nil {
		t.Cleanup(func() { src.Close() })
	}
	return src, err
}

// records reads a source to the end or to its first error.
func records(src *Source) ([]Record, error) {
	var out []Record
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func lines(recs []Record) []int {
	var out []int
	for _, r := range recs {
		out = append(out, r.Line)
	}
	return out
}

func allValid(t *testing.T, recs []Record) {
	t.Helper()
	for _, r := range recs {
		if r.Invalid {
			t.Fatalf("row %d invalid: %q", r.Line, r.Messages)
		}
	}
}

var (
	hostileHeader = []string{"Фамилия", "Имя", "Отчество", "Дата рождения", "Полис", "Телефон"}
	hostileRow    = []string{"Иванов", "Иван", "Иванович", "01.02.1990", "7700000000000008", "89123456789"}
)

func TestHostileCSVEmpty(t *testing.T) {
	for _, name := range []string{filepath.Join("testdata", "hostile", "empty.csv"), hostile("blank.csv")} {
		_, err := openHostile(t, name, hostileMapping)
		wantErr(t, err, filepath.Base(name), "no header row found", "the file has no data")
	}
}

// TestHostileHeaderOnly: a header and no data rows is an empty import, not
// an error: the source says io.EOF at once.
func TestHostileHeaderOnly(t *testing.T) {
	xlsx := filepath.Join(t.TempDir(), "header-only.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя", "Отчество", "Дата рождения", "Полис", "Телефон"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, name := range []string{hostile("header-only.csv"), xlsx} {
		src, err := openHostile(t, name, hostileMapping)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rec, err := src.Next(); !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %+v, %v; want io.EOF", name, rec, err)
		}
	}
}

// TestHostileDuplicateHeader: «Телефон» and «телефон:» fold to the same
// title. Decision: when the mapping refers to it, Compile fails naming both
// columns (they may hold different numbers: taking the leftmost silently
// could send the wrong one); a duplicated title the mapping does not use is
// no problem.
func TestHostileDuplicateHeader(t *testing.T) {
	_, err := openHostile(t, hostile("dup-header.csv"), hostileMapping)
	wantErr(t, err, "m.yaml:7", `column "Телефон" is in the header (row 1) 2 times`, `F (№6, "Телефон")`, `H (№8, "телефон:")`)
	var le *LineError
	if !errors.As(err, &le) {
		t.Fatalf("%T, want a *LineError", err)
	}
	_, err = openHostile(t, hostile("dup-header.csv"), strings.Replace(hostileMapping, "  phone: Телефон\n", "  phone: {value: \"89123456789\"}\n", 1)+"key: [Телефон]\n")
	wantErr(t, err, "m.yaml", "2 times")
	src, err := openHostile(t, hostile("dup-header.csv"), strings.Replace(hostileMapping, "  phone: Телефон\n", "  phone: {value: \"89123456789\"}\n", 1))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := records(src)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	allValid(t, recs)
}

func TestHostileEmptyTitles(t *testing.T) {
	// «Фамилия;;Имя;Отчество;  ;…»: the untitled columns are carried in the
	// row but never mapped.
	src, err := openHostile(t, hostile("empty-titles.csv"), hostileMapping)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := records(src)
	if err != nil {
		t.Fatal(err)
	}
	allValid(t, recs)
	p := recs[0].Patient
	if p.Family != "Иванов" || p.Name != "Иван" || p.Patronymic != "Иванович" || p.Phone != "+79123456789" || len(recs[0].Cells) != 10 {
		t.Fatalf("%+v, %d cells", p, len(recs[0].Cells))
	}
}

// TestHostileBOMInCell: two exports glued together leave a BOM inside the
// file: at the start of a data row and of a header title. It is dropped
// from cells and ignored in titles.
func TestHostileBOMInCell(t *testing.T) {
	src, err := openHostile(t, hostile("bom-in-cell.csv"), hostileMapping)
	if err != nil {
		t.Fatal(err)
	}
	if src.Header.Line != 2 {
		t.Fatalf("header at %d", src.Header.Line)
	}
	recs, err := records(src)
	if err != nil {
		t.Fatal(err)
	}
	allValid(t, recs)
	if len(recs) != 2 || recs[1].Cells[0] != "Петрова" || recs[1].Patient.Family != "Петрова" {
		t.Fatalf("%q", recs[1].Cells)
	}
}

// ---- the mapping file ----

// TestHostileMappingBillionLaughs: the parser walks the YAML node tree and
// never expands an alias (yaml.v3 keeps them as alias nodes), so nested
// aliases cost nothing; where an alias stands for a value it is an error.
func TestHostileMappingBillionLaughs(t *testing.T) {
	laughs := "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for c := 'b'; c <= 'i'; c++ {
		laughs += fmt.Sprintf("%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*%c, ", c-1), 9), ", "))
	}
	nest := func(s string) string {
		return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n      ") + "\n"
	}
	file, err := os.ReadFile(hostile("billion-laughs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range []string{
		string(file),
		laughs + "fields: *i\n",
		"fields:\n  family: {column: Фамилия, map: {x: *i}}\n  gender:\n    column: Пол\n    map:\n  " + nest(laughs),
		"fields:\n  gender:\n    column: Пол\n    map:\n  " + nest(laughs) + "key: *i\n",
		"fields:\n  gender:\n    column: Пол\n    map:\n  " + nest(laughs) + "  family: *i\n",
	} {
		start := time.Now()
		var m *Mapping
		n := allocated(func() { m, err = Parse("laughs.yaml", []byte(doc)) })
		if err == nil {
			// Parsed (aliases as map values are taken as empty): Compile
			// must still see nothing expanded.
			_, err = Compile(m, Header{Line: 1, Titles: []string{"Фамилия", "Пол"}}, MapperOptions{})
		}
		wantErr(t, err, "laughs.yaml")
		// The allocation bound is the real check (an expanded bomb needs
		// gigabytes); the time bound only catches a hang, with room for a
		// loaded machine.
		if took := time.Since(start); took > 30*time.Second || n > 16*mib {
			t.Fatalf("doc %d: %v, %d MiB", i, took, n/mib)
		}
	}
}

// TestHostileMappingHuge: Load refuses a mapping file over 1 MiB (a real
// one is a few KB); Parse itself stays linear in time and memory on a
// 10 MB document (a code map of half a million entries): about a second
// and 20 times its size in allocations, most of it yaml.v3's node tree.
func TestHostileMappingHuge(t *testing.T) {
	size := 10 * mib
	if raceEnabled() {
		size = 2 * mib // same code, a fifth of the time under the detector
	}
	var b strings.Builder
	b.WriteString(hostileMapping + "  gender:\n    column: Пол\n    map:\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "      значение %d: %d\n", i, i%2+1)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(path, []byte(b.String()), 0o600)
	var m *Mapping
	var err error
	start := time.Now()
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Load of a %d MiB mapping: %v", size/mib, err)
	}
	n := allocated(func() { m, err = Parse(path, []byte(b.String())) })
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MiB mapping: %v, %d MiB allocated", size/mib, took, n/mib)
	if len(m.Spec("gender").Map) < size/40 || n > uint64(40*size) || took > 30*time.Second {
		t.Fatalf("%d entries, %v, %d MiB", len(m.Spec("gender").Map), took, n/mib)
	}
}

// TestHostileMappingControlChars: a raw control character is refused by
// the YAML reader; escaped ones are quoted in every message (an ANSI escape
// must not reach the terminal), and an extra path with one is refused
// rather than sent to МИП as a JSON key.
func TestHostileMappingControlChars(t *testing.T) {
	_, err := Load(hostile("control-chars.yaml"))
	wantErr(t, err, "control-chars.yaml", "control characters are not allowed")

	_, err = Parse("c.yaml", []byte("fields:\n  \"fam\\x1bily\": Фамилия\n"))
	wantErr(t, err, "c.yaml:2", `unknown field "fam\x1bily"`)

	m, err := Parse("c.yaml", []byte(strings.Replace(hostileMapping, "Фамилия", `"Фам\x1b[31mилия"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(m, Header{Line: 1, Titles: hostileHeader}, MapperOptions{})
	wantErr(t, err, "c.yaml:2", `column "Фам\x1b[31mилия" is not in the header`)
	if strings.ContainsRune(err.Error(), 0x1b) {
		t.Fatalf("a raw ESC in %q", err)
	}

	m, err = Parse("c.yaml", []byte(hostileMapping+"extra:\n  \"attachment.a\\x00b\": Имя\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(m, Header{Line: 1, Titles: hostileHeader}, MapperOptions{})
	wantErr(t, err, "c.yaml:10", `extra path "attachment.a\x00b" holds control characters`)
}

// ---- row level ----

func TestHostileRaggedRow(t *testing.T) {
	src, err := openHostile(t, hostile("ragged.csv"), hostileMapping)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := records(src)
	if err != nil {
		t.Fatal(err)
	}
	allValid(t, recs) // a warning; the row is still sent
	want := WarnPrefix + "Строка: значений больше, чем столбцов в заголовке (8 вместо 6); лишние не используются (за последним столбцом)"
	if len(recs) != 2 || len(recs[0].Messages) != 1 || recs[0].Messages[0] != want || len(recs[0].Cells) != 6 {
		t.Fatalf("%q, %d cells", recs[0].Messages, len(recs[0].Cells))
	}
	if len(recs[1].Messages) != 0 { // empty extra cells are not worth a warning
		t.Fatalf("%q", recs[1].Messages)
	}
}

// TestHostileLongName: a 100 KB or a 10 MB value in a name column is
// rejected by the converters' 1000-byte cap, with a message that names the
// column and does not repeat the value.
func TestHostileLongName(t *testing.T) {
	mp, err := Compile(mustParse(t, hostileMapping), Header{Line: 1, Titles: hostileHeader}, MapperOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, title := range append(hostileHeader[:3:3], hostileHeader[0]) {
		i, size := k%3, 50_000
		if k == 3 {
			size = 5_000_000
		}
		row := append([]string(nil), hostileRow...)
		row[i] = strings.Repeat("Щ", size)
		rec := mp.Map(2, row)
		want := fmt.Sprintf("%s: слишком длинное значение для ФИО (столбец %q)", title, title)
		if !rec.Invalid || len(rec.Messages) != 1 || rec.Messages[0] != want {
			t.Fatalf("%s: %.200q", title, rec.Messages)
		}
	}
}

func mustParse(t *testing.T, doc string) *Mapping {
	t.Helper()
	m, err := Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// header_row pointing at a data row: the error says a column is missing
// but does not echo the patient's data the "titles" are, which would end up
// in a cron mail; a real header is still listed.
func TestMissingColumnDoesNotEchoData(t *testing.T) {
	m := mustParse(t, strings.Replace(hostileMapping, "Фамилия", "Фамилия пациента", 1))
	_, err := Compile(m, Header{Line: 3, Titles: hostileRow}, MapperOptions{})
	wantErr(t, err, `column "Фамилия пациента" is not in the header (row 3)`, "not listed", "header_row")
	for _, v := range hostileRow {
		if strings.Contains(err.Error(), v) {
			t.Errorf("%q in %q", v, err)
		}
	}
	_, err = Compile(m, Header{Line: 1, Titles: hostileHeader}, MapperOptions{})
	wantErr(t, err, `the header has: "Фамилия", "Имя"`)
}

// A CSV file read with the wrong encoding has no recognisable titles: the
// error says which encoding and delimiter were used and how to set them.
func TestNoHeaderInCSVNamesTheEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp1251.csv")
	text, err := charmap.Windows1251.NewEncoder().String("Фамилия;Имя;Дата рождения\nИванов;Иван;01.02.1990\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, text); err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, "encoding: utf-8\n"+hostileMapping)
	_, err = OpenSource(path, m, SourceOptions{})
	wantErr(t, err, "cp1251.csv", "no header row found", "read as utf-8", `delimiter ';'`, "encoding:")
}
