package reader

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeBenchXLSX writes a workbook of rows rows shaped like a registry
// export (a name, a date, identifiers, an address), as Excel streams it.
func writeBenchXLSX(b *testing.B, rows int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"ФИО", "Дата рождения", "Пол", "СНИЛС", "Полис ОМС", "Телефон", "Адрес", "Группа крови"}); err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{"Иванов Иван Иванович", fmt.Sprintf("%02d.%02d.19%02d", 1+i%28, 1+i%12, 30+i%70), []string{"М", "Ж"}[i%2],
			fmt.Sprintf("%03d-%03d-%03d %02d", i%1000, i/1000%1000, i/1000000, i%100), fmt.Sprintf("77%014d", i),
			fmt.Sprintf("8 (912) %03d-%02d-%02d", i%1000, i%100, (i/100)%100), "г. Москва, ул. Ленина, д. 1", "A(II) Rh+"}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkInflate inflates the sheet part of the benchmark workbook with
// the standard library's inflater and with klauspost/compress's, which
// openZip uses; both check the part's CRC-32.
//
//	go test -run='^$' -bench='Inflate' ./mapping/reader/
func BenchmarkInflate(b *testing.B) {
	path := writeBenchXLSX(b, 100_000)
	for _, c := range []struct {
		name string
		open func(string) (*zip.ReadCloser, error)
	}{{"stdlib", zip.OpenReader}, {"klauspost", openZip}} {
		b.Run(c.name, func(b *testing.B) {
			zr, err := c.open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer zr.Close()
			var sheet *zip.File
			for _, f := range zr.File {
				if partKind(f.Name) == "row" {
					sheet = f
				}
			}
			b.SetBytes(int64(sheet.UncompressedSize64))
			for b.Loop() {
				rc, err := sheet.Open()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
	}
}

// writeSharedBenchXLSX writes a workbook of rows rows whose text is in a
// shared strings table numbered as Excel numbers it, in the order the sheet
// first uses each string: names and sexes repeat from the first rows on,
// an address recurs anywhere below the row that introduced it, identifiers
// and phones are used once. It returns the path and the bytes of text the
// table holds.
func writeSharedBenchXLSX(b *testing.B, rows int) (string, int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	index := map[string]int{}
	var table []string
	ref := func(s string) int {
		i, ok := index[s]
		if !ok {
			i = len(table)
			index[s] = i
			table = append(table, s)
		}
		return i
	}
	families := []string{"Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов"}
	names := []string{"Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван", "Никита"}
	var sheet strings.Builder
	sheet.WriteString(xSheetHead)
	for r := 1; r <= rows; r++ {
		vals := []string{
			families[rng.IntN(len(families))] + " " + names[rng.IntN(len(names))] + " " + names[rng.IntN(len(names))] + "ович",
			[]string{"М", "Ж"}[rng.IntN(2)],
			fmt.Sprintf("%03d-%03d-%03d %02d", r%1000, r/1000%1000, rng.IntN(1000), rng.IntN(100)),
			fmt.Sprintf("50%014d", uint64(r)*2654435761%100_000_000_000_000),
			fmt.Sprintf("8 (9%02d) %03d-%02d-%02d", rng.IntN(100), rng.IntN(1000), rng.IntN(100), rng.IntN(100)),
			fmt.Sprintf("г. Москва, ул. %s, д. %d, кв. %d", families[rng.IntN(len(families))], 1+rng.IntN(rows/100+1), 1+rng.IntN(300)),
		}
		fmt.Fprintf(&sheet, `<row r="%d">`, r)
		for c, v := range vals {
			fmt.Fprintf(&sheet, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, r, ref(v))
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(xSheetTail)
	var sst strings.Builder
	size := 0
	fmt.Fprintf(&sst, `<sst xmlns="%s" count="%d" uniqueCount="%d">`, nsMain, rows*6, len(table))
	for _, s := range table {
		sst.WriteString("<si><t>" + s + "</t></si>")
		size += len(s)
	}
	sst.WriteString(`</sst>`)
	path := filepath.Join(b.TempDir(), "shared.xlsx")
	buildWorkbook(b, path, zipPart{body: func(w io.Writer) error { _, err := io.WriteString(w, sheet.String()); return err }},
		textPart("xl/sharedStrings.xml", sst.String()))
	return path, size
}

// BenchmarkSharedStrings reads every row of a workbook whose text is in a
// shared strings table: held in memory, and with all but its first eighth
// spilled to the temporary file (as the table of a million-row sheet is).
//
//	go test -run='^$' -bench='SharedStrings' ./mapping/reader/
func BenchmarkSharedStrings(b *testing.B) {
	const rows = 100_000
	path, size := writeSharedBenchXLSX(b, rows)
	for _, c := range []struct {
		name string
		mem  int
	}{{"memory", sstMemLimit}, {"spilled", size / 8}} {
		b.Run(c.name, func(b *testing.B) {
			withSST(sstConfig{c.mem, sstPageSize, sstCachePages}, func() {
				for b.Loop() {
					tb, err := openXLSX(path, ReadOptions{TmpDir: b.TempDir()})
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for {
						_, _, err := tb.Next()
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					tb.Close()
					if n != rows {
						b.Fatalf("%d rows, want %d", n, rows)
					}
				}
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		})
	}
}
