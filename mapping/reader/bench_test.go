package reader

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"
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
