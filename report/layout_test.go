package report

import (
	"strings"
	"testing"
)

func TestTextWidth(t *testing.T) {
	for _, c := range []struct {
		s    string
		want float64
	}{
		{"", 0},
		{"0123456789", 10}, // the unit is the digit
		{"ш", 29.0 / 20},
		{"12\n1234\n1", 4}, // the widest line
		{"\t", 0},
	} {
		if got := textWidth(c.s); got != c.want {
			t.Errorf("textWidth(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	if textWidth("Ш") <= textWidth("г") || textWidth("i") >= textWidth("m") {
		t.Error("letters are not told apart by width")
	}
	if textWidth("中") != float64(wideWidth)/20 || textWidth("Ё") != textWidth("Е") {
		t.Error("characters outside the tables")
	}
}

func TestWrappedLines(t *testing.T) {
	digits := func(n int) string { return strings.Repeat("0", n) }
	for _, c := range []struct {
		s     string
		width float64
		want  int
	}{
		{"", 10, 1},
		{"short", 30, 1},
		{digits(9), 9 + cellPadding, 1},        // fills the line exactly
		{digits(10), 9 + cellPadding, 2},       // one digit too many: broken
		{digits(10) + " " + digits(10), 12, 2}, // wraps at the space
		{digits(10) + " " + digits(10), 22, 1},
		{digits(30), 10 + cellPadding, 3}, // a long word broken at the edge
		{"a\nb\nc", 50, 3},                // every line feed starts a line
		{"a\n\nc", 50, 3},
		{digits(5) + " " + digits(30), 10 + cellPadding, 4}, // the long word starts a new line
		{"x", 0.1, 1},                                       // a column narrower than a character
	} {
		if got := wrappedLines(c.s, c.width, 1); got != c.want {
			t.Errorf("wrappedLines(%q, %v) = %d, want %d", c.s, c.width, got, c.want)
		}
	}
	// Bold text takes more room.
	if wrappedLines(digits(10), 10+cellPadding, 1) != 1 || wrappedLines(digits(10), 10+cellPadding, boldWidth) != 2 {
		t.Error("bold text is not measured wider")
	}
}

// TestWrappedLinesCoverText checks the estimate against the texts the
// report shows: every line the count allows holds at most a column's room,
// so the row is high enough whatever the breaks.
func TestWrappedLinesCoverText(t *testing.T) {
	msg := "Предупреждение. Номер полиса: номер полиса восстановлен: таблица сохранила его числом из 15 цифр, " +
		"последняя цифра вычислена — сверьте с документом (столбец \"Полис ОМС\")"
	for _, width := range []float64{12, 20, 34, 50} {
		lines := wrappedLines(msg, width, 1)
		if room := float64(lines) * (width - cellPadding); room < textWidth(msg) {
			t.Errorf("width %v: %d lines hold %.1f digits, the text is %.1f", width, lines, room, textWidth(msg))
		}
		if lines > int(textWidth(msg)/(width-cellPadding))*2+1 {
			t.Errorf("width %v: %d lines, far more than the text needs", width, lines)
		}
	}
}

func TestRowHeight(t *testing.T) {
	for lines, want := range map[int]float64{0: 0, 1: 0, 2: 30, 4: 60, 27: 405, 28: 409, 1000: 409} {
		if got := rowHeight(lines); got != want {
			t.Errorf("rowHeight(%d) = %v, want %v", lines, got, want)
		}
	}
}

func TestFitWidth(t *testing.T) {
	for _, c := range []struct{ text, least, most, want float64 }{
		{0, 4, 30, 4},
		{10, 4, 30, 11},   // 10 digits and the padding, rounded up
		{10.2, 4, 30, 11}, // 10.95
		{100, 4, 30, 30},
	} {
		if got := fitWidth(c.text, c.least, c.most); got != c.want {
			t.Errorf("fitWidth(%v, %v, %v) = %v, want %v", c.text, c.least, c.most, got, c.want)
		}
	}
}
