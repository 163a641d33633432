package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"mipimport/mapping/reader"
)

// errNoHeader is returned when no header row can be found.
var errNoHeader = errors.New("no header row found")

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
func FindHeader(t reader.Table, line int, known func(folded string) bool) (Header, error) {
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
		if enc, comma, ok := reader.CSVFormat(t); ok {
			// Garbled titles are the usual cause in a CSV file.
			hint = fmt.Sprintf("; if the titles are there, the text may be read with the wrong encoding or delimiter (read as %s, delimiter %q): set encoding: and delimiter: in the mapping", enc, comma)
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
