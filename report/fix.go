package report

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

// fixSheet names the fix file's only sheet: Excel's own default, so the
// file looks like any clerk's list. (Run it with no --sheet, or this one.)
const fixSheet = "Лист1"

// ErrFixFileFull is wrapped by FixFile.Close when rows to fix did not fit in
// one sheet; the file holds the ones that did, and the report has them all.
var ErrFixFileFull = errors.New("rows to fix do not fit in one sheet")

// FixFile collects the rows that did not end uploaded or unchanged, in the
// input's own columns and nothing else, so that a clerk can correct them and
// import the file again as it is. It is not safe for concurrent use.
type FixFile struct {
	out    *pendingFile
	f      *excelize.File
	sw     *excelize.StreamWriter
	rows   *sheetRows // the data rows, spliced in by saveBook (see sheetRows)
	header []string

	row      int   // last row written; 1 is the header
	bytes    int64 // upper bound of the sheet's XML so far
	maxRows  int   // rows per sheet, header included; lowered by tests
	maxBytes int64 // sheet XML (sheetBudget); lowered by tests
	dropped  int   // rows that did not fit
	text     int   // style ID
	cells    []cell
	done     bool
}

// NewFixFile starts a fix file at path with the input's header row. Nothing
// appears at path before Close, and nothing at all if no row needs fixing.
func NewFixFile(path string, header []string) (*FixFile, error) {
	if len(header) == 0 {
		return nil, fmt.Errorf("fix file %s: the input has no header row", path)
	}
	if len(header) > excelize.MaxColumns {
		return nil, fmt.Errorf("fix file %s: %d columns, a sheet holds at most %d", path, len(header), excelize.MaxColumns)
	}
	out, err := createPending(path)
	if err != nil {
		return nil, fmt.Errorf("fix file: %w", err)
	}
	x := &FixFile{
		out:      out,
		f:        newBook(out),
		header:   append([]string(nil), header...),
		maxRows:  excelize.TotalRows,
		maxBytes: sheetBudget,
		cells:    make([]cell, len(header)),
	}
	if err := x.start(); err != nil {
		x.done = true
		x.out.discard()
		_ = x.f.Close()
		x.discardRows()
		return nil, fmt.Errorf("fix file %s: %w", path, err)
	}
	return x, nil
}

func (x *FixFile) start() error {
	if err := x.f.SetSheetName(x.f.GetSheetName(0), fixSheet); err != nil {
		return err
	}
	head, err := headerStyle(x.f)
	if err != nil {
		return err
	}
	// Text format on the cells and on the whole columns: what the clerk
	// types in, as what is there, stays text (leading zeros, "=…").
	if x.text, err = x.f.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil {
		return err
	}
	if x.sw, err = x.f.NewStreamWriter(fixSheet); err != nil {
		return err
	}
	if x.rows, err = newSheetRows(x.out.tmpDir(), x.sw); err != nil {
		return err
	}
	n := len(x.header)
	if err := x.sw.SetColStyle(1, n, x.text); err != nil {
		return err
	}
	for i, h := range x.header {
		if err := x.sw.SetColWidth(1+i, 1+i, fitWidth(textWidth(h)*boldWidth, 12, 40)); err != nil {
			return err
		}
	}
	if err := x.sw.SetPanes(freezeHeader()); err != nil {
		return err
	}
	titles := make([]any, len(x.header))
	for i, h := range x.header {
		titles[i] = excelize.Cell{StyleID: head, Value: h}
		x.bytes += cellXML + textXML(h)
	}
	x.row = 1
	return x.sw.SetRow("A1", titles)
}

// Write adds r's cells if its outcome is not OK; other rows are ignored.
func (x *FixFile) Write(r importer.Result) error {
	if x.done {
		return fmt.Errorf("fix file %s: %w", x.out.path, fs.ErrClosed)
	}
	if r.Outcome.OK() {
		return nil
	}
	est := rowXML + int64(len(x.cells))*cellXML
	for i := range x.header {
		v := ""
		if i < len(r.Cells) {
			v = r.Cells[i]
		}
		x.cells[i] = textCellOf(x.text, v)
		est += textXML(v)
	}
	if x.dropped > 0 || x.row >= x.maxRows || x.bytes+est > x.maxBytes {
		// Not an error here: it would stop the import. Close says so.
		x.dropped++
		return nil
	}
	x.bytes += est
	x.row++
	if err := x.rows.writeRow(x.row, x.cells, 0); err != nil {
		return fmt.Errorf("fix file %s, row %d: %w", x.out.path, r.Row, err)
	}
	return nil
}

// Close saves the file under its final name with mode 0600 and returns how
// many rows it holds. With no row to fix it creates nothing (a file already
// at path is left alone) and returns 0. Rows that did not fit in the sheet
// make it return the rows it holds and an error wrapping ErrFixFileFull.
func (x *FixFile) Close() (rows int, err error) {
	if x.done {
		return 0, fmt.Errorf("fix file %s: %w", x.out.path, fs.ErrClosed)
	}
	x.done = true
	defer func() {
		if cerr := x.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("fix file %s: %w", x.out.path, cerr)
		}
		x.discardRows()
	}()
	rows = x.row - 1
	if rows == 0 {
		x.out.discard()
		return 0, nil
	}
	if err := x.rows.flush(); err != nil {
		x.out.discard()
		return 0, fmt.Errorf("fix file %s: %w", x.out.path, err)
	}
	if err := x.sw.Flush(); err != nil {
		x.out.discard()
		return 0, fmt.Errorf("fix file %s: %w", x.out.path, err)
	}
	if err := saveBook(x.f, x.out, map[string]*sheetRows{x.rows.part: x.rows}); err != nil {
		return 0, fmt.Errorf("fix file %s: %w", x.out.path, err)
	}
	if x.dropped > 0 {
		return rows, fmt.Errorf("fix file %s holds the first %d rows to fix, %d more are only in the report: %w",
			x.out.path, rows, x.dropped, ErrFixFileFull)
	}
	return rows, nil
}

func (x *FixFile) discardRows() {
	if x.rows != nil {
		x.rows.discard()
	}
}

// DefaultReportPath is where the report of input goes by default:
// "dir/NAME.result.xlsx" for "dir/NAME.csv".
func DefaultReportPath(input string) string { return siblingPath(input, ".result.xlsx") }

// DefaultFixPath is where the fix file of input goes by default:
// "dir/NAME.to-fix.xlsx" for "dir/NAME.csv".
func DefaultFixPath(input string) string { return siblingPath(input, ".to-fix.xlsx") }

// siblingPath replaces input's extension with suffix. A name that is only
// an extension (".csv") keeps it, so the result is never a bare suffix.
func siblingPath(input, suffix string) string {
	dir, base := filepath.Split(input)
	if stem := strings.TrimSuffix(base, filepath.Ext(base)); stem != "" {
		base = stem
	}
	return dir + base + suffix
}
