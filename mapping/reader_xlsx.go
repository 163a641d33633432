package mapping

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Limits that keep a hostile or broken workbook from exhausting memory:
// the whole unpacked archive may not exceed unzipLimit, and any one part
// above xmlMemLimit is unpacked to a temporary file instead of memory.
const (
	unzipLimit  = 1 << 30
	xmlMemLimit = 16 << 20
)

// xlsxTable streams one sheet of a workbook through excelize's row iterator;
// the sheet is never loaded whole.
type xlsxTable struct {
	path     string
	f        *excelize.File
	rows     *excelize.Rows
	sheet    string
	line     int
	Date1904 bool
	// ConvertedBy names the LibreOffice binary when the input was an .xls
	// or .ods converted to a temporary .xlsx (the log says so).
	ConvertedBy string
}

func openXLSX(path string, o ReadOptions) (*xlsxTable, error) {
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true, // dates as serials, numbers without display rounding
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: xmlMemLimit,
		TmpDir:            o.TmpDir,
	})
	if err != nil {
		return nil, &ReadError{File: path, Err: fmt.Errorf("cannot open the workbook (is it a real .xlsx?): %w", err)}
	}
	t := &xlsxTable{path: path, f: f}
	if t.sheet, err = pickSheet(f, o.Sheet); err != nil {
		f.Close()
		return nil, &ReadError{File: path, Err: err}
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.Date1904 = *props.Date1904
	}
	if t.rows, err = f.Rows(t.sheet); err != nil {
		f.Close()
		return nil, &ReadError{File: path, Sheet: t.sheet, Err: err}
	}
	return t, nil
}

// pickSheet returns the named sheet, or the first visible one.
func pickSheet(f *excelize.File, want string) (string, error) {
	list := f.GetSheetList()
	if want != "" {
		for _, s := range list {
			if s == want {
				return s, nil
			}
		}
		return "", fmt.Errorf("no sheet %q; the workbook has %q", want, list)
	}
	for _, s := range list {
		if visible, err := f.GetSheetVisible(s); err == nil && visible {
			return s, nil
		}
	}
	if len(list) > 0 {
		return list[0], nil
	}
	return "", errors.New("the workbook has no sheets")
}

func (t *xlsxTable) Next() (int, []string, error) {
	if !t.rows.Next() {
		if err := t.rows.Error(); err != nil {
			return 0, nil, &ReadError{File: t.path, Sheet: t.sheet, Line: t.line + 1, Err: err}
		}
		return 0, nil, io.EOF
	}
	// Next advances one spreadsheet row at a time, absent rows included,
	// so counting calls gives the row number the clerk sees.
	t.line++
	cells, err := t.rows.Columns()
	if err != nil {
		return t.line, nil, &ReadError{File: t.path, Sheet: t.sheet, Line: t.line, Err: err}
	}
	return t.line, cells, nil
}

func (t *xlsxTable) Sheet() string { return t.sheet }

func (t *xlsxTable) Close() error {
	var err error
	if t.rows != nil {
		err = t.rows.Close()
	}
	return errors.Join(err, t.f.Close())
}
