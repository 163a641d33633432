package report

import (
	"math"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A spreadsheet keeps a column's width in "characters" (widths of the digit
// 0 in the workbook's font) and a row's height in points. Neither Excel nor
// LibreOffice reliably fits a row to its wrapped text when it opens a file,
// so the report estimates both from the text it writes: a row whose
// messages take four lines is written four lines high.

// Glyph widths in twentieths of the digit 0, each the larger of two fonts'
// relative to their own digit: Carlito, the metric twin of Calibri (the
// workbook's font in Excel, and in LibreOffice where Carlito is installed),
// and DejaVu Sans, what LibreOffice falls back to without either. Text
// measured with them takes no more room than estimated in either font.
var (
	// U+0020 to U+007E.
	asciiWidths = [...]uint8{
		10, 13, 16, 27, 20, 30, 27, 9, 13, 13, 20, 27, 10, 13, 10, 16, // space to /
		20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 11, 11, 27, 27, 27, 19, // 0 to ?
		36, 23, 22, 22, 25, 20, 19, 25, 25, 10, 13, 21, 18, 34, 26, 27, // @ to O
		21, 27, 22, 20, 20, 26, 23, 36, 22, 20, 22, 13, 16, 13, 27, 20, // P to _
		16, 20, 21, 18, 21, 20, 13, 20, 21, 10, 10, 19, 10, 32, 21, 21, // ` to o
		21, 21, 14, 17, 14, 21, 19, 29, 19, 19, 17, 20, 19, 20, 27, // p to ~
	}
	// U+0410 to U+044F: А to я.
	cyrillicWidths = [...]uint8{
		23, 22, 22, 20, 26, 20, 34, 21, 26, 26, 23, 25, 34, 25, 27, 25, // А to П
		21, 22, 20, 21, 28, 22, 26, 22, 35, 36, 27, 31, 22, 22, 35, 22, // Р to Я
		20, 22, 19, 17, 23, 20, 29, 17, 22, 22, 19, 21, 27, 22, 21, 21, // а to п
		21, 18, 19, 19, 27, 19, 22, 19, 29, 30, 23, 27, 19, 18, 29, 19, // р to я
	}
)

// Widths of the characters outside those tables: «№» (in titles such as
// «№ п/п»), a character of the East Asian scripts or an emoji (two
// digits), and any other (no wider than the widest letters, Ш and Щ).
// maxWidth is the widest of all.
const (
	numeroWidth = 41
	wideWidth   = 40
	otherWidth  = 36
	maxWidth    = numeroWidth
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
	case r == '№':
		return numeroWidth
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

// boldWidth is how much wider bold text is, against the regular font's
// digit (Carlito Bold: a twentieth; DejaVu Sans Bold: a tenth).
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
	// Most cells hold a few words that fit on one line.
	if oneLine(s, room) {
		return 1
	}
	lines := 0
	space := runeWidth(' ')
	for para := range strings.SplitSeq(s, "\n") {
		lines++
		used := 0 // width taken on the current line
		first := true
		for word := range strings.SplitSeq(para, " ") {
			w := 0
			for _, r := range word {
				w += runeWidth(r)
			}
			gap := space
			if first {
				gap, first = 0, false
			}
			switch {
			case used+gap+w <= room:
				used += gap + w
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

// oneLine reports whether s has no line feed and fits in room twentieths.
func oneLine(s string, room int) bool {
	if len(s)*maxWidth <= room { // even at the widest (a rune takes a byte or more)
		return !strings.Contains(s, "\n")
	}
	w := 0
	for _, r := range s {
		if w += runeWidth(r); w > room || r == '\n' {
			return false
		}
	}
	return true
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
