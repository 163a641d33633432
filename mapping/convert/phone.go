package convert

import "unicode"

// Phone output formats, as the mapping names them.
const (
	PhoneFormatPlus7 = "+7" // +7XXXXXXXXXX (the default)
	PhoneFormat8     = "8"  // 8XXXXXXXXXX, the trunk-prefix form of the МИП sample
)

var (
	errPhoneShort    = valueErr("короткий номер без кода города — укажите номер полностью")
	errPhoneTooLong  = valueErr("слишком много цифр для номера телефона")
	errPhoneNoDigits = valueErr("нет цифр номера телефона")
	errPhoneBad      = valueErr("не похоже на номер телефона: нужно 10 цифр после +7 или 8")
	errPhoneRuLength = valueErr("после +7 должно быть 10 цифр")
)

const (
	warnPhoneMultiple = "в ячейке несколько телефонов — взят первый"
	warnPhoneTail     = "после номера есть ещё цифры (добавочный или второй номер) — они отброшены"
	warnPhoneForeign  = "иностранный номер — оставлен как есть, проверьте"
	warnPhonePlus8    = "номер записан как +8… — считан как российский, проверьте"
)

// isPhoneSeparator reports whether r separates several numbers in one cell.
func isPhoneSeparator(r rune) bool {
	switch r {
	case ',', ';', '/', '\\', '|', '\n', '\r':
		return true
	}
	return false
}

// Phone normalises a Russian phone number to format "+7"
// ("+7XXXXXXXXXX", also used for "" and any unknown format) or "8"
// ("8XXXXXXXXXX").
//
// Accepted: "+7 (912) 345-67-89", "8 (912) 345-67-89", "89123456789",
// "79123456789", 10 bare digits "9123456789", landlines with long area codes
// "8-3452-12-34-56", words around the number ("тел. 8912…", "моб."), NBSP
// and dashes of any kind, and numeric-cell forms ("89123456789.0",
// "9.123456789E+9").
//
// Several numbers separated by "," ";" "/" "\" "|" or a line break: the first
// one that parses is taken, with a warning; digits after a number in the same
// part (an extension, or a second number separated by a word) are dropped
// with a warning. A number with "+" and a country code other than 7 (or
// dialled with 810 / 00) is kept as "+<digits>" with a warning, whatever the
// format; "+89…" (11 digits) is read as Russian with a warning.
//
// Errors: no digits, short local numbers (5–7 digits, the area code is
// missing), more than 15 digits, any other count of digits, and a number
// shown in exponent form that does not write all its digits ("9,12346E+9":
// the rest were lost; c says whether the text is a number cell's value,
// which loses nothing).
func Phone(s string, format string, c Cell) (string, string, error) {
	t := trim(s)
	if t == "" {
		return "", "", nil
	}
	if n, ok := readNumber(t, c); ok && n.form == floatNumber {
		if n.lostDigits(c, 0) {
			return "", "", errExponent(t, n, 0, "номере телефона", "введите номер телефона полностью, например 8 (912) 345-67-89")
		}
		t = n.digits
	}
	var firstErr error
	result, warn := "", ""
	parts := 0 // parts that hold digits
	start := 0
	for i := 0; i <= len(t); i++ {
		if i < len(t) && !isPhoneSeparator(rune(t[i])) {
			continue
		}
		part := t[start:i]
		start = i + 1
		if !phoneHasDigit(part) {
			continue
		}
		parts++
		if result != "" {
			break // enough to know there are several numbers
		}
		r, w, err := phoneOne(part, format)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		result, warn = r, w
	}
	if result == "" {
		if firstErr == nil {
			firstErr = errPhoneNoDigits
		}
		return "", "", firstErr
	}
	if parts > 1 {
		warn = joinWarn(warnPhoneMultiple, warn)
	}
	return result, warn, nil
}

func phoneHasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isASCIIDigit(s[i]) {
			return true
		}
	}
	return false
}

// phoneOne parses one number (one part of the cell).
func phoneOne(part string, format string) (string, string, error) {
	var buf [16]byte
	d := buf[:0]
	plus, seenDigit, tail, tailDigits := false, false, false, false
	for _, r := range part {
		switch {
		case r >= '0' && r <= '9':
			if tail {
				tailDigits = true
				continue
			}
			if len(d) == len(buf) {
				return "", "", errPhoneTooLong
			}
			d = append(d, byte(r))
			seenDigit = true
		case r == '+' || r == '\uff0b':
			if seenDigit {
				tail = true
			} else {
				plus = true
			}
		case isBlank(r) || isDash(r) || r == '(' || r == ')' || r == '.':
			// Grouping inside the number.
		case unicode.IsLetter(r) || seenDigit:
			// Words before the number ("тел.", "моб:") are skipped; after the
			// first digit, anything else ends the number.
			if seenDigit {
				tail = true
			}
		}
	}
	warn := ""
	if tailDigits {
		warn = warnPhoneTail
	}
	ds := string(d) // one small allocation; d is ASCII digits
	var ru10 string
	switch {
	case len(d) == 0:
		return "", "", errPhoneNoDigits
	case len(d) > 15:
		return "", "", errPhoneTooLong
	case plus:
		r, w, err := phoneInternational(ds)
		if err != nil {
			return "", "", err
		}
		if r != "" {
			return r, joinWarn(warn, w), nil
		}
		ru10 = ds[1:]
		warn = joinWarn(warn, w)
	case len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		ru10 = ds[1:]
	case len(d) == 10:
		ru10 = ds
	case len(d) > 11 && ds[:3] == "810":
		r, w, err := phoneInternational(ds[3:])
		if err != nil {
			return "", "", err
		}
		if r == "" {
			return "", "", errPhoneBad
		}
		return r, joinWarn(warn, w), nil
	case len(d) > 10 && ds[:2] == "00":
		r, w, err := phoneInternational(ds[2:])
		if err != nil {
			return "", "", err
		}
		if r != "" {
			return r, joinWarn(warn, w), nil
		}
		ru10 = ds[3:]
		warn = joinWarn(warn, w)
	case len(d) >= 5 && len(d) <= 7:
		return "", "", errPhoneShort
	default:
		return "", "", errPhoneBad
	}
	if ru10[0] == '0' {
		return "", "", errPhoneBad
	}
	if format == PhoneFormat8 {
		return "8" + ru10, warn, nil
	}
	return "+7" + ru10, warn, nil
}

// phoneInternational handles the digits after "+" (or 00 / 810). For a
// Russian number (7 + 10 digits, or the mistaken +8 + 10 digits) it returns
// "" and the caller formats ds[1:]; otherwise the foreign number.
func phoneInternational(ds string) (string, string, error) {
	switch {
	case len(ds) == 11 && ds[0] == '7':
		return "", "", nil
	case ds != "" && ds[0] == '7':
		return "", "", errPhoneRuLength
	case len(ds) == 11 && ds[0] == '8' && ds[1] == '9':
		return "", warnPhonePlus8, nil
	case len(ds) >= 8 && len(ds) <= 15 && ds[0] != '0':
		return "+" + ds, warnPhoneForeign, nil
	}
	return "", "", errPhoneBad
}
