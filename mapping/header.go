package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"mipimport/mapping/reader"
)

// ErrNoHeader is returned when no header row can be found.
var ErrNoHeader = errors.New("no header row found")

// Header is the located header row of a table.
type Header struct {
	Line   int      // 1-based row number of the header (of its column titles)
	Titles []string // the column titles as the mapping names them
	// A report export may carry a two-row header: group titles merged over
	// their columns («ФИО пациента» over Фамилия / Имя / Отчество, «Полис
	// ОМС» over Серия / Номер) in row GroupLine, the columns' own titles in
	// row Line. A column under a group is titled «group / own»; a column
	// whose title spans both rows has the group row's text. Groups and Own
	// are per column (nil for a one-row header).
	GroupLine int
	Groups    []string // the group title over each column ("" none)
	Own       []string // each column's own title in row Line
	// rows are the header's rows as read (the group row first), to
	// recognise the header repeated at page breaks.
	rows [][]string
}

// maxHeaderSearch is how many non-blank rows are examined to find the header.
const maxHeaderSearch = 30

// headerRow is a row read while looking for the header.
type headerRow struct {
	line  int
	cells []string
}

// findHeader reads rows until the header: the row given by line (> 0), or
// the first of the leading rows in which at least two cells are known
// header titles (a title row such as «Список пациентов» stands above it).
// When the row right below it holds the titles of columns merged under
// group titles (empty cells of the found row above them), or the found row
// itself is such a row under a row of group titles, the two make one
// header. known reports whether a folded cell text names a column the
// caller wants. The rows of the header are consumed; a row read ahead that
// is not part of it is returned as pending, for the caller to take before
// the table's next row (the table is not wrapped: what the reader says of
// the row it returned last still holds for it).
func findHeader(t reader.Table, line int, known func(folded string) bool) (Header, *headerRow, error) {
	var prev *headerRow
	var fallback *headerRow
	seen := 0
	for {
		n, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Header{}, nil, err
		}
		if line > 0 {
			if n == line {
				return finishHeader(t, prev, headerRow{n, cells}, false)
			}
			if n > line {
				break
			}
			if !isBlank(cells) {
				prev = &headerRow{n, cells}
			} else {
				prev = nil
			}
			continue
		}
		if isBlank(cells) {
			prev = nil
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
			return finishHeader(t, prev, headerRow{n, cells}, true)
		}
		if fallback == nil && filled >= 2 {
			fallback = &headerRow{n, cells}
		}
		prev = &headerRow{n, cells}
		if seen >= maxHeaderSearch {
			break
		}
	}
	if line > 0 {
		return Header{}, nil, fmt.Errorf("%w: the file has no row %d", ErrNoHeader, line)
	}
	if fallback != nil {
		hint := ""
		if enc, comma, ok := reader.CSVFormat(t); ok {
			// Garbled titles are the usual cause in a CSV file.
			hint = fmt.Sprintf("; if the titles are there, the text may be read with the wrong encoding or delimiter (read as %s, delimiter %q): set encoding: and delimiter: in the mapping", enc, comma)
		}
		return Header{}, nil, fmt.Errorf("%w: none of the first %d rows has two recognised column titles (the first filled row is %d); set header_row in the mapping%s", ErrNoHeader, maxHeaderSearch, fallback.line, hint)
	}
	return Header{}, nil, fmt.Errorf("%w: the file has no data", ErrNoHeader)
}

// finishHeader decides whether the found row r makes a two-row header with
// the row above it (prev) or, when lookAhead, with the row below it.
func finishHeader(t reader.Table, prev *headerRow, r headerRow, lookAhead bool) (Header, *headerRow, error) {
	if prev != nil && isGroupRow(prev.cells, r.cells) {
		return twoRowHeader(*prev, r), nil, nil
	}
	var pending *headerRow
	if lookAhead {
		n, cells, err := t.Next()
		switch {
		case errors.Is(err, io.EOF):
		case err != nil:
			return Header{}, nil, err
		case n == r.line+1 && isGroupRow(r.cells, cells):
			return twoRowHeader(r, headerRow{n, cells}), nil, nil
		default:
			pending = &headerRow{n, cells}
		}
	}
	return Header{Line: r.line, Titles: r.cells, rows: [][]string{r.cells}}, pending, nil
}

// isGroupRow reports whether up is a row of group titles over the column
// titles low: up is title-like (two filled cells or more, none with four
// digits or more: a title row «Список на 01.11.2026» is not), some column
// under a group has its own title in low where up is empty (a merged cell
// spans it), and low reads as titles: at least two of its cells are known
// titles, alone or with their group, and they are at least half of its
// filled cells (a data row is not).
func isGroupRow(up, low []string) bool {
	filled := 0
	for _, c := range up {
		if strings.TrimSpace(c) == "" {
			continue
		}
		filled++
		if digitRun(c) >= 4 {
			return false
		}
	}
	if filled < 2 {
		return false
	}
	groups := carryGroups(up, len(low))
	spanned := false
	for i, c := range low {
		if strings.TrimSpace(c) != "" && i < len(up) && strings.TrimSpace(up[i]) == "" && groups[i] != "" {
			spanned = true
		}
	}
	if !spanned {
		return false
	}
	lowFilled, lowKnown := 0, 0
	for i, c := range low {
		if strings.TrimSpace(c) == "" {
			continue
		}
		lowFilled++
		if digitRun(c) >= 4 {
			return false
		}
		if knownTitle(c) || (groups[i] != "" && knownUnder(groups[i], c)) {
			lowKnown++
		}
	}
	return lowKnown >= 2 && 2*lowKnown >= lowFilled
}

// carryGroups returns, for each of n columns, the group title over it: a
// filled cell of the group row carried rightwards over the empty cells
// after it (the cells a merged group title spans).
func carryGroups(up []string, n int) []string {
	out := make([]string, max(n, len(up)))
	cur := ""
	for i := range out {
		if i < len(up) && strings.TrimSpace(up[i]) != "" {
			cur = strings.TrimSpace(up[i])
		}
		out[i] = cur
	}
	return out
}

// twoRowHeader joins a group row and the row of column titles under it.
func twoRowHeader(up, low headerRow) Header {
	groups := carryGroups(up.cells, len(low.cells))
	n := len(groups)
	h := Header{Line: low.line, GroupLine: up.line, Titles: make([]string, n), Groups: make([]string, n), Own: make([]string, n),
		rows: [][]string{up.cells, low.cells}}
	for i := 0; i < n; i++ {
		own := ""
		if i < len(low.cells) {
			own = strings.TrimSpace(low.cells[i])
		}
		orig := ""
		if i < len(up.cells) {
			orig = strings.TrimSpace(up.cells[i])
		}
		switch {
		case own != "" && groups[i] != "":
			h.Titles[i], h.Groups[i], h.Own[i] = groups[i]+" / "+own, groups[i], own
		case own != "":
			h.Titles[i], h.Own[i] = own, own
		case orig != "":
			h.Titles[i] = orig // a title merged down over both rows
		}
	}
	return h
}

// digitRun returns the length of the longest run of digits in s.
func digitRun(s string) int {
	best, cur := 0, 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
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
