package reader

import (
	"math"
	"strconv"
	"strings"
)

// What a number cell shows depends on its style: the cell's s attribute
// picks an entry of the styles part's cellXfs, whose numFmtId is a
// built-in number format or one of the workbook's own (numFmts). A date
// is a number (days since 1900 or 1904) in a cell formatted as a date, so
// the reader tells such a cell by its format and returns the date it
// shows as dd.mm.yyyy (with the time when the format shows one): what the
// clerk sees, and what the report shows. Any other number comes back as
// the number it stores, so downstream a bare number is never a date.

// dateShow says what a number format shows of a date.
type dateShow uint8

const (
	showNumber   dateShow = iota // not a date format
	showDate                     // the day only
	showDateTime                 // the day and the time
	showTime                     // the time only
)

// cellStyles holds, per cellXfs entry, what its number format shows.
type cellStyles []dateShow

// of returns what a cell with style index s shows; a style the workbook
// does not define is the default, General.
func (c cellStyles) of(s int) dateShow {
	if s < 0 || s >= len(c) {
		return showNumber
	}
	return c[s]
}

// builtinDateShow is what the built-in number formats (ECMA-376 §18.8.30)
// show of a date: 14–17 a date (14 is the short date of the locale, the
// one Russian Excel writes for dd.mm.yyyy), 22 a date and time, 18–21 and
// 45–47 a time. 27–36 and 50–58 are East Asian date and time formats whose
// meaning depends on the locale; they are taken as dates.
func builtinDateShow(id int) dateShow {
	switch {
	case id >= 14 && id <= 17:
		return showDate
	case id == 22:
		return showDateTime
	case id >= 18 && id <= 21, id >= 45 && id <= 47:
		return showTime
	case id >= 27 && id <= 36, id >= 50 && id <= 58:
		return showDate
	}
	return showNumber
}

// formatDateShow reads a custom format code: it shows a date when its
// first section has a day, month or year token (d, m, y) outside quoted
// text, escaped characters and [brackets] (colours, locales, conditions);
// an m next to an h or an s is minutes, not a month, and an elapsed time
// in brackets ([h], [mm]) is a time.
func formatDateShow(code string) dateShow {
	if i := sectionEnd(code); i >= 0 {
		code = code[:i]
	}
	// The letters of the tokens, the others dropped.
	var letters []byte
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
			letters = append(letters, ' ')
			continue
		case '\\', '_', '*': // an escaped character, a space as wide as one, a fill
			i++
			letters = append(letters, ' ')
			continue
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+j])
			i += j
			if inner != "" && strings.Trim(inner, "hms") == "" {
				letters = append(letters, 'h') // an elapsed time: [h], [mm], [ss]
			} else {
				letters = append(letters, ' ')
			}
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		letters = append(letters, c)
	}
	s := string(letters)
	s = strings.ReplaceAll(s, "am/pm", " ")
	s = strings.ReplaceAll(s, "a/p", " ")
	s = strings.ReplaceAll(s, "general", " ")
	date, clock := false, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'y', 'd':
			date = true
		case 'h', 's':
			clock = true
		case 'm':
			j := i
			for j < len(s) && s[j] == 'm' {
				j++
			}
			if minutesAt(s, i, j) {
				clock = true
			} else {
				date = true
			}
			i = j - 1
		}
	}
	switch {
	case date && clock:
		return showDateTime
	case date:
		return showDate
	case clock:
		return showTime
	}
	return showNumber
}

// sectionEnd returns where the first section of a format code ends (an
// unquoted, unescaped ";"), or -1.
func sectionEnd(code string) int {
	quoted := false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && !quoted:
			i++
		case c == ';' && !quoted:
			return i
		}
	}
	return -1
}

// minutesAt reports whether the run of m at s[i:j] stands for minutes:
// the token before it (past separators) is an hour, or the token after it
// a second.
func minutesAt(s string, i, j int) bool {
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	k := i - 1
	for k >= 0 && !isLetter(s[k]) {
		k--
	}
	if k >= 0 && s[k] == 'h' {
		return true
	}
	k = j
	for k < len(s) && !isLetter(s[k]) {
		k++
	}
	return k < len(s) && s[k] == 's'
}

type xmlStyleSheet struct {
	NumFmts []struct {
		ID   string `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	CellXfs []struct {
		NumFmtID string `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// readStyles reads which cell styles show a date. A workbook without a
// styles part shows every number as a number.
func (b *xlsxBook) readStyles(name string) error {
	var ss xmlStyleSheet
	if err := b.decodePart(name, &ss); err != nil {
		return err
	}
	custom := make(map[int]dateShow, len(ss.NumFmts))
	for _, f := range ss.NumFmts {
		if id, err := strconv.Atoi(strings.TrimSpace(f.ID)); err == nil {
			custom[id] = formatDateShow(f.Code)
		}
	}
	b.styles = make(cellStyles, len(ss.CellXfs))
	for i, xf := range ss.CellXfs {
		id, err := strconv.Atoi(strings.TrimSpace(xf.NumFmtID))
		if err != nil {
			continue // General
		}
		if show, ok := custom[id]; ok {
			b.styles[i] = show
		} else {
			b.styles[i] = builtinDateShow(id)
		}
	}
	return nil
}

type xmlAppProps struct {
	Application string `xml:"Application"`
}

// readApp reads the name of the program that saved the workbook, as its
// extended properties give it ("Microsoft Excel", "LibreOffice/7.6…").
func (b *xlsxBook) readApp(name string) error {
	var app xmlAppProps
	if err := b.decodePart(name, &app); err != nil {
		return err
	}
	b.app = strings.TrimSpace(app.Application)
	return nil
}

// Excel's date serials: day 1 is 1900-01-01 in the 1900 system (with the
// fictitious 29 February 1900 as day 60, kept from Lotus 1-2-3), and
// 1904-01-02 in the 1904 system. 9999-12-31 is the last day Excel shows.
const (
	serialMax1900 = 2958465
	serialMax1904 = serialMax1900 - 1462
)

// appendSerialDate appends what a date-formatted cell holding serial shows,
// as dd.mm.yyyy, "dd.mm.yyyy hh:mm:ss" or "hh:mm:ss", the time rounded to
// the second as Excel shows it. ok is false for a value Excel cannot show
// as a date (negative, beyond 9999, not a number): the cell is then a number.
func appendSerialDate(dst []byte, v string, date1904 bool, show dateShow) ([]byte, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	max := float64(serialMax1900)
	if date1904 {
		max = serialMax1904
	}
	if err != nil || f < 0 || f >= max+1 || math.IsNaN(f) {
		return dst, false
	}
	secs := int64(math.Round(f * 86400))
	days, rest := int(secs/86400), int(secs%86400)
	if show != showTime {
		y, m, d := serialDay(days, date1904)
		dst = appendTwoDigits(dst, d)
		dst = append(dst, '.')
		dst = appendTwoDigits(dst, m)
		dst = append(dst, '.')
		dst = strconv.AppendInt(dst, int64(y), 10)
	}
	if show == showDateTime || show == showTime {
		if show == showDateTime {
			dst = append(dst, ' ')
		}
		dst = appendTwoDigits(dst, rest/3600)
		dst = append(dst, ':')
		dst = appendTwoDigits(dst, rest/60%60)
		dst = append(dst, ':')
		dst = appendTwoDigits(dst, rest%60)
	}
	return dst, true
}

// serialDay returns the calendar day of a serial day number as Excel shows
// it: in the 1900 system day 0 is 00.01.1900 and day 60 the 29.02.1900
// that never was.
func serialDay(days int, date1904 bool) (y, m, d int) {
	if date1904 {
		return civil(days + daysFrom1900To1904)
	}
	switch {
	case days == 0:
		return 1900, 1, 0
	case days == 60:
		return 1900, 2, 29
	case days < 60:
		return civil(days - 1)
	}
	return civil(days - 2)
}

// daysFrom1900To1904 is 1904-01-01 counted in days from 1900-01-01.
const daysFrom1900To1904 = 1460

// civil returns the date n days after 1900-01-01 (Howard Hinnant's
// days-to-civil algorithm, shifted to that epoch).
func civil(n int) (y, m, d int) {
	z := n + 693901 // days from 0000-03-01 to 1900-01-01 is 693901
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
		y++
	}
	return y, m, d
}

func appendTwoDigits(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}
