package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// streamWriterRows writes rows 2.. with excelize's StreamWriter and returns
// the XML of those rows as it lands in the sheet part: what sheetRows must
// write byte for byte.
func streamWriterRows(t testing.TB, rows [][]excelize.Cell) []byte {
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
		if err := sw.SetRow(cell, vals); err != nil {
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

// ourRows writes the same rows with sheetRows.
func ourRows(t testing.TB, rows [][]excelize.Cell) []byte {
	t.Helper()
	var out bytes.Buffer
	r := &sheetRows{w: bufio.NewWriter(&out)}
	for i, cells := range rows {
		if err := r.writeRow(i+2, ourCells(t, cells)); err != nil {
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
	rng := rand.New(rand.NewPCG(4, 2))
	var rows [][]excelize.Cell
	for range 400 {
		rows = append(rows, randomCells(rng, 1+rng.IntN(30)))
	}
	rows = append(rows, randomCells(rng, 800)) // past column Z, ZZ
	want, got := streamWriterRows(t, rows), ourRows(t, rows)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Fatalf("rows differ at byte %d:\nours      …%q\nexcelize  …%q", i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

func FuzzRowXML(f *testing.F) {
	for _, s := range trickyTexts[:20] {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, text string, style int) {
		style &= 0xffff
		rows := [][]excelize.Cell{{{StyleID: style, Value: text}, {StyleID: style}, {Value: style}}}
		if want, got := streamWriterRows(t, rows), ourRows(t, rows); !bytes.Equal(got, want) {
			t.Fatalf("text %q:\nours     %q\nexcelize %q", text, got, want)
		}
	})
}
