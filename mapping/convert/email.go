package convert

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	errEmailShape    = valueErr("адрес e-mail записан неверно")
	errEmailAt       = valueErr("в адресе e-mail должен быть ровно один знак @")
	errEmailSpace    = valueErr("в адресе e-mail не должно быть пробелов")
	errEmailDomain   = valueErr("в адресе e-mail после @ должен быть домен с точкой, например mail.ru")
	errEmailSeveral  = valueErr("в ячейке несколько адресов e-mail — оставьте один")
	errEmailTooLong  = valueErr("адрес e-mail слишком длинный")
	errEmailNoAtName = valueErr("в адресе e-mail нет имени перед @")
)

// Email checks an e-mail address and returns it trimmed, with the
// domain in lower case (the local part is kept: it may be case-sensitive).
// A "mailto:" prefix and enclosing angle brackets are removed.
//
// The shape check is deliberately simple: exactly one "@", a non-empty
// local part of at most 64 bytes, a domain with a dot whose labels are
// non-empty and do not start or end with "-", no white space, at most 254
// bytes in all; net/mail.ParseAddress must accept the address too (it
// rejects "a..b@", unbalanced quotes and the like). Internationalised
// domains ("почта.рф") are accepted. Several addresses in one cell are an
// error: there is no way to tell which one the patient uses. Empty is absent.
func Email(s string) (string, error) {
	t := trim(s)
	if t == "" {
		return "", nil
	}
	if len(t) > 7 && strings.EqualFold(t[:7], "mailto:") {
		t = trim(t[7:])
	}
	if len(t) > 2 && t[0] == '<' && t[len(t)-1] == '>' {
		t = trim(t[1 : len(t)-1])
	}
	if strings.ContainsAny(t, ",;") {
		return "", errEmailSeveral
	}
	if len(t) > 254 {
		return "", errEmailTooLong
	}
	for _, r := range t {
		if isBlank(r) {
			return "", errEmailSpace
		}
		if r == utf8.RuneError || unicode.IsControl(r) {
			return "", errEmailShape
		}
	}
	at := strings.IndexByte(t, '@')
	if at < 0 || strings.IndexByte(t[at+1:], '@') >= 0 {
		if strings.Count(t, "@") > 1 && strings.Count(t, ".") > 1 {
			return "", errEmailSeveral
		}
		return "", errEmailAt
	}
	// A dot after the domain is usually the end of a sentence.
	local, domain := t[:at], strings.TrimSuffix(t[at+1:], ".")
	if local == "" {
		return "", errEmailNoAtName
	}
	if len(local) > 64 {
		return "", errEmailTooLong
	}
	if !emailDomainOK(domain) {
		return "", errEmailDomain
	}
	domain = strings.ToLower(domain)
	addr := local + "@" + domain
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return "", errEmailShape
	}
	return addr, nil
}

// emailDomainOK checks the labels of a domain: at least two, none empty,
// none starting or ending with a hyphen, letters (any script), digits and
// hyphens only; the last one (the top-level domain) is not all digits.
func emailDomainOK(d string) bool {
	if d == "" || strings.IndexByte(d, '.') < 0 {
		return false
	}
	labels := 0
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		l := d[start:i]
		start = i + 1
		labels++
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' || len(l) > 63 {
			return false
		}
		allDigits := true
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return false
			}
			if !unicode.IsDigit(r) {
				allDigits = false
			}
		}
		if i == len(d) && allDigits {
			return false
		}
	}
	return labels >= 2
}
