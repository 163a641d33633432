// Command xlsxiter measures excelize's own streaming speed on a workbook:
// it opens the file as mapping's reader does (raw cell values, sheets past
// 16 MiB of XML spilled to a temporary file) and does nothing but
// rows.Next() and rows.Columns() over the first sheet, the ceiling any
// import of that file can reach. samples/load/run.sh compares a dry run's
// rows/s with it.
//
//	go run ./samples/load/xlsxiter samples/big/patients-1000000.xlsx
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: xlsxiter FILE.xlsx")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "xlsxiter:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	start := time.Now()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return err
	}
	defer rows.Close()
	n, cells := 0, 0
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		n++
		cells += len(cols)
	}
	if err := rows.Error(); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("xlsxiter: %d rows, %d cells in %s: %.0f rows/s\n", n, cells, d.Round(time.Millisecond), float64(n)/d.Seconds())
	return nil
}
