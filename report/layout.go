package report

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// A spreadsheet keeps a column's width in "characters" (widths of the digit
// 0 in the workbook's font) and a row's height in points. Neither Excel nor
// LibreOffice reliably fits a row to its wrapped text when it opens a file,
// so the report estimates both from the text it writes: a row whose
// messages take four lines is written four lines high.

// Glyph widths in twentieths of the digit 0, of DejaVu Sans: where Calibri
// (the workbook's font) and its metric twin Carlito are missing, LibreOffice
// falls back to it. Relative to its digit it is wider than Calibri, so text
// measured with it takes no more room than estimated in either font.
var (
	// U+0020 to U+007E.
	asciiWidths = [...]uint8{
		10, 13, 15, 27, 20, 30, 25, 9, 13, 13, 16, 27, 10, 12, 10, 11, // space to /
		20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 11, 11, 27, 27, 27, 17, // 0 to ?
		32, 22, 22, 22, 25, 20, 19, 25, 24, 10, 10, 21, 18, 28, 24, 25, // @ to O
		19, 25, 22, 20, 20, 24, 22, 32, 22, 20, 22, 13, 11, 13, 27, 16, // P to _
		16, 20, 20, 18, 20, 20, 12, 20, 20, 9, 9, 19, 9, 31, 20, 20, // ` to o
		20, 20, 13, 17, 13, 20, 19, 26, 19, 19, 17, 20, 11, 20, 27, // p to ~
	}
	// U+0410 to U+044F: А to я.
	cyrillicWidths = [...]uint8{
		22, 22, 22, 20, 25, 20, 34, 21, 24, 24, 23, 24, 28, 24, 25, 24, // А to П
		19, 22, 20, 20, 28, 22, 25, 22, 34, 35, 27, 28, 22, 22, 34, 22, // Р to Я
		20, 20, 19, 17, 22, 20, 29, 17, 21, 21, 19, 21, 24, 21, 20, 21, // а to п
		20, 18, 19, 19, 27, 19, 22, 19, 29, 30, 23, 25, 19, 18, 27, 19, // р to я
	}
)

// otherWidth is the width of a character outside those tables: no wider
// than the widest letters (Ж, Ш, Щ) or «№»; wideWidth of a character of the
// East Asian scripts or an emoji, as wide as two digits.
const (
	otherWidth = 35
	wideWidth  = 40
)

// runeWidth is the width of r in twentieths of the digit 0.
func runeWidth(r rune) int {
	switch {
	case r >= 0x20 && r < 0x7f:
		return int(asciiWidths[r-0x20])
	case r >= 0x410 && r < 0x450:
		return int(cyrillicWidths[r-0x410])
	case r == 'Ё' || r == 'ё':
		return 20 // as Е and е
	case r < 0x20:
		return 0
	case r >= 0x2e80:
		return wideWidth
	}
	return otherWidth
}

// textWidth is the width of the widest line of s, in digits.
func textWidth(s string) float64 {
	widest, w := 0, 0
	for _, r := range s {
		if r == '\n' {
			widest, w = max(widest, w), 0
			continue
		}
		w += runeWidth(r)
	}
	return float64(max(widest, w)) / 20
}

// boldWidth is how much wider bold text is (DejaVu Sans Bold against
// DejaVu Sans: up to a tenth).
const boldWidth = 1.1

// cellPadding is the room a cell keeps between its text and its borders,
// in digits: Excel's 5 pixels at 100% are 0.7 of a digit of 11-point
// Calibri; LibreOffice keeps about half a digit.
const cellPadding = 0.75

// wrappedLines is how many lines s takes when wrapped in a column of width
// digits: the way Excel and LibreOffice wrap, at spaces, a word longer than
// a line broken where it reaches the edge. They also break after a hyphen,
// which can only save lines, so the count is never short. scale is 1, or
// boldWidth for bold text.
func wrappedLines(s string, width, scale float64) int {
	room := int(math.Floor((width - cellPadding) * 20 / scale))
	if room < 20 {
		room = 20 // at least a character a line
	}
	// Most cells hold a few characters on one line: no need to wrap them.
	if n := utf8.RuneCountInString(s); n*wideWidth <= room && !strings.Contains(s, "\n") {
		return 1
	}
	lines := 0
	for para := range strings.SplitSeq(s, "\n") {
		lines++
		used := 0 // width taken on the current line
		for i, word := range strings.Split(para, " ") {
			w := 0
			for _, r := range word {
				w += runeWidth(r)
			}
			space := 0
			if i > 0 {
				space = runeWidth(' ')
			}
			switch {
			case used+space+w <= room:
				used += space + w
			case w <= room:
				lines++
				used = w
			default: // broken character by character
				if used > 0 {
					lines++
				}
				used = 0
				for _, r := range word {
					rw := runeWidth(r)
					if used+rw > room && used > 0 {
						lines++
						used = 0
					}
					used += rw
				}
			}
		}
	}
	return lines
}

// lineHeight is the height of one line of text in points: Excel's default
// row height for its 11-point Calibri, a little more than LibreOffice needs
// for the same text in DejaVu Sans.
const lineHeight = 15.0

// rowHeight is the height, in points, of a row whose tallest cell takes
// lines lines; 0 for a single line, which the default height shows. A row
// is at most 409 points high, 27 lines: a spreadsheet allows no more.
func rowHeight(lines int) float64 {
	if lines <= 1 {
		return 0
	}
	return min(float64(lines)*lineHeight, excelize.MaxRowHeight)
}

// fitWidth is a column width that shows text of the given width on one line,
// at least least and at most most (longer text wraps).
func fitWidth(text, least, most float64) float64 {
	w := math.Ceil(text + cellPadding)
	return min(max(w, least), most)
}
