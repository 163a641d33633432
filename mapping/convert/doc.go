package convert

import (
	"strings"
	"unicode"
)

// F011 codes of the documents with a fixed series/number layout.
const (
	DocBirthCertificate = "3"  // свидетельство о рождении, выданное в РФ
	DocPassport         = "14" // паспорт гражданина РФ
)

var (
	errPassportDigits  = valueErr("серия и номер паспорта должны содержать 10 цифр: 4 цифры серии и 6 цифр номера")
	errPassportLetters = valueErr("в серии или номере паспорта есть буквы")
)

const (
	warnPassportPadded    = "ведущий ноль серии или номера паспорта восстановлен: значение было числом в таблице — проверьте"
	warnPassportSeven     = "номер паспорта из 7 цифр — проверьте"
	warnBirthSeries       = "серия свидетельства о рождении не похожа на образец IV-АГ (римские цифры, дефис, две русские буквы) — проверьте"
	warnBirthNumber       = "номер свидетельства о рождении должен содержать 6 цифр — проверьте"
	warnBirthNumberPadded = "ведущий ноль номера свидетельства о рождении восстановлен: значение было числом в таблице — проверьте"
)

// f011Names are the names of ФОМС F011 "Классификатор типов документов,
// удостоверяющих личность" (codes 1–18 from 2011, 21–24 from 2013). Codes
// 25 and 26 come from one public form script only (domain notes §3.1).
var f011Names = map[string]string{
	"1":  "Паспорт гражданина СССР",
	"2":  "Загранпаспорт гражданина СССР",
	"3":  "Свидетельство о рождении, выданное в Российской Федерации",
	"4":  "Удостоверение личности офицера",
	"5":  "Справка об освобождении из места лишения свободы",
	"6":  "Паспорт Минморфлота",
	"7":  "Военный билет",
	"8":  "Дипломатический паспорт гражданина Российской Федерации",
	"9":  "Паспорт иностранного гражданина",
	"10": "Свидетельство о регистрации ходатайства о признании иммигранта беженцем на территории Российской Федерации",
	"11": "Вид на жительство",
	"12": "Удостоверение беженца в Российской Федерации",
	"13": "Временное удостоверение личности гражданина Российской Федерации",
	"14": "Паспорт гражданина Российской Федерации",
	"15": "Заграничный паспорт гражданина Российской Федерации",
	"16": "Паспорт моряка",
	"17": "Военный билет офицера запаса",
	"18": "Иные документы",
	"21": "Документ иностранного гражданина",
	"22": "Документ лица без гражданства",
	"23": "Разрешение на временное проживание",
	"24": "Свидетельство о рождении, выданное не в Российской Федерации",
	"25": "Свидетельство о предоставлении временного убежища на территории Российской Федерации",
	"26": "Удостоверение сотрудника Евразийской экономической комиссии",
}

// DocumentTypeName returns the F011 name of an identity document type code
// ("14", also "14.0" from a numeric cell), or "" for an unknown code. Codes
// 25 and 26 are less certain than the others (domain notes §3.1).
func DocumentTypeName(code string) string {
	return f011Names[cleanCode(code)]
}

// Document cleans the series and number of an identity document
// for its F011 type code.
//
//   - "14", passport of a citizen: the 10 digits of series + number in any
//     of the usual forms — series "4506" / "45 06" / "45-06" and number
//     "123456"; the whole "4506 123456", "45 06 123456", "4506123456" or
//     "45-06 №123456" in the number column (series empty) or in the series
//     column (number empty); a number column that repeats the series. "№"
//     and "N" are ignored. The output is series "NN NN" and number "NNNNNN".
//     A numeric cell that lost a leading zero (9 digits in one column, a
//     3-digit series or a 5-digit number written without separators) is
//     left-padded with a warning; a separate 7-digit number (the F011 mask
//     allows it) is kept with a warning. Anything else is an error.
//   - "3", birth certificate issued in Russia: series "IV-АГ" — the Roman
//     part in Latin I V X L C (look-alikes 1 У Х Л С converted), a hyphen,
//     two capital Cyrillic letters (Latin look-alikes converted); "IV АГ",
//     "IVАГ", "iv-аг" are accepted. Number: 6 digits (5 from a numeric cell
//     are left-padded with a warning). The whole "IV-АГ № 123456" may stand in
//     one column. A malformed series or number is a warning, not an error:
//     it is returned trimmed as given.
//   - any other code: trimmed (inner white space collapsed); a number that
//     came as a float ("1234567.0") becomes its digits.
//
// sc and nc say where the series and the number came from: the leading
// zeros are restored only for a number (a number cell, or text that is a
// plain number), and a number shown in exponent form that lost digits is
// refused, as everywhere. Both parts empty: everything empty, no error.
func Document(typeCode, series, number string, sc, nc Cell) (outSeries, outNumber, warn string, err error) {
	ser, num := trim(series), trim(number)
	if ser == "" && num == "" {
		return "", "", "", nil
	}
	switch cleanCode(typeCode) {
	case DocPassport:
		return normalizePassport(ser, num, sc, nc)
	case DocBirthCertificate:
		s, n, w := normalizeBirthCertificate(ser, num, nc)
		return s, n, w, nil
	}
	outSeries = Collapse(ser)
	outNumber, warn, err = normalizeFreeNumber(num, 1<<30, nil, nc, "номере документа")
	if err != nil {
		return "", "", "", err
	}
	return outSeries, outNumber, warn, nil
}

// passportDigits returns the digits of one passport column, read as a
// number when it is one (bare digits or a float form, or a number cell).
func passportDigits(s string, c Cell) (number, error) {
	if s == "" {
		return number{}, nil
	}
	if n, ok := readNumber(s, c); ok {
		return n, nil
	}
	if c.Number {
		return number{}, errPassportDigits
	}
	var buf [32]byte
	b := buf[:0]
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if len(b) == len(buf) {
				return number{}, errPassportDigits
			}
			b = append(b, byte(r))
		case isBlank(r) || isDash(r) || r == '№' || r == 'N' || r == '.' || r == ':':
		case unicode.IsLetter(r):
			return number{}, errPassportLetters
		default:
			return number{}, errPassportDigits
		}
	}
	return number{digits: string(b), form: notNumber, written: len(b)}, nil
}

func normalizePassport(ser, num string, sc, nc Cell) (string, string, string, error) {
	sn, err := passportDigits(ser, sc)
	if err != nil {
		return "", "", "", err
	}
	nn, err := passportDigits(num, nc)
	if err != nil {
		return "", "", "", err
	}
	sd, nd := sn.digits, nn.digits
	lost := func(n number, c Cell, want int, cell string) error {
		if n.lostDigits(c, want) {
			return errExponent(cell, n, want, "серии и номере паспорта", "введите серию и номер паспорта полностью в текстовую ячейку")
		}
		return nil
	}
	warn := ""
	switch {
	case sd == "" || nd == "":
		// The whole passport is in one column.
		all, n, c, cell := sd+nd, sn, sc, ser
		if sd == "" {
			n, c, cell = nn, nc, num
		}
		if err := lost(n, c, 10, cell); err != nil {
			return "", "", "", err
		}
		if len(all) == 9 && n.fromNumber() {
			all = "0" + all
			warn = warnPassportPadded
		}
		if len(all) != 10 {
			return "", "", "", errPassportDigits
		}
		sd, nd = all[:4], all[4:]
	default:
		if err := lost(sn, sc, 4, ser); err != nil {
			return "", "", "", err
		}
		if err := lost(nn, nc, 6, num); err != nil {
			return "", "", "", err
		}
		if len(nd) == 10 && nd[:4] == sd {
			nd = nd[4:] // the number column repeats the series
		}
		if len(sd) == 3 && sn.fromNumber() {
			sd = "0" + sd
			warn = warnPassportPadded
		}
		if len(nd) == 5 && nn.fromNumber() {
			nd = "0" + nd
			warn = warnPassportPadded
		}
		if len(sd) != 4 || (len(nd) != 6 && len(nd) != 7) {
			return "", "", "", errPassportDigits
		}
		if len(nd) == 7 {
			warn = joinWarn(warn, warnPassportSeven)
		}
	}
	return sd[:2] + " " + sd[2:], nd, warn, nil
}

// splitTrailingNumber splits "IV-АГ № 123456" into "IV-АГ" and "123456":
// the trailing run of digits, when something other than digits precedes it
// (with or without a blank, dash or "№" in between: "IV-АГ123456" splits too).
func splitTrailingNumber(s string) (head, digits string, ok bool) {
	i := len(s)
	for i > 0 && isASCIIDigit(s[i-1]) {
		i--
	}
	if i == len(s) || i == 0 {
		return s, "", false
	}
	head = strings.TrimRightFunc(s[:i], func(r rune) bool { return isBlank(r) || r == '№' || r == 'N' || isDash(r) })
	if head == "" {
		return s, "", false
	}
	return head, s[i:], true
}

func normalizeBirthCertificate(ser, num string, nc Cell) (string, string, string) {
	// The whole document in one column.
	if ser == "" {
		if h, d, ok := splitTrailingNumber(num); ok {
			ser, num = h, d
		}
	} else if num == "" {
		if h, d, ok := splitTrailingNumber(ser); ok {
			ser, num = h, d
		}
	}
	warn := ""
	outSer := ""
	if ser != "" {
		if s, ok := birthSeries(ser); ok {
			outSer = s
		} else {
			outSer = Collapse(ser)
			warn = warnBirthSeries
		}
	}
	outNum := ""
	if num != "" {
		n, ok := digitsIn(num, nc)
		if !ok {
			// "№ 123456"
			n.digits, ok = stripDigits(strings.TrimLeft(num, "№N "))
			n.form = notNumber
		}
		d := n.digits
		switch {
		case ok && n.lostDigits(nc, 6):
			outNum = Collapse(num)
			warn = joinWarn(warn, warnBirthNumber)
		case ok && len(d) == 6:
			outNum = d
		case ok && len(d) == 5 && n.fromNumber():
			outNum = "0" + d
			warn = joinWarn(warn, warnBirthNumberPadded)
		default:
			outNum = Collapse(num)
			warn = joinWarn(warn, warnBirthNumber)
		}
	}
	return outSer, outNum, warn
}

// Latin capitals that look like Cyrillic ones, for the letter part of a
// birth certificate series.
var birthLetterLookalike = map[rune]rune{
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М', 'O': 'О',
	'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У',
}

// birthSeries normalises a birth certificate series to "IV-АГ": the last
// two letters are the letter part, everything before (minus separators) the
// Roman numeral.
func birthSeries(s string) (string, bool) {
	var buf [16]rune
	core := buf[:0]
	for _, r := range s {
		if isBlank(r) || isDash(r) || r == '№' {
			continue
		}
		if len(core) == len(buf) {
			return "", false
		}
		core = append(core, unicode.ToUpper(r))
	}
	if len(core) < 3 {
		return "", false
	}
	romanPart, letters := core[:len(core)-2], core[len(core)-2:]
	var rb [14]byte
	roman := rb[:0]
	for _, r := range romanPart {
		switch r {
		case 'I', '1', 'І', 'Ӏ':
			r = 'I'
		case 'V', 'У':
			r = 'V'
		case 'X', 'Х':
			r = 'X'
		case 'L', 'Л':
			r = 'L'
		case 'C', 'С':
			r = 'C'
		default:
			return "", false
		}
		roman = append(roman, byte(r))
	}
	if !romanValid(string(roman)) {
		return "", false
	}
	var out strings.Builder
	out.Grow(len(roman) + 1 + 4)
	out.Write(roman)
	out.WriteByte('-')
	for _, r := range letters {
		if c, ok := birthLetterLookalike[r]; ok {
			r = c
		}
		if !(r >= 'А' && r <= 'Я' || r == 'Ё') {
			return "", false
		}
		out.WriteRune(r)
	}
	return out.String(), true
}

// romanValid reports whether s (I V X L C only) is a Roman numeral in
// canonical form: converted to a number and back it gives s again.
func romanValid(s string) bool {
	if s == "" {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		v := romanDigit(s[i])
		if i+1 < len(s) && v < romanDigit(s[i+1]) {
			n -= v
		} else {
			n += v
		}
	}
	if n <= 0 || n >= 400 {
		return false
	}
	return romanFormat(n) == s
}

func romanDigit(c byte) int {
	switch c {
	case 'I':
		return 1
	case 'V':
		return 5
	case 'X':
		return 10
	case 'L':
		return 50
	case 'C':
		return 100
	}
	return 0
}

// romanFormat writes 1…399 as a Roman numeral.
func romanFormat(n int) string {
	var b strings.Builder
	for _, p := range [...]struct {
		v int
		s string
	}{{100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for n >= p.v {
			b.WriteString(p.s)
			n -= p.v
		}
	}
	return b.String()
}
