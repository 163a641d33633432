package mapping

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rows of a report export that hold no patient: the header repeated at each
// page break, a row numbering the columns (1, 2, 3 … under the header), a
// totals row («Итого», «Всего: 30 пациентов»). Source skips them: they are
// not patients with errors, so they change neither the counts nor the exit
// code; each is named, with its row number, in the summary and the log.

// The reasons a row is skipped, as the clerk reads them.
const (
	NoiseRepeatedHeader = "повтор заголовка"
	NoiseColumnNumbers  = "номера столбцов"
	NoiseTotals         = "итоговая строка"
)

// noise recognises the rows of one table that hold no patient. It runs on
// every row, so it compares without allocating.
type noise struct {
	header [][]string // the header's rows, trimmed
}

func newNoise(h Header) *noise {
	n := &noise{}
	rows := h.rows
	if rows == nil {
		rows = [][]string{h.Titles}
	}
	for _, r := range rows {
		t := make([]string, len(r))
		for i, c := range r {
			t[i] = strings.TrimSpace(c)
		}
		n.header = append(n.header, t)
	}
	return n
}

// kind returns why a non-blank row holds no patient, or "".
func (n *noise) kind(cells []string) string {
	if n == nil {
		return ""
	}
	first := -1
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return ""
	}
	if n.repeatsHeader(cells, first) {
		return NoiseRepeatedHeader
	}
	if isTotals(cells[first]) {
		return NoiseTotals
	}
	if numbersColumns(cells) {
		return NoiseColumnNumbers
	}
	return ""
}

// repeatsHeader: every filled cell is the title of its column in one of the
// header's rows (as written, but for case and surrounding spaces), and the
// row fills at least two cells and half the titles.
func (n *noise) repeatsHeader(cells []string, first int) bool {
	for _, h := range n.header {
		if first >= len(h) || h[first] == "" || !strings.EqualFold(strings.TrimSpace(cells[first]), h[first]) {
			continue // the cheap test: a data row's first cell is not a title
		}
		same, titles := 0, 0
		for _, t := range h {
			if t != "" {
				titles++
			}
		}
		ok := true
		for i, c := range cells {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			if i >= len(h) || !strings.EqualFold(c, h[i]) {
				ok = false
				break
			}
			same++
		}
		if ok && same >= 2 && 2*same >= titles {
			return true
		}
	}
	return false
}

// totalsWords start a totals row.
var totalsWords = []string{"итого", "всего", "итог", "total"}

// isTotals: the row's first filled cell starts with «Итого», «Всего», «Итог»
// or «Total» as a word («Итого: 3 пациента», «ВСЕГО»; not «Итогова»).
func isTotals(cell string) bool {
	c := strings.TrimSpace(cell)
	for _, w := range totalsWords {
		if len(c) < len(w) || !strings.EqualFold(c[:len(w)], w) {
			continue
		}
		if rest := c[len(w):]; rest == "" {
			return true
		} else if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// numbersColumns: the filled cells are 1, 2, 3 … in order, at least three,
// as report forms number their columns under the header.
func numbersColumns(cells []string) bool {
	want := 1
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		c = strings.TrimSuffix(c, ".0")
		if len(c) > 4 || strings.Trim(c, "0123456789") != "" {
			return false // strconv's error would allocate on every data row
		}
		if v, _ := strconv.Atoi(c); v != want {
			return false
		}
		want++
	}
	return want > 3
}
