package mapping

import (
	"strconv"
	"strings"
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

// noise recognises the rows of one table that hold no patient.
type noise struct {
	header [][]string // the header's rows, folded
}

func newNoise(h Header) *noise {
	n := &noise{}
	rows := h.rows
	if rows == nil {
		rows = [][]string{h.Titles}
	}
	for _, r := range rows {
		f := make([]string, len(r))
		for i, c := range r {
			f[i] = foldKey(c)
		}
		n.header = append(n.header, f)
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
// header's rows, and the row fills at least two cells and half the titles.
func (n *noise) repeatsHeader(cells []string, first int) bool {
	for _, h := range n.header {
		if first >= len(h) || h[first] == "" || foldKey(cells[first]) != h[first] {
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
			if strings.TrimSpace(c) == "" {
				continue
			}
			if i >= len(h) || foldKey(c) != h[i] {
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

// isTotals: the row's first filled cell starts with «Итого», «Всего», «Итог»
// or «Total» as a word («Итого: 3 пациента»; not «Итогова»).
func isTotals(cell string) bool {
	w := splitTitle(cell)
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "итого", "всего", "итог", "total", "totals":
		return true
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
		v, err := strconv.Atoi(strings.TrimSuffix(c, ".0"))
		if err != nil || v != want {
			return false
		}
		want++
	}
	return want > 3
}
