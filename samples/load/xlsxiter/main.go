// Command xlsxiter measures the bare streaming speed of a workbook reader.
// By default it is excelize's, opened as mipimport would use it (raw cell
// values, sheets past 16 MiB of XML spilled to a temporary file), doing
// nothing but rows.Next() and rows.Columns() over the first sheet. With
// -mipimport it is mipimport's own reader (mapping/reader), the
// hostile-file checks included, doing nothing but Next.
// samples/load/run.sh compares a dry run's rows/s with both.
//
//	go run ./samples/load/xlsxiter samples/big/patients-1000000.xlsx
//	go run ./samples/load/xlsxiter -mipimport samples/big/patients-1000000.xlsx
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/mapping/reader"
)

func main() {
	ours := flag.Bool("mipimport", false, "iterate with mipimport's own reader instead of excelize")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: xlsxiter [-mipimport] FILE.xlsx")
		os.Exit(2)
	}
	run := runExcelize
	if *ours {
		run = runMipimport
	}
	if err := run(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "xlsxiter:", err)
		os.Exit(1)
	}
}

func runMipimport(path string) error {
	start := time.Now()
	t, err := reader.Open(path, reader.ReadOptions{})
	if err != nil {
		return err
	}
	defer t.Close()
	n, cells := 0, 0
	for {
		_, cols, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
		cells += len(cols)
	}
	report("mipimport", n, cells, time.Since(start))
	return nil
}

func report(reader string, n, cells int, d time.Duration) {
	fmt.Printf("xlsxiter (%s): %d rows, %d cells in %s: %.0f rows/s\n", reader, n, cells, d.Round(time.Millisecond), float64(n)/d.Seconds())
}

func runExcelize(path string) error {
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
	report("excelize", n, cells, time.Since(start))
	return nil
}
