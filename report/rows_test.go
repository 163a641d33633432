package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// streamWriterRows writes rows 2.. with excelize's StreamWriter, heights[i]
// points high (none for 0; heights may be nil), and returns the XML of
// those rows as it lands in the sheet part: what sheetRows must write byte
// for byte.
func streamWriterRows(t testing.TB, rows [][]excelize.Cell, heights []float64) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, cells := range rows {
		vals := make([]any, len(cells))
		for j := range cells {
			vals[j] = &cells[j]
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals, excelize.RowOpts{Height: heightOf(heights, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		start, end := bytes.Index(sheet, []byte(`<row r="2"`)), bytes.Index(sheet, []byte(`</sheetData>`))
		if start < 0 || end < start {
			t.Fatalf("no rows in the sheet: %s", sheet)
		}
		return sheet[start:end]
	}
	t.Fatal("no sheet1.xml")
	return nil
}

func heightOf(heights []float64, i int) float64 {
	if i < len(heights) {
		return heights[i]
	}
	return 0
}

// ourRows writes the same rows with sheetRows.
func ourRows(t testing.TB, rows [][]excelize.Cell, heights []float64) []byte {
	t.Helper()
	var out bytes.Buffer
	r := &sheetRows{w: bufio.NewWriter(&out)}
	for i, cells := range rows {
		if err := r.writeRow(i+2, ourCells(t, cells), heightOf(heights, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// ourCells is cells as the reports hold them.
func ourCells(t testing.TB, cells []excelize.Cell) []cell {
	out := make([]cell, len(cells))
	for i, c := range cells {
		out[i].style = c.StyleID
		switch v := c.Value.(type) {
		case nil:
		case int:
			out[i].kind, out[i].num = numberCell, v
		case string:
			out[i].kind, out[i].text = textCell, v
		default:
			t.Fatalf("a cell of type %T", v)
		}
	}
	return out
}

var trickyTexts = []string{
	"", " ", "Иванов", " ведущий пробел", "хвост ", "\tтаб", "строка\nперевод", "a\r\nb", `&<>"'`,
	"_x0041_", "_x005F_x0041_", "_x005F_", "_x005f_x00zz_", "a_xZZZZ_b", "_x", "x_x12345_",
	"\x00\x01\x1f", "bad \xff byte", "\uFFFE\uFFFF", "\u2028", "😀 emoji", "\x7f", "12345678901",
	strings.Repeat("Ж", 40000), strings.Repeat("😀", 20000) + "z",
}

func randomCells(rng *rand.Rand, n int) []excelize.Cell {
	cells := make([]excelize.Cell, n)
	for i := range cells {
		c := excelize.Cell{StyleID: rng.IntN(60)}
		switch rng.IntN(4) {
		case 0: // blank, styled or not
		case 1:
			c.Value = rng.IntN(2000) - 10
		default:
			c.Value = trickyTexts[rng.IntN(len(trickyTexts))]
		}
		cells[i] = c
	}
	return cells
}

// TestRowsAreStreamWriterBytes: the rows sheetRows writes are the bytes
// excelize's StreamWriter writes for them, so the report stays a workbook
// excelize made, for Excel and LibreOffice alike.
func TestRowsAreStreamWriterBytes(t *testing.T) {
	rows, heights := randomRows(4)
	want, got := streamWriterRows(t, rows, heights), ourRows(t, rows, heights)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Fatalf("rows differ at byte %d:\nours      …%q\nexcelize  …%q", i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

// randomRows are rows of random cells (see randomCells), the last one past
// column ZZ, with random heights: none, or whole lines up to a sheet's
// highest row.
func randomRows(seed uint64) ([][]excelize.Cell, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	var rows [][]excelize.Cell
	var heights []float64
	for i := range 401 {
		n := 1 + rng.IntN(30)
		if i == 400 {
			n = 800
		}
		rows = append(rows, randomCells(rng, n))
		heights = append(heights, rowHeight(rng.IntN(30)))
	}
	return rows, heights
}

// TestRowsReadBackAsStreamWriter is the differential test of the report's
// own row writer against excelize's: the same rows, written into a
// workbook once with StreamWriter.SetRow and once with sheetRows spliced
// in by saveBook, read back by excelize with the same values, cell types,
// styles and row heights.
func TestRowsReadBackAsStreamWriter(t *testing.T) {
	rows, heights := randomRows(7)
	dir := t.TempDir()

	// excelize alone.
	lib := filepath.Join(dir, "lib.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, cells := range rows {
		vals := make([]any, len(cells))
		for j := range cells {
			vals[j] = cells[j]
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+1), vals, excelize.RowOpts{Height: heights[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(lib); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The report's writer.
	ours := filepath.Join(dir, "ours.xlsx")
	out, err := createPending(ours)
	if err != nil {
		t.Fatal(err)
	}
	g := newBook(out)
	defer g.Close()
	sw, err = g.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sr, err := newSheetRows(dir, sw)
	if err != nil {
		t.Fatal(err)
	}
	defer sr.discard()
	for i, cells := range rows {
		if err := sr.writeRow(i+1, ourCells(t, cells), heights[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := sr.flush(); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := saveBook(g, out, map[string]*sheetRows{sr.part: sr}); err != nil {
		t.Fatal(err)
	}

	want, got := openBook(t, lib), openBook(t, ours)
	wantRows, gotRows := rows2(t, want), rows2(t, got)
	if len(gotRows) != len(rows) || len(wantRows) != len(rows) {
		t.Fatalf("read back %d and %d rows, wrote %d", len(gotRows), len(wantRows), len(rows))
	}
	for i := range rows {
		n := i + 1
		if !slices.Equal(gotRows[i], wantRows[i]) {
			t.Errorf("row %d: values differ:\nours     %q\nexcelize %q", n, gotRows[i], wantRows[i])
		}
		if h, wh := rowHeightOf(t, got, "Sheet1", n), rowHeightOf(t, want, "Sheet1", n); h != wh {
			t.Errorf("row %d: height %v, excelize %v", n, h, wh)
		}
		for j := range rows[i] {
			ref, _ := excelize.CoordinatesToCellName(j+1, n)
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"style", must(got.GetCellStyle("Sheet1", ref)), must(want.GetCellStyle("Sheet1", ref))},
				{"type", must(got.GetCellType("Sheet1", ref)), must(want.GetCellType("Sheet1", ref))},
			} {
				if c.got != c.want {
					t.Errorf("%s: %s %v, excelize %v", ref, c.what, c.got, c.want)
				}
			}
		}
	}
}

// rows2 is every row of Sheet1, raw.
func rows2(t testing.TB, f *excelize.File) [][]string {
	t.Helper()
	return rows(t, f, "Sheet1")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func FuzzRowXML(f *testing.F) {
	for _, s := range trickyTexts[:20] {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, text string, style int) {
		style &= 0xffff
		rows := [][]excelize.Cell{{{StyleID: style, Value: text}, {StyleID: style}, {Value: style}}}
		heights := []float64{rowHeight(style % 40)}
		if want, got := streamWriterRows(t, rows, heights), ourRows(t, rows, heights); !bytes.Equal(got, want) {
			t.Fatalf("text %q:\nours     %q\nexcelize %q", text, got, want)
		}
	})
}
