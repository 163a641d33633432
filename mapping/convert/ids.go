package convert

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValueError is the error every converter returns for a cell value it cannot
// use. Msg is a short Russian sentence for the clerk; it does not name the
// field or the column, the mapper adds them.
type ValueError struct{ Msg string }

// Error returns the Russian message.
func (e *ValueError) Error() string { return e.Msg }

// valueErr returns a *ValueError with the Russian message msg.
func valueErr(msg string) error { return &ValueError{Msg: msg} }

// Errors without variable parts are allocated once: converters run per cell
// on files of a million rows.
var (
	errSNILSChecksum       = valueErr("неверная контрольная сумма")
	errSNILSLength         = valueErr("СНИЛС должен содержать 11 цифр")
	errSNILSChars          = valueErr("в СНИЛС допустимы только цифры, пробелы и дефисы")
	errSNILSPaddedLow      = valueErr("в ячейке число из 9–10 цифр: СНИЛС, записанный числом, потерял ведущие нули, но номер не больше 001-001-998, у таких контрольное число не проверяется — восстановить его уверенно нельзя; введите СНИЛС полностью (ХХХ-ХХХ-ХХХ ХХ) в текстовую ячейку")
	errSNILSPaddedChecksum = valueErr("в ячейке число из 9–10 цифр, а в СНИЛС их 11; с добавленными ведущими нулями не сходится контрольное число — это не потерянные нули, а ошибка в номере; введите СНИЛС полностью (ХХХ-ХХХ-ХХХ ХХ)")
	errENPLength           = valueErr("номер полиса единого образца должен содержать 16 цифр")
	errENPChars            = valueErr("в номере полиса единого образца допустимы только цифры")
	errENPLostDigit        = valueErr("в ячейке число из 16 цифр, которое оканчивается на 0 и не проходит проверку контрольной цифры: номер, записанный числом, потерял 16-ю цифру. Вычислить её можно только для файла .xlsx, сохранённого в Excel (Excel хранит ровно 15 первых цифр), а этот файл сохранён не в Excel — впишите номер полиса из документа в текстовую ячейку")
	errVSLength            = valueErr("номер временного свидетельства должен содержать 9 цифр")
	errVSChars             = valueErr("в номере временного свидетельства допустимы только цифры")
	errPolisTooLong        = valueErr("номер полиса длиннее 20 символов")
)

// Warnings (the value is still used).
const (
	warnSNILSPadded   = "ведущие нули СНИЛС восстановлены: значение было числом в таблице — проверьте"
	warnSNILSLowRange = "СНИЛС не больше 001-001-998: контрольное число для таких номеров не проверяется"
	warnSNILSZeros    = "СНИЛС из одних нулей — считается незаполненным"
	warnENPRepaired   = "номер полиса восстановлен: Excel сохранил его числом из 15 цифр, последняя (контрольная) цифра вычислена — сверьте с документом"
	warnENPChecksum   = "номер полиса единого образца не проходит проверку контрольной цифры — проверьте"
	warnENPPadded     = "ведущий ноль номера полиса восстановлен: значение было числом в таблице — проверьте"
	warnSMOChecksum   = "ОГРН СМО не проходит проверку контрольной цифры — проверьте"
	warnSMOPadded     = "ведущий ноль кода СМО восстановлен: значение было числом в таблице — проверьте"
	warnSMOUnknown    = "значение не похоже ни на ОГРН СМО (13 цифр), ни на код СМО по справочнику F002 (5 цифр) — поле СМО не передано; укажите ОГРН или код СМО (название можно перевести в код через map: в файле сопоставления)"
	warnSMOExponent   = "в ячейке число в экспоненциальной записи, часть цифр потеряна — поле СМО не передано; укажите ОГРН или код СМО в текстовой ячейке"
)

// isBlank reports whether r is white space for the purpose of cleaning a
// cell: Unicode spaces (tab, NBSP U+00A0, narrow NBSP U+202F, figure space)
// plus the invisible format characters spreadsheets and web copies leave
// behind (BOM, zero-width space and joiners, word joiner).
func isBlank(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	case '\u00a0', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	case '\u0085', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000':
		return true // the rest of unicode.IsSpace, spelled out: it is on every hot path
	}
	return r >= '\u2000' && r <= '\u200a'
}

// isDash reports whether r is a hyphen or a dash: people and word
// processors type U+2010…U+2015 and the minus sign U+2212 for "-".
func isDash(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe63', '\uff0d':
		return true
	}
	return false
}

// trim trims isBlank runes from both ends without allocating.
func trim(s string) string {
	// Fast path: most cells have nothing to trim.
	if s == "" || (s[0] > ' ' && s[0] < 0x80 && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80) {
		return s
	}
	return strings.TrimFunc(s, isBlank)
}

// cleanCode cleans a reference-book code given in a cell or the mapping: it
// trims and drops the ".0" a numeric cell adds ("14.0", "3,0").
func cleanCode(s string) string {
	s = trim(s)
	if len(s) > 2 && (s[len(s)-2] == '.' || s[len(s)-2] == ',') && s[len(s)-1] == '0' {
		s = s[:len(s)-2]
	}
	return s
}

func isASCIIDigit(b byte) bool { return b >= '0' && b <= '9' }

// isAllDigits reports whether s is non-empty and made of ASCII digits only.
func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// joinWarn joins two warnings with "; ", skipping empty ones.
func joinWarn(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// Cell says where a cell's text came from. It decides which repairs are
// certain: a number cell that lost leading zeros, or the 16th digit of an
// ЕНП that Excel zeroed, can be repaired; a number a spreadsheet showed in
// exponent form with digits missing cannot. The zero value is text: what
// the clerk typed, what a CSV holds (the text a spreadsheet showed), or a
// constant of the mapping.
type Cell struct {
	// Number: the text is the value a number cell of a workbook stores
	// ("5.0919700000000003E+15"), not what the cell showed. Its digits are
	// the number's, whatever the notation.
	Number bool
	// ExcelDigits: a 16-digit number here that ends in 0 lost its 16th
	// digit to Excel, which keeps exactly the first 15 significant digits
	// of a number: the file was saved by Excel, or the mapping says so
	// (enp_repair: excel). Only then is the ЕНП's check digit recomputed.
	ExcelDigits bool
}

// numberForm describes how a cell text looked when it was read as a number.
type numberForm int

const (
	notNumber   numberForm = iota // not a plain number
	bareInteger                   // only ASCII digits, e.g. "101998900"
	floatNumber                   // decimal point or exponent: "1.0E+10", "101998900.0", "1,2E+15"
)

// maxNumberDigits bounds the integer a number form may expand to, so that
// "1E+999999" cannot make us allocate a megabyte.
const maxNumberDigits = 40

// number is a cell read as a non-negative integer.
type number struct {
	digits   string     // the integer's decimal digits
	form     numberForm // how the text looked
	exponent bool       // written with an exponent ("5,09197E+15")
	written  int        // digits the mantissa writes, leading zeros left out ("5,09197E+15": 6)
	sig      int        // significant digits of the value, trailing zeros left out (at most 15 after rounding an artefact)
}

// numberDigits reads s as a non-negative integer written the ways a
// spreadsheet writes numbers: bare digits, with a decimal point or a decimal
// comma ("101998900,0"), with an exponent ("1,23456789012345E+15",
// "5.07E+15"). It returns the decimal digits of the integer, how the text
// looked and the number of significant digits of the mantissa (for the
// exponent form: how much precision the writer kept).
//
// A bare integer is returned unchanged, leading zeros included (it may be a
// text cell). Float forms drop their leading zeros; a float form with more
// than 16 significant digits is a binary-double artefact
// ("8.4519991228999904E+15") and is rounded to Excel's 15 digits first. A
// value with a non-zero fractional part is not an integer: ok is false.
func numberDigits(s string) (digits string, form numberForm, mantissa int, ok bool) {
	n, ok := readNumber(s, Cell{Number: true})
	return n.digits, n.form, n.sig, ok
}

// readNumber is numberDigits with everything it learns about the text. A
// number cell's value with more than 16 significant digits is rounded to
// the 15 Excel shows; the text of a cell must write an integer exactly.
func readNumber(s string, c Cell) (number, bool) {
	n := len(s)
	i := 0
	for i < n && isASCIIDigit(s[i]) {
		i++
	}
	if i == 0 {
		return number{}, false
	}
	if i == n {
		lead := 0
		for lead < n-1 && s[lead] == '0' {
			lead++
		}
		sig := n - lead
		for sig > 0 && s[lead+sig-1] == '0' {
			sig--
		}
		return number{digits: s, form: bareInteger, written: n - lead, sig: sig}, true
	}
	intPart := s[:i]
	frac := ""
	if s[i] == '.' || s[i] == ',' {
		i++
		fs := i
		for i < n && isASCIIDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	exp := 0
	hasExp := false
	if i < n && (s[i] == 'E' || s[i] == 'e') {
		hasExp = true
		i++
		neg := false
		if i < n && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		es := i
		for i < n && isASCIIDigit(s[i]) && i-es < 4 {
			exp = exp*10 + int(s[i]-'0')
			i++
		}
		if i == es {
			return number{}, false
		}
		if neg {
			exp = -exp
		}
	}
	if i != n || exp > maxNumberDigits || exp < -maxNumberDigits {
		return number{}, false
	}
	if len(intPart)+len(frac) > 64 {
		return number{}, false
	}

	// Mantissa digits without leading zeros, and the power of ten that
	// scales them to the value.
	var buf [128]byte
	m := append(buf[:0], intPart...)
	m = append(m, frac...)
	scale := exp - len(frac)
	lead := 0
	for lead < len(m) && m[lead] == '0' {
		lead++
	}
	m = m[lead:]
	written := len(m)
	// Trailing zeros of the mantissa are not significant either.
	sig := len(m)
	for sig > 0 && m[sig-1] == '0' {
		sig--
	}
	mantissa := sig
	if sig > 16 && c.Number {
		// Round half up to 15 significant digits.
		drop := len(m) - 15
		roundUp := m[15] >= '5'
		m = m[:15]
		scale += drop
		if roundUp {
			j := len(m) - 1
			for j >= 0 && m[j] == '9' {
				m[j] = '0'
				j--
			}
			if j >= 0 {
				m[j]++
			} else {
				// 999…9 rounded up: 1 followed by zeros, one order higher.
				m[0] = '1'
				for k := 1; k < len(m); k++ {
					m[k] = '0'
				}
				scale++
			}
		}
		mantissa = 15
		for mantissa > 0 && m[mantissa-1] == '0' {
			mantissa--
		}
	}
	num := number{form: floatNumber, exponent: hasExp, written: written, sig: mantissa}
	if len(m) == 0 {
		num.digits = "0"
		return num, true
	}
	if scale < 0 {
		cut := len(m) + scale
		if cut < 0 {
			cut = 0
		}
		for _, c := range m[cut:] {
			if c != '0' {
				return number{}, false // a fraction is left
			}
		}
		m = m[:cut]
		if len(m) == 0 {
			num.digits = "0"
			return num, true
		}
		scale = 0
	}
	if len(m)+scale > maxNumberDigits {
		return number{}, false
	}
	for ; scale > 0; scale-- {
		m = append(m, '0')
	}
	num.digits = string(m)
	return num, true
}

// lostDigits reports whether a cell of text shows a number in exponent
// form that writes fewer digits than want, the digits of the identifier
// (0: the digits of the number itself): a spreadsheet shows a long number
// so ("5,09197E+15") and keeps the rest to itself, and a CSV holds what it
// showed. The lost digits cannot be had back. A number cell's value is
// never short of its digits, whatever its notation.
func (n number) lostDigits(c Cell, want int) bool {
	if c.Number || !n.exponent {
		return false
	}
	if want == 0 {
		want = len(n.digits)
	}
	return n.written < want
}

// errExponent says that a cell shows a number in exponent form that lost
// digits: what the cell held, why it cannot be used, what to do.
func errExponent(cell string, n number, want int, of, todo string) error {
	if want == 0 {
		want = len(n.digits)
	}
	return valueErr(fmt.Sprintf("в ячейке число в экспоненциальной записи %s — значащих цифр в нём %d, а в %s их %d: остальные цифры потеряны, восстановить их нельзя — %s",
		cell, n.written, of, want, todo))
}

// stripDigits removes blanks and dashes from s and reports whether what is
// left is ASCII digits only. It allocates only when something is removed.
func stripDigits(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s, s != ""
	}
	var buf [64]byte
	b := buf[:0]
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case isBlank(r) || isDash(r):
		default:
			return "", false
		}
		if len(b) > 60 {
			return "", false
		}
	}
	return string(b), len(b) > 0
}

// digitsOf turns a trimmed cell into digits: number forms are expanded,
// otherwise blanks and dashes are removed. form tells how the cell looked.
func digitsOf(t string) (digits string, form numberForm, mantissa int, ok bool) {
	n, ok := digitsIn(t, Cell{})
	return n.digits, n.form, n.sig, ok
}

// digitsIn is digitsOf with what it learns about the number, for a cell
// of the given origin.
func digitsIn(t string, c Cell) (number, bool) {
	if n, ok := readNumber(t, c); ok {
		return n, true
	}
	if c.Number {
		return number{}, false // a number cell holds a number; anything else is not one
	}
	d, ok := stripDigits(t)
	return number{digits: d, form: notNumber, written: len(d)}, ok
}

// fromNumber reports whether the digits may have lost leading zeros to a
// number: a number cell, or text that is a plain number (what a number
// cell shows, in a CSV or pasted as text). Digits typed with separators
// ("101 998 900") were typed as text and lost nothing.
func (n number) fromNumber() bool { return n.form != notNumber }

// ---- СНИЛС ----

// snilsCheckNumber returns the check number of the nine-digit account
// number d9: the weighted sum (weights 9…1) modulo 101, with 100 written
// as 00 — the ПФР rule, see the domain notes §1.2.
func snilsCheckNumber(d9 string) int {
	s := 0
	for i := 0; i < 9; i++ {
		s += int(d9[i]-'0') * (9 - i)
	}
	return (s % 101) % 100
}

// snilsFormat writes 11 digits as "XXX-XXX-XXX YY".
func snilsFormat(d string) string {
	var b [14]byte
	copy(b[0:3], d[0:3])
	b[3] = '-'
	copy(b[4:7], d[3:6])
	b[7] = '-'
	copy(b[8:11], d[6:9])
	b[11] = ' '
	copy(b[12:14], d[9:11])
	return string(b[:])
}

// SNILS checks a СНИЛС and returns it as "XXX-XXX-XXX YY".
//
// Accepted: 11 digits with any spaces (also NBSP), hyphens or dashes
// ("112-233-445 95", "11223344595", "112 233 445 95"), and number forms
// that carry all 11 digits ("11223344595.0", "1,1223344595E+10").
//
// The one repair: a number of 9 or 10 digits (a number cell, or text that
// is a plain number, "101998900") lost its leading zeros, which a number
// cannot hold; it is left-padded to 11 digits with a warning — only when
// the check number then verifies it. A number not above 001-001-998 has
// no check number to verify it, so there it is refused. Digits typed with
// separators are as typed: no repair.
//
// Errors: wrong length, characters other than digits and separators, a wrong
// check number («неверная контрольная сумма»), an exponent form that lost
// digits. Numbers not above 001-001-998 are accepted with a warning (the
// regulation does not check them). All zeros is the МИП placeholder: the
// result is "" (absent) with a warning.
func SNILS(s string, c Cell) (string, string, error) {
	t := trim(s)
	if t == "" {
		return "", "", nil
	}
	n, ok := digitsIn(t, c)
	if !ok {
		return "", "", errSNILSChars
	}
	if n.lostDigits(c, 11) {
		return "", "", errExponent(t, n, 11, "СНИЛС", "введите СНИЛС полностью (ХХХ-ХХХ-ХХХ ХХ) в текстовую ячейку")
	}
	d, warn := n.digits, ""
	if n.fromNumber() && (len(d) == 9 || len(d) == 10) {
		d = strings.Repeat("0", 11-len(d)) + d
		if d[:9] <= "001001998" && d != "00000000000" {
			return "", "", errSNILSPaddedLow
		}
		warn = warnSNILSPadded
	}
	if len(d) != 11 {
		return "", "", errSNILSLength
	}
	if d == "00000000000" {
		return "", joinWarn(warn, warnSNILSZeros), nil
	}
	if d[:9] <= "001001998" {
		return snilsFormat(d), joinWarn(warn, warnSNILSLowRange), nil
	}
	if int(d[9]-'0')*10+int(d[10]-'0') != snilsCheckNumber(d) {
		if warn != "" {
			return "", "", errSNILSPaddedChecksum
		}
		return "", "", errSNILSChecksum
	}
	return snilsFormat(d), warn, nil
}

// ---- ЕНП and other polis numbers ----

// luhnValid reports whether the ASCII digits d pass the Luhn (Mod10) check.
func luhnValid(d string) bool {
	return luhnSum(d)%10 == 0
}

// luhnSum is the Luhn sum of d with its last digit in the check position.
func luhnSum(d string) int {
	sum := 0
	for i := 0; i < len(d); i++ {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum
}

// luhnRepair replaces the last digit of d by the Luhn check digit of the
// digits before it.
func luhnRepair(d string) string {
	b := []byte(d)
	b[len(b)-1] = '0'
	sum := luhnSum(string(b))
	b[len(b)-1] = byte('0' + (10-sum%10)%10)
	return string(b)
}

// ValidENP reports whether digits is a valid ЕНП (the number of a
// single-format polis): exactly 16 ASCII digits whose last digit is the Luhn
// (ISO/HL7 27931 "Mod10") check digit. It does not strip separators: pass
// the output of PolisNumber or plain digits.
func ValidENP(digits string) bool {
	return len(digits) == 16 && isAllDigits(digits) && luhnValid(digits)
}

// ValidOGRN reports whether s is a valid ОГРН (13 digits; check digit =
// first 12 digits mod 11 mod 10) or ОГРНИП (15 digits; first 14 mod 13 mod
// 10). s must be plain ASCII digits.
func ValidOGRN(s string) bool {
	var m uint64
	switch len(s) {
	case 13:
		m = 11
	case 15:
		m = 13
	default:
		return false
	}
	if !isAllDigits(s) {
		return false
	}
	var n uint64
	for i := 0; i < len(s)-1; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return uint64(s[len(s)-1]-'0') == (n%m)%10
}

// Polis type codes of ФОМС F008.
const (
	PolisOld    = "1" // полис старого образца
	PolisTemp   = "2" // временное свидетельство
	PolisSingle = "3" // полис единого образца (ЕНП)
)

// InferPolisType guesses the F008 polis type from the series and number
// when the file has no type column: no series and 16 digits → "3" (ЕНП), no
// series and 9 digits → "2" (временное свидетельство), anything else → "1"
// (old-style). Spaces, dashes and number forms ("5.07E+15") are allowed in
// the number. An empty number gives "".
func InferPolisType(series, number string) string {
	t := trim(number)
	if t == "" {
		return ""
	}
	if trim(series) == "" {
		if d, _, _, ok := digitsOf(t); ok {
			switch len(d) {
			case 16:
				return PolisSingle
			case 9:
				return PolisTemp
			}
		}
	}
	return PolisOld
}

// PolisTypeName returns the F008 name of a polis type code ("1", "2", "3";
// "3.0" from a numeric cell is fine), or "" for an unknown code.
func PolisTypeName(code string) string {
	switch cleanCode(code) {
	case PolisOld:
		return "Полис ОМС старого образца"
	case PolisTemp:
		return "Временное свидетельство, подтверждающее оформление полиса обязательного медицинского страхования"
	case PolisSingle:
		return "Полис ОМС единого образца"
	}
	return ""
}

// PolisNumber cleans the polis number for its F008 type code; c says
// where the cell's text came from.
//
//   - "3" (single-format polis, ЕНП), and also "4"/"5" (electronic polis and
//     УЭК, which carry an ЕНП) and "" when the number has 16 digits: spaces,
//     dashes and number forms that carry all 16 digits are accepted; the
//     result must be 16 digits (error otherwise). A wrong check digit is a
//     warning, not an error (the МИП's own sample fails it), for digits as
//     typed. Two repairs are made, each with a warning, because each is
//     certain:
//     a plain number of 15 digits whose zero-padded form passes the check
//     lost the leading zero a number cannot hold (Luhn ignores leading
//     zeros, so the padded number passes as the 15 digits do);
//     a 16-digit number that ends in 0 and fails the check, from a file
//     Excel saved (c.ExcelDigits): Excel keeps exactly the first 15
//     significant digits and zeroes the 16th, which is the check digit, so
//     it is computed again — unless the number has 6 significant digits or
//     fewer, the shape of a number pasted from an exponent display
//     ("5,09197E+15"), whose other digits were lost before Excel saw it.
//     Without c.ExcelDigits such a number is refused: a program that
//     rounds, or a CSV, leaves no way to know the lost digit. A number
//     shown in exponent form with fewer than 16 digits is always refused.
//   - "2" (временное свидетельство): exactly 9 digits after removing spaces
//     and dashes (error otherwise).
//   - "1" (old style), any other code, and "" with a number that is not 16
//     (or 9) digits: free text up to 20 characters, returned trimmed with inner
//     white space collapsed; a number form that carries all its digits
//     becomes its digits.
//
// The result is the digits for types 2 and 3, the trimmed text otherwise.
func PolisNumber(s string, typeCode string, c Cell) (string, string, error) {
	t := trim(s)
	if t == "" {
		return "", "", nil
	}
	code := cleanCode(typeCode)
	if code == "" {
		code = InferPolisType("", t)
	}
	switch code {
	case PolisSingle, "4", "5":
		return normalizeENP(t, c)
	case PolisTemp:
		n, ok := digitsIn(t, c)
		if !ok {
			return "", "", errVSChars
		}
		if n.lostDigits(c, 9) {
			return "", "", errExponent(t, n, 9, "номере временного свидетельства", "впишите номер из документа в текстовую ячейку")
		}
		if len(n.digits) != 9 {
			return "", "", errVSLength
		}
		return n.digits, "", nil
	}
	return normalizeFreeNumber(t, 20, errPolisTooLong, c, "номере полиса")
}

// normalizeENP implements the type 3 branch of PolisNumber on a
// trimmed, non-empty text.
func normalizeENP(t string, c Cell) (string, string, error) {
	n, ok := digitsIn(t, c)
	if !ok {
		return "", "", errENPChars
	}
	if n.lostDigits(c, 16) {
		return "", "", errExponent(t, n, 16, "номере полиса", "впишите номер полиса из документа в текстовую ячейку")
	}
	d := n.digits
	if len(d) == 15 && n.fromNumber() && luhnValid(d) {
		// Luhn ignores a leading zero, so the padded number passes too.
		return "0" + d, warnENPPadded, nil
	}
	if len(d) != 16 {
		return "", "", errENPLength
	}
	if luhnValid(d) {
		return d, "", nil
	}
	if d[15] != '0' || !n.fromNumber() {
		return d, warnENPChecksum, nil // as typed
	}
	// A number that lost its 16th digit.
	if !c.ExcelDigits || !(c.Number || n.form == bareInteger) {
		return "", "", errENPLostDigit
	}
	if n.sig <= 6 {
		return "", "", valueErr(fmt.Sprintf("в ячейке число %s — значащих цифр в нём всего %d: так выглядит номер, вставленный из экспоненциальной записи (5,09197E+15), остальные цифры которого уже потеряны; восстановить их нельзя — впишите номер полиса из документа в текстовую ячейку", t, n.sig))
	}
	return luhnRepair(d), warnENPRepaired, nil
}

// normalizeFreeNumber returns a free-form number: trimmed, inner white
// space collapsed to one space, a number form turned into its digits, at
// most max characters. A number shown in exponent form that does not
// write all its digits is refused; of names the number in the message
// ("номере полиса").
func normalizeFreeNumber(t string, max int, tooLong error, c Cell, of string) (string, string, error) {
	if n, ok := readNumber(t, c); ok && n.form == floatNumber {
		if n.lostDigits(c, 0) {
			return "", "", errExponent(t, n, 0, of, "впишите номер из документа в текстовую ячейку")
		}
		t = n.digits
	}
	v, err := freeText(t, max, tooLong)
	if err != nil {
		return "", "", err
	}
	return v, "", nil
}

// freeText trims and collapses inner blanks to single spaces and checks
// the length in characters.
func freeText(t string, max int, tooLong error) (string, error) {
	t = Collapse(t)
	if utf8.RuneCountInString(t) > max {
		return "", tooLong
	}
	return t, nil
}

// Collapse trims s and replaces every run of blanks inside it by one
// ASCII space. It returns s itself when nothing changes.
func Collapse(s string) string {
	s = trim(s)
	needs := false
	prevBlank := false
	for _, r := range s {
		b := isBlank(r)
		if b && (r != ' ' || prevBlank) {
			needs = true
			break
		}
		prevBlank = b
	}
	if !needs {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	prevBlank = false
	for _, r := range s {
		if isBlank(r) {
			if !prevBlank {
				sb.WriteByte(' ')
			}
			prevBlank = true
			continue
		}
		prevBlank = false
		sb.WriteRune(r)
	}
	return sb.String()
}

// SMO cleans the СМО identifier for polis.smo.
//
// Accepted: a 13-digit ОГРН (spaces and number forms that carry all its
// digits allowed; a failed check digit is a warning, since the МИП's own
// sample fails it); a 5-digit ФОМС F002 code, as is. One repair: a plain
// number of 4 digits is an F002 code that lost its leading zero (the code
// starts with the region's number, 01–09 for nine regions, which a number
// cannot hold), left-padded with a warning. Anything else — a name,
// another length, an exponent form that lost digits — is not sent: the
// result is "" with a warning (the field is optional; an insurer's name is
// translated to its code with the mapping's map:). The error is always
// nil; it is kept for symmetry with the other converters.
func SMO(s string, c Cell) (string, string, error) {
	t := trim(s)
	if t == "" {
		return "", "", nil
	}
	n, ok := digitsIn(t, c)
	if ok && !n.lostDigits(c, len(n.digits)) {
		d := n.digits
		switch {
		case len(d) == 13:
			if !ValidOGRN(d) {
				return d, warnSMOChecksum, nil
			}
			return d, "", nil
		case len(d) == 5:
			return d, "", nil
		case len(d) == 4 && n.fromNumber():
			return "0" + d, warnSMOPadded, nil
		}
	}
	if ok && n.exponent && !c.Number {
		return "", warnSMOExponent, nil
	}
	return "", warnSMOUnknown, nil
}
