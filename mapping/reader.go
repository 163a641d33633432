package mapping

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"
)

// Table is a spreadsheet read one row at a time.
type Table interface {
	// Next returns the next row's 1-based line number (as the spreadsheet
	// shows it) and its cells. It returns io.EOF after the last row. The
	// returned slice is the caller's to keep.
	Next() (line int, cells []string, err error)
	// Sheet names the sheet being read ("" for CSV).
	Sheet() string
	Close() error
}

// ReadOptions say how to open an input file.
type ReadOptions struct {
	Sheet     string // xlsx: sheet name; "" = the first visible sheet
	Encoding  string // csv: "auto", "utf-8", "windows-1251", "koi8-r", "utf-16le", "utf-16be"
	Delimiter string // csv: "auto", ";", ",", "\t"
	TmpDir    string // xlsx: where a large shared strings table spills; "" = system default
}

// ErrUnsupported is returned for input formats the tool cannot read (or
// cannot read on this machine: .xls and .ods need LibreOffice).
var ErrUnsupported = errors.New("unsupported input format")

// Open opens a spreadsheet by its extension: .xlsx/.xlsm, .csv/.txt/.tsv.
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

// Header is the located header row of a table.
type Header struct {
	Line   int      // 1-based row number of the header
	Titles []string // the header cells as written
}

// maxHeaderSearch is how many non-blank rows are examined to find the header.
const maxHeaderSearch = 30

// FindHeader reads rows until the header: the row given by line (> 0), or
// the first of the leading rows in which at least two cells are known
// header titles (a title row such as «Список пациентов» stands above it).
// known reports whether a folded cell text names a column the caller wants.
// Rows before the header are consumed.
func FindHeader(t Table, line int, known func(folded string) bool) (Header, error) {
	var fallback *Header
	seen := 0
	for {
		n, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Header{}, err
		}
		if line > 0 {
			if n == line {
				return Header{Line: n, Titles: cells}, nil
			}
			if n > line {
				break
			}
			continue
		}
		if isBlank(cells) {
			continue
		}
		seen++
		hits, filled := 0, 0
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				filled++
			}
			if known(foldKey(c)) {
				hits++
			}
		}
		if hits >= 2 {
			return Header{Line: n, Titles: cells}, nil
		}
		if fallback == nil && filled >= 2 {
			fallback = &Header{Line: n, Titles: cells}
		}
		if seen >= maxHeaderSearch {
			break
		}
	}
	if line > 0 {
		return Header{}, fmt.Errorf("%w: the file has no row %d", errNoHeader, line)
	}
	if fallback != nil {
		hint := ""
		if c, ok := t.(*csvTable); ok {
			// Garbled titles are the usual cause in a CSV file.
			hint = fmt.Sprintf("; if the titles are there, the text may be read with the wrong encoding or delimiter (read as %s, delimiter %q): set encoding: and delimiter: in the mapping", c.Encoding, c.Comma)
		}
		return Header{}, fmt.Errorf("%w: none of the first %d rows has two recognised column titles (the first filled row is %d); set header_row in the mapping%s", errNoHeader, maxHeaderSearch, fallback.Line, hint)
	}
	return Header{}, fmt.Errorf("%w: the file has no data", errNoHeader)
}

func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// foldKey folds a header title or a code-map key for tolerant comparison:
// case, ё/е, surrounding and repeated spaces (including non-breaking ones),
// invisible format characters (a BOM, a zero-width space, a soft hyphen)
// and a trailing colon or asterisk («Фамилия*:») do not matter.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r) || r == '\u00a0' || r == '_':
			space = true
			continue
		case r >= 0x80 && unicode.Is(unicode.Cf, r):
			continue
		case r == 'ё' || r == 'Ё':
			r = 'е'
		default:
			r = unicode.ToLower(r)
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), ":* ")
}
