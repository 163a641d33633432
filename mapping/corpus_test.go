package mapping

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The header corpus: header rows as real МИС exports name their columns,
// each with the mapping and the key `mapping init` must propose
// (testdata/headers; heldout.txt says the format). heldout.txt was written
// before the word matcher and checked last.

type corpusCase struct {
	file, name string
	line       int
	rows       [][]string
	want, off  map[string]string // field path → column letter
	key        string            // a column letter or a field path
}

func readCorpus(t *testing.T, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	var c *corpusCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "== "):
			out = append(out, corpusCase{file: filepath.Base(path), name: l[3:], line: n, want: map[string]string{}, off: map[string]string{}})
			c = &out[len(out)-1]
		case c == nil:
			t.Fatalf("%s:%d: outside a case", path, n)
		case strings.HasPrefix(l, "|"):
			cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|"), "|")
			for i, cell := range cells {
				cells[i] = strings.ReplaceAll(strings.TrimSpace(cell), `\n`, "\n")
			}
			c.rows = append(c.rows, cells)
		case strings.HasPrefix(l, "key:"):
			c.key = strings.TrimSpace(l[4:])
		case strings.HasPrefix(l, "off:"):
			f := strings.Fields(l[4:])
			if len(f) != 2 {
				t.Fatalf("%s:%d: want off: path COLUMN", path, n)
			}
			c.off[f[0]] = f[1]
		default:
			path, col, ok := strings.Cut(l, ":")
			if !ok || FieldByPath(strings.TrimSpace(path)) == nil {
				t.Fatalf("%s:%d: %q is not path: COLUMN of a known field", path, n, l)
			}
			c.want[strings.TrimSpace(path)] = strings.TrimSpace(col)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sliceTable is a reader.Table over rows held in memory.
type sliceTable struct {
	rows [][]string
	next int
}

func (s *sliceTable) Next() (int, []string, error) {
	if s.next >= len(s.rows) {
		return 0, nil, io.EOF
	}
	s.next++
	return s.next, slices.Clone(s.rows[s.next-1]), nil
}
func (s *sliceTable) Sheet() string  { return "" }
func (s *sliceTable) Date1904() bool { return false }
func (s *sliceTable) Close() error   { return nil }

func letter(col int) string { return string(rune('A' + col)) }

// checkCase runs header detection and the guess on a case's rows, under a
// title row as most exports have, and says what differs from the expected.
func checkCase(c corpusCase) []string {
	rows := append([][]string{{"Список пациентов на 01.11.2026"}, {}}, c.rows...)
	h, _, err := findHeader(&sliceTable{rows: rows}, 0, knownTitle)
	if err != nil {
		return []string{err.Error()}
	}
	var diff []string
	if want := len(rows); h.Line != want {
		diff = append(diff, fmt.Sprintf("header found in row %d, want %d", h.Line, want))
	}
	g := GuessMapping(h)
	got, off := map[string]string{}, map[string]string{}
	for _, m := range g.Fields {
		got[m.Field.Path] = letter(m.Col)
	}
	for _, m := range g.Off {
		off[m.Field.Path] = letter(m.Col)
	}
	compare := func(kind string, got, want map[string]string) {
		for p, col := range want {
			if got[p] != col {
				diff = append(diff, fmt.Sprintf("%s%s: got column %q, want %s", kind, p, got[p], col))
			}
		}
		for p, col := range got {
			if _, ok := want[p]; !ok {
				diff = append(diff, fmt.Sprintf("%s%s: mapped to column %s (%q), want unmapped", kind, p, col, h.Titles[col[0]-'A']))
			}
		}
	}
	compare("", got, c.want)
	compare("off: ", off, c.off)
	key := ""
	switch {
	case g.KeyColumn >= 0:
		key = letter(g.KeyColumn)
	case g.KeyField != nil:
		key = g.KeyField.Path
	}
	if key != c.key {
		diff = append(diff, fmt.Sprintf("key %q, want %q", key, c.key))
	}
	return diff
}

func testCorpusFile(t *testing.T, name string) {
	cases := readCorpus(t, filepath.Join("testdata", "headers", name))
	failed := 0
	for _, c := range cases {
		if diff := checkCase(c); len(diff) > 0 {
			failed++
			t.Errorf("%s:%d %s:\n\t%s", c.file, c.line, c.name, strings.Join(diff, "\n\t"))
		}
	}
	t.Logf("%s: %d of %d cases right", name, len(cases)-failed, len(cases))
}

func TestHeaderCorpus(t *testing.T) { testCorpusFile(t, "corpus.txt") }

// TestHeaderCorpusHeldOut: the cases written before the matcher.
func TestHeaderCorpusHeldOut(t *testing.T) { testCorpusFile(t, "heldout.txt") }

func TestHeaderCorpusSize(t *testing.T) {
	n := 0
	for _, name := range []string{"corpus.txt", "heldout.txt"} {
		n += len(readCorpus(t, filepath.Join("testdata", "headers", name)))
	}
	if n < 30 {
		t.Fatalf("%d header rows in the corpus, want at least 30", n)
	}
}

// FuzzGuessHeader: any header (one row, or two with the group row first,
// cells split by "|") is guessed without a panic; the fields are taken one
// to one; the key column feeds no field; the proposed mapping parses; the
// noise check takes any row.
func FuzzGuessHeader(f *testing.F) {
	f.Add("№ п/п|ФИО|Дата рождения|Пол|СНИЛС|Полис ОМС|Телефон|Участок")
	f.Add("ФИО пациента|||Дата рождения|Полис ОМС||Телефон\n|Фамилия|Имя|Отчество||Серия|Номер|")
	f.Add("ИД пациента|Ф.И.О.|Д.р.|Тип полиса|Серия|Номер|Моб. тел.|e-mail|МО прикрепления|Способ прикрепления|Дата прикрепления")
	f.Add("PatientID|Last Name|First Name|DOB|Policy No.|\x00|\xff|№|#|N")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.SplitN(s, "\n", 3) {
			rows = append(rows, strings.Split(line, "|"))
		}
		h, _, err := findHeader(&sliceTable{rows: rows}, 0, knownTitle)
		if err != nil {
			return
		}
		g := GuessMapping(h)
		cols, paths := map[int]bool{}, map[string]bool{}
		for _, m := range append(append([]Match(nil), g.Fields...), g.Off...) {
			if cols[m.Col] || paths[m.Field.Path] {
				t.Fatalf("column %d or field %s taken twice: %+v", m.Col, m.Field.Path, g.Fields)
			}
			cols[m.Col], paths[m.Field.Path] = true, true
		}
		if g.KeyColumn >= 0 && cols[g.KeyColumn] {
			t.Fatalf("key column %d also feeds a field", g.KeyColumn)
		}
		if len(g.Fields) > 0 {
			var b strings.Builder
			if err := WriteGuess(&b, "in.xlsx", "Лист1", true, g); err != nil {
				t.Fatal(err)
			}
			if _, err := Parse("guess", []byte(b.String())); err != nil {
				t.Fatalf("the guess does not parse: %v\n%s", err, b.String())
			}
		}
		n := newNoise(h)
		for _, r := range rows {
			n.kind(r)
		}
	})
}
