package convert

import (
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/mip"
)

// Excel serial day numbers we accept: 1 is 1900-01-01, 2958465 is
// 9999-12-31 (Excel's own upper limit; 2957003 in the 1904 system).
const (
	excelSerialMin = 1
	excelSerialMax = 2958465
)

var (
	errDateShape     = valueErr("не похоже на дату: ожидается дд.мм.гггг")
	errDateTwoDigits = valueErr("год указан двумя цифрами — укажите год полностью (дд.мм.гггг)")
	errDateSerial    = valueErr("число вне диапазона дат Excel")
	errDateYearOnly  = valueErr("указан только год — нужна полная дата")
)

// Serials says what a bare number in a date column is. A spreadsheet
// keeps a date as a number of days, but a cell formatted as a date comes
// from the reader as the date it shows; a bare number is a number the
// clerk typed («010385», which Excel keeps as 10385), or a CSV's digits,
// and reading it as a day count would send a date nobody typed. Only the
// mapping can say that a column holds day numbers (excel_serial: true).
type Serials uint8

// The ways to read a bare number in a date column.
const (
	NoSerials   Serials = iota // a bare number is not a date: refused
	Serials1900                // an Excel serial day number, 1900 date system
	Serials1904                // an Excel serial day number, 1904 date system (old Excel for Mac)
)

// Date reads a date cell.
//
// Accepted forms, after trimming (NBSP and tabs included):
//   - the Go time layouts in layouts, tried first in order (e.g.
//     "02/01/2006", or "20060102" for a compact yyyymmdd); the built-in
//     forms below are tried when none matches;
//   - dd.mm.yyyy and d.m.yyyy (also with "/" or "-" between the parts, always
//     day first, and an optional trailing "г." / "г");
//   - yyyy-mm-dd (also yyyy.mm.dd and yyyy/mm/dd);
//   - any of the above followed by a time part after a space or "T", which is
//     ignored ("01.02.1990 0:00:00", "1990-02-01 00:00:00.000",
//     "1990-02-01T00:00:00Z");
//   - with serials set, an Excel serial day number, integer or with a
//     fraction ("32905", "32905.0", "32905,5"), 1…2958465 (…2957003 in the
//     1904 system), converted like excelize.ExcelDateToTime (1900 system
//     with Excel's 29.02.1900 quirk, or the 1904 system).
//
// Rejected: a bare number without serials («в ячейке число 10385, а не
// дата…»), two-digit years («год указан двумя цифрами…»), impossible dates
// («такой даты нет в календаре»), years before 1900, a bare year with
// serials ("1990", which would otherwise read as serial day 1990 =
// 1905-06-12), and anything else. The date is not compared with today:
// see NotFuture.
func Date(s string, layouts []string, serials Serials) (mip.Date, string, error) {
	t := trim(s)
	if t == "" {
		return mip.Date{}, "", nil
	}
	for _, layout := range layouts {
		if tm, err := time.Parse(layout, t); err == nil {
			d := mip.DateOf(tm)
			if d.Year < 1900 {
				return mip.Date{}, "", errDateBefore1900(d.Year)
			}
			return d, "", nil
		}
	}

	datePart, ok := splitDateTime(t)
	if !ok {
		return mip.Date{}, "", errDateShape
	}
	if serial, isNum := excelSerialText(datePart); isNum {
		if serials == NoSerials {
			return mip.Date{}, "", errNotADate(datePart)
		}
		d, err := dateFromSerial(datePart, serial, serials == Serials1904)
		return d, "", err
	}
	d, err := parseDateParts(datePart)
	return d, "", err
}

// errNotADate says a date column holds a bare number: what the cell held,
// why it is not used, what to do.
func errNotADate(number string) error {
	return valueErr("в ячейке число " + number + ", а не дата — введите дату полностью (дд.мм.гггг)")
}

// splitDateTime cuts a trailing time part ("0:00:00", "00:00:00.000Z") and
// a trailing "г." off t. It fails when the remainder after the date is not
// a time.
func splitDateTime(t string) (string, bool) {
	cut := -1
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ' ' || c == 'T' || c == '\t' {
			cut = i
			break
		}
		if c >= 0x80 {
			// NBSP or another blank inside the cell.
			cut = i
			break
		}
	}
	if cut < 0 {
		return t, true
	}
	date, rest := t[:cut], trim(t[cut:])
	if rest != "" && rest[0] == 'T' {
		rest = rest[1:]
	}
	// "1990 г." and "01.02.1990г" — the Russian abbreviation of "year".
	if rest == "г." || rest == "г" || rest == "г.," {
		return date, true
	}
	if rest == "" {
		return date, true
	}
	// A time part: starts with a digit and has h:mm.
	if !isASCIIDigit(rest[0]) || !strings.Contains(rest, ":") {
		return "", false
	}
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9', r == ':', r == '.', r == ',', r == '+', r == '-', r == 'Z', r == ' ':
		case r == 'A' || r == 'P' || r == 'M' || r == 'a' || r == 'p' || r == 'm':
		default:
			return "", false
		}
	}
	return date, true
}

// excelSerialText reports whether t is a bare number: digits with an
// optional fractional part after "." or ","; the value is its serial day
// number (0 when it is too long to be one).
func excelSerialText(t string) (float64, bool) {
	i := 0
	for i < len(t) && isASCIIDigit(t[i]) {
		i++
	}
	if i == 0 {
		return 0, false
	}
	if i > 9 {
		if strings.Trim(t[i:], ".,0123456789") != "" || strings.Count(t[i:], ".")+strings.Count(t[i:], ",") > 1 {
			return 0, false
		}
		return float64(excelSerialMax) + 1, true // out of range, but a number
	}
	intPart := t[:i]
	if i < len(t) {
		if t[i] != '.' && t[i] != ',' {
			return 0, false
		}
		for j := i + 1; j < len(t); j++ {
			if !isASCIIDigit(t[j]) {
				return 0, false
			}
		}
	}
	n, err := strconv.Atoi(intPart)
	if err != nil {
		return 0, false
	}
	f := float64(n)
	if i+1 < len(t) {
		frac, err := strconv.ParseFloat("0."+t[i+1:], 64)
		if err == nil {
			f += frac
		}
	}
	return f, true
}

// dateFromSerial converts an Excel serial day number (the text tells a
// bare year).
func dateFromSerial(text string, serial float64, date1904 bool) (mip.Date, error) {
	intLen := strings.IndexAny(text, ".,")
	if intLen < 0 {
		intLen = len(text)
	}
	if intLen == 4 && serial >= 1900 && serial <= 2100 && serial == float64(int(serial)) {
		return mip.Date{}, errDateYearOnly
	}
	max := float64(excelSerialMax)
	if date1904 {
		max -= 1462 // the 1904 system counts from 1904-01-01: 9999-12-31 comes earlier
	}
	if serial < excelSerialMin || serial >= max+1 {
		return mip.Date{}, errDateSerial
	}
	if !date1904 && int(serial) == 60 {
		// Excel's fictitious 29.02.1900 (the Lotus 1-2-3 leap-year bug).
		return mip.Date{}, valueErr("такой даты нет: 29.02.1900")
	}
	tm, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return mip.Date{}, errDateSerial
	}
	d := mip.DateOf(tm)
	if d.Year < 1900 {
		return mip.Date{}, errDateBefore1900(d.Year)
	}
	return d, nil
}

// parseDateParts reads three numeric groups separated by ".", "/" or "-":
// year first when the first group has four digits, day first otherwise.
func parseDateParts(t string) (mip.Date, error) {
	var parts [3]string
	n := 0
	start := 0
	var sep byte
	for i := 0; i <= len(t); i++ {
		if i < len(t) && isASCIIDigit(t[i]) {
			continue
		}
		if i < len(t) {
			c := t[i]
			if c != '.' && c != '/' && c != '-' {
				return mip.Date{}, errDateShape
			}
			if sep == 0 {
				sep = c
			} else if c != sep {
				return mip.Date{}, errDateShape
			}
		}
		if n == 3 || i == start {
			return mip.Date{}, errDateShape
		}
		parts[n] = t[start:i]
		n++
		start = i + 1
	}
	if n != 3 {
		return mip.Date{}, errDateShape
	}
	var y, m, d int
	switch {
	case len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2:
		y, m, d = atoiSmall(parts[0]), atoiSmall(parts[1]), atoiSmall(parts[2])
	case len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 4:
		d, m, y = atoiSmall(parts[0]), atoiSmall(parts[1]), atoiSmall(parts[2])
	case len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 2:
		return mip.Date{}, errDateTwoDigits
	default:
		return mip.Date{}, errDateShape
	}
	return checkedDate(y, m, d)
}

// atoiSmall converts up to four ASCII digits (already checked).
func atoiSmall(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// checkedDate builds the date and rejects impossible ones and years < 1900.
func checkedDate(y, m, d int) (mip.Date, error) {
	date, ok := mip.NewDate(y, time.Month(m), d)
	if !ok || m < 1 || m > 12 {
		return mip.Date{}, errNoSuchDate
	}
	if y < 1900 {
		return mip.Date{}, errDateBefore1900(y)
	}
	return date, nil
}

func errDateBefore1900(y int) error {
	return errBefore1900
}

// Messages about a date that reads carry no value: they are kept in the
// state's audit trail and a date of birth is personal data; the report
// shows the cell beside them. A bare number that is not a date is quoted
// (errNotADate), as the clerk must see what the cell held.
var (
	errNoSuchDate = valueErr("такой даты нет в календаре (проверьте день и месяц)")
	errBefore1900 = valueErr("год раньше 1900")
	errFuture     = valueErr("дата в будущем")
)

func appendTwo(b []byte, v int) []byte {
	if v >= 0 && v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// NotFuture returns an error when d is after today (a birthday or an
// issue date cannot be in the future). An absent date is fine. The mapper
// passes today from its clock so that tests stay deterministic.
func NotFuture(d mip.Date, today mip.Date) error {
	if d.IsZero() || today.IsZero() || !today.Before(d) {
		return nil
	}
	return errFuture
}
