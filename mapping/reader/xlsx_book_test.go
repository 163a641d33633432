package reader

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

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
	for _, limit := range []int{64 << 20, 1 << 10} {
		t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
			defer func(l int) { sstMemLimit = l }(sstMemLimit)
			sstMemLimit = limit
			tb, err := openXLSX(path, ReadOptions{TmpDir: tmp})
			if err != nil {
				t.Fatal(err)
			}
			if spilled := tb.sst.file != nil; spilled != (limit < 1<<20) {
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
			if _, _, err := tb.Next(); err != io.EOF {
				t.Fatalf("after the last row: %v", err)
			}
			if err := tb.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
