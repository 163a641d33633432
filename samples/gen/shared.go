package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeBigXLSXShared writes the big workbook as Excel saves it: every text
// cell refers by index to one table of unique strings, xl/sharedStrings.xml
// (count: the references, uniqueCount: the strings), and a cell that
// holds no text is not written at all. excelize's StreamWriter writes
// text inline and its other writer holds the whole sheet in memory, so
// excelize builds the rest of the package (styles, theme, properties, the
// shared strings part's type and relationship) and the sheet and the table
// are written here, streamed into the zip. The table's strings wait in a
// temporary file beside path until the sheet is done; only a map from each
// string to its index stays in memory (a few hundred MB for 1,000,000
// rows).
func writeBigXLSXShared(path string, rows int, rng *rand.Rand) error {
	if rows > excelize.TotalRows-headerRow {
		return fmt.Errorf("an xlsx sheet holds at most %d rows", excelize.TotalRows)
	}
	skeleton, dateStyle, err := xlsxSkeleton()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(skeleton), int64(len(skeleton)))
	if err != nil {
		return err
	}
	sst, err := newSharedStrings(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer sst.close()

	out, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	err = func() error {
		for _, f := range zr.File {
			switch f.Name {
			case "xl/worksheets/sheet1.xml":
				w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
				if err != nil {
					return err
				}
				if err := writeSharedSheet(w, rows, rng, dateStyle, sst); err != nil {
					return err
				}
			case "xl/sharedStrings.xml":
				// Written last, once every string is known.
			default:
				if err := zw.Copy(f); err != nil {
					return err
				}
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/sharedStrings.xml", Method: zip.Deflate})
		if err != nil {
			return err
		}
		return sst.writeTo(w)
	}()
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	return errors.Join(err, out.Close())
}

// xlsxSkeleton returns an excelize workbook with one shared string (so that
// the package has the shared strings part) and the id of its date style.
func xlsxSkeleton() ([]byte, int, error) {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, 0, err
	}
	if err := f.SetCellStr("Sheet1", "A1", title); err != nil {
		return nil, 0, err
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, 0, err
	}
	return b.Bytes(), dateStyle, nil
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`

// writeSharedSheet writes the sheet of the big file: the title, a blank row,
// the header and rows valid patients, the same cells as writeBigXLSX.
func writeSharedSheet(w io.Writer, rows int, rng *rand.Rand, dateStyle int, sst *sharedStrings) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	last := headerRow + rows
	cols := make([]string, len(header)) // the columns' letters, named once
	for j := range cols {
		cols[j], _ = excelize.ColumnNumberToName(j + 1)
	}
	fmt.Fprintf(bw, `%s<dimension ref="A1:%s%d"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>`+
		`<sheetFormatPr defaultRowHeight="15"/><sheetData>`, sheetHead, cols[len(cols)-1], last)
	row := func(r int, vals []any) error {
		fmt.Fprintf(bw, `<row r="%d">`, r)
		for j, v := range vals {
			ref := cols[j] + strconv.Itoa(r)
			switch v := v.(type) {
			case string:
				if v == "" {
					continue // Excel writes no cell for no text
				}
				fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, ref, sst.ref(v))
			case int:
				fmt.Fprintf(bw, `<c r="%s"><v>%d</v></c>`, ref, v)
			case time.Time:
				fmt.Fprintf(bw, `<c r="%s" s="%d"><v>%d</v></c>`, ref, dateStyle, excelDay(v))
			default:
				return fmt.Errorf("row %d column %d: no cell for %T", r, j+1, v)
			}
		}
		bw.WriteString(`</row>`)
		return sst.err
	}
	if err := row(1, []any{title}); err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := row(headerRow, hdr); err != nil {
		return err
	}
	for i := 0; i < rows; i++ {
		if err := row(headerRow+1+i, bigRow(rng, i)); err != nil {
			return err
		}
	}
	bw.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	return bw.Flush()
}

// excelDay is the serial number of a date in Excel's 1900 date system.
func excelDay(t time.Time) int64 {
	return int64(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

// sharedStrings is the shared strings table being built: each string's
// index, and the <si> elements, in index order, in a temporary file.
type sharedStrings struct {
	index map[string]int
	refs  int
	tmp   *os.File
	w     *bufio.Writer
	err   error
}

func newSharedStrings(dir string) (*sharedStrings, error) {
	tmp, err := os.CreateTemp(dir, ".sst-*.xml")
	if err != nil {
		return nil, err
	}
	os.Remove(tmp.Name()) // unlinked: gone with the descriptor, whatever happens
	return &sharedStrings{index: make(map[string]int), tmp: tmp, w: bufio.NewWriterSize(tmp, 1<<16)}, nil
}

// ref returns the index of s, adding it to the table if new.
func (s *sharedStrings) ref(v string) int {
	s.refs++
	if i, ok := s.index[v]; ok {
		return i
	}
	i := len(s.index)
	s.index[v] = i
	s.w.WriteString("<si><t")
	if strings.TrimSpace(v) != v {
		s.w.WriteString(` xml:space="preserve"`)
	}
	s.w.WriteString(">")
	if err := xml.EscapeText(s.w, []byte(v)); err != nil && s.err == nil {
		s.err = err
	}
	s.w.WriteString("</t></si>")
	return i
}

// writeTo writes xl/sharedStrings.xml.
func (s *sharedStrings) writeTo(w io.Writer) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, s.refs, len(s.index))
	if _, err := io.Copy(w, s.tmp); err != nil {
		return err
	}
	_, err := io.WriteString(w, "</sst>")
	return err
}

func (s *sharedStrings) close() { s.tmp.Close() }
