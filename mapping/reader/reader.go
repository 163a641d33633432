package reader

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Table is a spreadsheet read one row at a time.
type Table interface {
	// Next returns the next row's 1-based line number (as the spreadsheet
	// shows it) and its cells. It returns io.EOF after the last row. The
	// returned slice is the caller's to keep.
	Next() (line int, cells []string, err error)
	// Sheet names the sheet being read ("" for CSV).
	Sheet() string
	// Date1904 reports whether the workbook counts its date serials from
	// 1904 (as Excel for Mac did): a serial number outside a date cell
	// (a column the mapping says holds serials) means another day then.
	// Always false for CSV.
	Date1904() bool
	Close() error
}

// ReadOptions say how to open an input file.
type ReadOptions struct {
	Sheet     string // xlsx: sheet name; "" = the first visible sheet
	Encoding  string // csv: "auto", "utf-8", "windows-1251", "koi8-r", "utf-16le", "utf-16be"
	Delimiter string // csv: "auto", ";", ",", "\t"
	TmpDir    string // xlsx: where a large shared strings table spills; "" = system default

	// rawDates keeps a date cell's serial number as excelize's
	// RawCellValue gives it (the differential test compares with that).
	rawDates bool
}

// Kind says what a cell of a workbook held, beyond its text.
type Kind uint8

// The kinds of cell. A CSV field is always KindText: a CSV holds the text
// a spreadsheet showed.
const (
	KindText   Kind = iota // text (a shared or inline string, a formula's text), or empty
	KindNumber             // a number; the text is the number stored, e.g. "5.0919700000000003E+15"
	KindDate               // a number formatted as a date; the text is the date shown, dd.mm.yyyy
	KindBool               // TRUE/FALSE, as "1"/"0"
	KindError              // an error value such as "#N/A"
)

// CellKinds returns what each cell of the row Next returned last held, in
// the cells' columns (shorter than the row when its last cells are text),
// or nil for a table whose cells are all text (CSV). The slice is valid
// until the next call of Next.
func CellKinds(t Table) []Kind {
	switch x := t.(type) {
	case *xlsxTable:
		return x.kinds
	case *convertedTable:
		return x.kinds
	}
	return nil
}

// SavedBy returns the program that saved a workbook, as the workbook says
// ("Microsoft Excel", "LibreOffice/7.6.4.1$Linux_X86_64 …"), or "" when it
// does not say or t is a CSV.
func SavedBy(t Table) string {
	switch x := t.(type) {
	case *xlsxTable:
		return x.book.app
	case *convertedTable:
		return x.book.app
	}
	return ""
}

// SavedByExcel reports whether the program that saved a workbook is
// Microsoft Excel (which keeps 15 significant digits of a number and
// zeroes the rest).
func SavedByExcel(app string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(app)), "microsoft excel")
}

// ErrUnsupported is returned for input formats the tool cannot read (or
// cannot read on this machine: .xls and .ods need LibreOffice).
var ErrUnsupported = errors.New("unsupported input format")

// Open opens a spreadsheet by its extension: .xlsx/.xlsm, .csv/.txt/.tsv,
// and .xls/.ods through LibreOffice when it is installed.
func Open(path string, o ReadOptions) (Table, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".xlsx", ".xlsm":
		return openXLSX(path, o)
	case ".csv", ".txt", ".tsv":
		return openCSV(path, o)
	case ".xls", ".ods":
		return openConverted(path, o)
	default:
		return nil, fmt.Errorf("%s: %w %q (want .xlsx or .csv)", path, ErrUnsupported, ext)
	}
}

// Sheets lists the visible sheets of an .xlsx/.xlsm workbook, in the
// workbook's order, so that a caller can look for the one it needs. It
// returns nil for the other formats: a CSV file is one table, and an
// .xls/.ods is read through its first sheet unless one is named.
func Sheets(path string) ([]string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
	default:
		return nil, nil
	}
	if err := checkArchive(path); err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	b, err := openBook(path)
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	defer b.Close()
	var out []string
	for _, s := range b.sheets {
		if s.state == "" || s.state == "visible" {
			out = append(out, s.name)
		}
	}
	return out, nil
}

// ReadError is an input error with its place, as encoding/csv's ParseError.
type ReadError struct {
	File   string
	Sheet  string // "" for CSV
	Line   int    // 1-based row; 0 when unknown
	Column string // header title or letter; "" when unknown
	Err    error
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, ", sheet %q", e.Sheet)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ", row %d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ReadError) Unwrap() error { return e.Err }

// CSVFormat returns the encoding and the delimiter a CSV table is read
// with (detected or forced); ok is false for a workbook.
func CSVFormat(t Table) (encoding string, comma rune, ok bool) {
	c, ok := t.(*csvTable)
	if !ok {
		return "", 0, false
	}
	return c.encoding, c.comma, true
}

// ConvertedBy returns the LibreOffice binary that converted an .xls or
// .ods to the workbook t reads, or "" when there was no conversion.
func ConvertedBy(t Table) string {
	if c, ok := t.(*convertedTable); ok {
		return c.convertedBy
	}
	return ""
}
