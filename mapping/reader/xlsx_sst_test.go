package reader

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// sstConfig is a setting of the shared strings table's limits.
type sstConfig struct{ mem, page, slots int }

func (c sstConfig) String() string {
	return fmt.Sprintf("mem=%d,page=%d,slots=%d", c.mem, c.page, c.slots)
}

// spillConfigs force the spilled path on small tables: everything in the
// file read through one tiny page (strings cross pages, every other read
// evicts), and a few strings in memory with the rest in a few slots.
var spillConfigs = []sstConfig{{0, 16, 1}, {40, 32, 3}}

// withSST runs fn with the table's limits set to c.
func withSST(c sstConfig, fn func()) {
	defer func(m, p, s int) { sstMemLimit, sstPageSize, sstCachePages = m, p, s }(sstMemLimit, sstPageSize, sstCachePages)
	sstMemLimit, sstPageSize, sstCachePages = c.mem, c.page, c.slots
	fn()
}

// compareSpilled reads the sheet again with each of spillConfigs and
// fails unless it gives the rows, line numbers and error (or none) that
// the default table gave.
func compareSpilled(t *testing.T, path, sheet string, limit int, lines []int, rows [][]string, err error) {
	t.Helper()
	for _, c := range spillConfigs {
		var slines []int
		var srows [][]string
		var serr error
		withSST(c, func() { _, _, slines, srows, serr = readXLSX(path, sheet, limit) })
		if fmt.Sprint(serr) != fmt.Sprint(err) {
			t.Fatalf("%s: shared strings spilled (%v): error %v; in memory: %v", path, c, serr, err)
		}
		if len(srows) != len(rows) {
			t.Fatalf("%s: shared strings spilled (%v): %d rows; in memory: %d", path, c, len(srows), len(rows))
		}
		if d := diffRows(nil, srows, rows); d != "" {
			t.Fatalf("%s: shared strings spilled (%v) vs in memory: %s", path, c, d)
		}
		for i := range lines {
			if slines[i] != lines[i] {
				t.Fatalf("%s: shared strings spilled (%v): row %d has line %d; in memory %d", path, c, i, slines[i], lines[i])
			}
		}
	}
}

// sstSamples are strings of the lengths the table treats apart: empty,
// short, either side of the one-byte length (255), longer than a page,
// longer than 65,535 bytes, Cyrillic.
func sstSamples() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteRune([]rune("абвгдеёжзийклмнопрстуфхцчшщъыьэюяABC xyz0123456789")[rng.IntN(50)])
		}
		return b.String()
	}
	var out []string
	for i := range 3000 {
		switch {
		case i%500 == 7:
			out = append(out, text(70_000+i)) // 5 of them: the in-memory text crosses chunks
		case i%97 == 3:
			out = append(out, text(5000))
		case i%13 == 0:
			out = append(out, "")
		case i%11 == 0:
			out = append(out, strings.Repeat("ж", 127)+"z"[:i%2]) // 254 or 255 bytes
		case i%7 == 0:
			out = append(out, strings.Repeat("x", 253+i%5))
		default:
			out = append(out, text(rng.IntN(40))+strconv.Itoa(i))
		}
	}
	return out
}

// TestSharedStringsTable: the table gives back every string it was given,
// in any order of reads, however its text is split between memory and the
// temporary file and however small its cache.
func TestSharedStringsTable(t *testing.T) {
	want := sstSamples()
	total := 0
	for _, s := range want {
		total += len(s)
	}
	if total < 2*sstChunk {
		t.Fatalf("the samples hold %d bytes: too few to cross the in-memory chunks", total)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	order := rng.Perm(len(want))
	configs := []sstConfig{{1 << 30, 4096, 1024}, {0, 4096, 1024}, {total / 2, 4096, 4}, {total / 3, 7, 1}, {0, 1 << 16, 2}, {100, 16, 5}}
	for _, c := range configs {
		t.Run(c.String(), func(t *testing.T) {
			withSST(c, func() {
				tb := newSharedStrings(t.TempDir())
				defer tb.Close()
				for _, s := range want {
					if err := tb.add([]byte(s)); err != nil {
						t.Fatal(err)
					}
				}
				if err := tb.finish(); err != nil {
					t.Fatal(err)
				}
				if spilled := tb.file != nil; spilled != (c.mem < total) {
					t.Fatalf("spilled %v with %d bytes of text", spilled, total)
				}
				if tb.len() != len(want) {
					t.Fatalf("len %d, want %d", tb.len(), len(want))
				}
				for pass, seq := range [][]int{nil, order} {
					for k := range want {
						i := k
						if seq != nil {
							i = seq[k]
						}
						got, err := tb.appendString([]byte("пре"), i)
						if err != nil {
							t.Fatal(err)
						}
						if string(got) != "пре"+want[i] {
							t.Fatalf("pass %d, string %d: %d bytes %.40q…, want %d bytes %.40q…", pass, i, len(got)-len("пре"), got[len("пре"):], len(want[i]), want[i])
						}
					}
				}
				for _, i := range []int{-1, len(want)} {
					if _, err := tb.appendString(nil, i); err == nil || !strings.Contains(err.Error(), "the table holds 3000") {
						t.Fatalf("string %d: error %v", i, err)
					}
				}
			})
		})
	}
}

// TestSharedStringsMemory: a table of a million short strings keeps in
// memory sstMemLimit bytes of text and about a byte and a quarter a string
// (not 4 or 8 for an offset), and its loading allocates little more.
func TestSharedStringsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million strings")
	}
	const n = 1_000_000
	const limit = 1 << 20
	withSST(sstConfig{limit, 4096, 1024}, func() {
		var tb *sharedStrings
		var err error
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		buf := make([]byte, 0, 32)
		func() {
			tb = newSharedStrings(t.TempDir())
			for i := range n {
				buf = strconv.AppendInt(append(buf[:0], "№"...), int64(i)*7919, 10)
				if err = tb.add(buf); err != nil {
					return
				}
			}
			err = tb.finish()
		}()
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		runtime.ReadMemStats(&after)
		total := after.TotalAlloc - before.TotalAlloc
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		t.Logf("%d strings, %d bytes of text: %d KiB kept, %d KiB allocated", n, tb.size, kept>>10, total>>10)
		if kept > limit+n*3/2+256<<10 {
			t.Errorf("the table keeps %d KiB; want at most %d KiB of text and 1.5 bytes a string", kept>>10, limit>>10)
		}
		if total > limit+n*8+2<<20 {
			t.Errorf("loading the table allocated %d KiB", total>>10)
		}
		for _, i := range []int{0, 1, n / 2, n - 1} {
			got, err := tb.appendString(nil, i)
			if want := "№" + strconv.Itoa(i*7919); err != nil || string(got) != want {
				t.Fatalf("string %d: %q, %v; want %q", i, got, err, want)
			}
		}
	})
}

// TestSharedStringsSpill: past sstMemLimit the shared strings go to an
// unlinked temporary file in TmpDir and read back the same, rich text runs
// and escapes included; nothing is left in TmpDir.
func TestSharedStringsSpill(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	item := func(i int) string {
		switch i % 3 {
		case 0:
			return fmt.Sprintf("<si><t>Иванов_x005F_%d</t></si>", i)
		case 1:
			return fmt.Sprintf(`<si><r><rPr><b/></rPr><t xml:space="preserve">Пётр </t></r><r><t>%d&amp;</t></r><rPh><t>ignored</t></rPh></si>`, i)
		}
		return fmt.Sprintf("<si><t>%d_x0041_</t></si>", i)
	}
	want := func(i int) string {
		switch i % 3 {
		case 0:
			return fmt.Sprintf("Иванов_%d", i)
		case 1:
			return fmt.Sprintf("Пётр %d&", i)
		}
		return fmt.Sprintf("%dA", i)
	}
	sst := zipPart{name: "xl/sharedStrings.xml", body: func(w io.Writer) error {
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for i := range n {
			io.WriteString(w, item(i))
		}
		_, err := io.WriteString(w, `</sst>`)
		return err
	}}
	path := filepath.Join(dir, "sst.xlsx")
	buildWorkbook(t, path, sheetPart(func(w io.Writer) error {
		for i := range n {
			// Backwards through the table, so reads seek.
			fmt.Fprintf(w, `<row r="%d"><c r="B%d" t="s"><v>%d</v></c></row>`, i+1, i+1, n-1-i)
		}
		return nil
	}), sst)
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []sstConfig{{64 << 20, 4096, 1024}, {1 << 10, 4096, 1024}, {1 << 10, 64, 2}} {
		t.Run(c.String(), func(t *testing.T) {
			withSST(c, func() {
				tb, err := openXLSX(path, ReadOptions{TmpDir: tmp})
				if err != nil {
					t.Fatal(err)
				}
				if spilled := tb.sst.file != nil; spilled != (c.mem < 1<<20) {
					t.Fatalf("spilled to a file: %v", spilled)
				}
				if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
					t.Fatalf("the temporary file is visible in TmpDir: %v", ents)
				}
				for i := range n {
					line, cells, err := tb.Next()
					if err != nil {
						t.Fatal(err)
					}
					if line != i+1 || len(cells) != 2 || cells[0] != "" || cells[1] != want(n-1-i) {
						t.Fatalf("row %d: line %d cells %q, want %q", i+1, line, cells, want(n-1-i))
					}
				}
				if _, _, err := tb.Next(); !errors.Is(err, io.EOF) {
					t.Fatalf("after the last row: %v", err)
				}
				if err := tb.Close(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
