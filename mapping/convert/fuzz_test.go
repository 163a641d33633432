package convert

import (
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"mipimport/mip"
)

// The fuzz targets check that no converter panics and that every accepted
// value has the promised shape. Seeds: the test vectors plus awkward forms.

// checkErr asserts the error convention: nil, or a *ValueError with a
// non-empty Russian message.
func checkErr(t *testing.T, in string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Msg == "" {
		t.Fatalf("%q: error %#v is not a *ValueError with a message", in, err)
	}
}

func fuzzSeeds(f *testing.F, extra ...string) {
	for _, s := range []string{"", " ", "\u00a0", "\t\t", "0", "-", "1E+40", "1,2E+15", "5.07E+15", "\xff\xfe", "\u200b", "٣"} {
		f.Add(s)
	}
	for _, s := range extra {
		f.Add(s)
	}
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"01.02.1990", "1.2.1990", "1990-02-01", "01.02.90", "32905", "31.02.1990",
		"32905.5", "60", "2958465", "19900201", "1990-02-01T00:00:00Z", "01.02.1990 0:00:00", "01.02.1990г.", "1990"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, serials uint8) {
		d, warn, err := Date(s, nil, Serials(serials%3))
		checkErr(t, s, err)
		if err != nil {
			if !d.IsZero() || warn != "" {
				t.Fatalf("%q: error %v with a value %v / warning %q", s, err, d, warn)
			}
			return
		}
		if d.IsZero() {
			if trim(s) != "" {
				t.Fatalf("%q: no date and no error", s)
			}
			return
		}
		if _, ok := mip.NewDate(d.Year, d.Month, d.Day); !ok || d.Year < 1900 || d.Year > 9999 {
			t.Fatalf("%q: accepted impossible date %+v", s, d)
		}
		// The ISO form of the result reads back as the same date.
		// Without serials a bare number is never a date.
		if _, isNum := excelSerialText(trim(s)); isNum && Serials(serials%3) == NoSerials {
			t.Fatalf("%q: a bare number read as the date %v", s, d)
		}
		if d2, _, err := Date(d.String(), nil, NoSerials); err != nil || d2 != d {
			t.Fatalf("%q: %v does not round-trip: %v, %v", s, d, d2, err)
		}
	})
}

var (
	fuzzSNILSShape = regexp.MustCompile(`^\d{3}-\d{3}-\d{3} \d{2}$`)
	fuzzPhoneRU    = regexp.MustCompile(`^\+7[1-9]\d{9}$`)
	fuzzPhone8     = regexp.MustCompile(`^8[1-9]\d{9}$`)
	fuzzPhoneIntl  = regexp.MustCompile(`^\+[1-9]\d{7,14}$`)
	fuzzPassSer    = regexp.MustCompile(`^\d{2} \d{2}$`)
	fuzzPassNum    = regexp.MustCompile(`^\d{6,7}$`)
	fuzzBirthSer   = regexp.MustCompile(`^[IVXLC]+-[А-ЯЁ]{2}$`)
)

func FuzzSNILS(f *testing.F) {
	fuzzSeeds(f, "112-233-445 95", "11223344595", "101998900", "1234567819", "1,1223344595E+10",
		"000-000-000 00", "001-001-998 00", "112-233-445 96", "112–233–445\u00a095")
	f.Fuzz(func(t *testing.T, s string) {
		out, warn, err := SNILS(s, Cell{})
		checkErr(t, s, err)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error with output %q", s, out)
			}
			return
		}
		if out == "" {
			if trim(s) != "" && warn == "" {
				t.Fatalf("%q: absent without a warning", s)
			}
			return
		}
		if !fuzzSNILSShape.MatchString(out) {
			t.Fatalf("%q: %q is not XXX-XXX-XXX YY", s, out)
		}
		d := stripSep(out)
		if d[:9] > "001001998" && int(d[9]-'0')*10+int(d[10]-'0') != snilsCheckNumber(d) {
			t.Fatalf("%q: %q fails the check", s, out)
		}
		// Normalising the output changes nothing.
		if out2, _, err := SNILS(out, Cell{}); err != nil || out2 != out {
			t.Fatalf("%q: not idempotent: %q → %q, %v", s, out, out2, err)
		}
	})
}

func FuzzPolisNumber(f *testing.F) {
	for _, s := range []string{"8451999122899990", "5070000000000000", "1,23456789012345E+15", "8451 9991 2289 9990",
		"123456789", "АБ 123456", "123456789012347", "8.4519991228999904E+15", "9.99999999999999999E+15"} {
		for _, code := range []string{"", "1", "2", "3", "4", "3.0", "x"} {
			f.Add(s, code)
		}
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		out, warn, err := PolisNumber(s, code, Cell{})
		checkErr(t, s, err)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error with output %q", s, out)
			}
			return
		}
		if (out == "") != (trim(s) == "") {
			t.Fatalf("%q (%q): output %q", s, code, out)
		}
		if out == "" {
			return
		}
		c := cleanCode(code)
		if c == "" {
			c = InferPolisType("", s)
		}
		switch c {
		case "3", "4", "5":
			if len(out) != 16 || !isAllDigits(out) {
				t.Fatalf("%q (%q): %q is not 16 digits", s, code, out)
			}
			if !ValidENP(out) && warn != warnENPChecksum {
				t.Fatalf("%q (%q): %q fails the check without the checksum warning (%q)", s, code, out, warn)
			}
		case "2":
			if len(out) != 9 || !isAllDigits(out) {
				t.Fatalf("%q (%q): %q is not 9 digits", s, code, out)
			}
		default:
			if utf8.RuneCountInString(out) > 20 || out != Collapse(out) || !utf8.ValidString(out) && utf8.ValidString(s) {
				t.Fatalf("%q (%q): free number %q", s, code, out)
			}
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"8 (912) 345-67-89", "+7 (912) 345-67-89", "89123456789", "9123456789", "8-3452-12-34-56",
		"12-34-56", "+375 29 123-45-67", "89123456789, 89997776655", "9.123456789E+9", "0079123456789",
		"8 10 375 29 123 45 67", "+89123456789", "тел. 8 912 345-67-89 доб. 12"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, eight bool) {
		format := PhoneFormatPlus7
		if eight {
			format = PhoneFormat8
		}
		out, warn, err := Phone(s, format, Cell{})
		checkErr(t, s, err)
		if err != nil {
			if out != "" {
				t.Fatalf("%q: error with output %q", s, out)
			}
			return
		}
		if out == "" {
			if trim(s) != "" {
				t.Fatalf("%q: no number and no error", s)
			}
			return
		}
		switch {
		case !eight && fuzzPhoneRU.MatchString(out), eight && fuzzPhone8.MatchString(out):
			if out2, _, err := Phone(out, format, Cell{}); err != nil || out2 != out {
				t.Fatalf("%q: not idempotent: %q → %q, %v", s, out, out2, err)
			}
		case fuzzPhoneIntl.MatchString(out) && !strings.HasPrefix(out, "+7"):
			if !strings.Contains(warn, warnPhoneForeign) {
				t.Fatalf("%q: foreign %q without a warning", s, out)
			}
		default:
			t.Fatalf("%q (format %q): bad phone %q", s, format, out)
		}
	})
}

func FuzzFIO(f *testing.F) {
	fuzzSeeds(f, "Иванов Иван Иванович", "ПЕТРОВА-ВОДКИНА анна сергеевна", "Алиев Рустам Ильхам оглы",
		"Smith John", "  иванов   иван  ", "Иванов", "Петрова - Водкина Анна", "Иванов И.И.", "Ивaнов Иван",
		"Иванов Иван -", "- - -", "Иванов ---- Иван", "a-", "-a b-")
	f.Fuzz(func(t *testing.T, s string) {
		fam, name, pat, warn, err := FIO(s)
		checkErr(t, s, err)
		if err != nil {
			if fam != "" || name != "" || pat != "" || warn != "" {
				t.Fatalf("%q: error with output", s)
			}
			return
		}
		if trim(s) == "" {
			if fam != "" || name != "" || pat != "" {
				t.Fatalf("%q: output from a blank cell", s)
			}
			return
		}
		if fam == "" || name == "" {
			t.Fatalf("%q: family %q, name %q", s, fam, name)
		}
		for _, part := range []string{fam, name, pat} {
			checkNamePart(t, s, part)
		}
		if strings.Contains(fam, " ") || strings.Contains(name, " ") {
			t.Fatalf("%q: a space inside the family %q or the name %q", s, fam, name)
		}
	})
}

// FuzzFIOWordsPlain holds fioWords' shortcut for plain names to the full
// splitter: wherever the shortcut takes a text, both give the same words.
func FuzzFIOWordsPlain(f *testing.F) {
	fuzzSeeds(f, "Иванов Иван Иванович", "Smith John", "Ёлкин Пётр", "Иванов  Иван", " Иванов", "Иванов ",
		"Ивaнов Иван", "Петрова-Водкина Анна", "Иванов И.", "Ї", "А", "", "Z z", "Ґ", "\u0400", "Ѐ Ѓ")
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := plainWords(s)
		if !ok {
			return
		}
		for _, comma := range []bool{true, false} {
			slow, err := fioWordsSlow(s, comma)
			if err != nil || !slices.Equal(fast, slow) {
				t.Fatalf("%q: shortcut %q, full splitter %q, %v", s, fast, slow, err)
			}
		}
	})
}

// FuzzCollapse holds Collapse's shortcut (a text with nothing to collapse
// is returned as it is) to splitting at every blank and joining with one
// space.
func FuzzCollapse(f *testing.F) {
	fuzzSeeds(f, "г. Москва, ул. Мира, д. 1", " a", "a ", "a  b", "a\u00a0b", "a\tb", "\u2003", "a\u0085b", "a\u200bb", "\xff \xfe", "", " ")
	f.Fuzz(func(t *testing.T, s string) {
		got := Collapse(s)
		if !utf8.ValidString(s) {
			if Collapse(got) != got {
				t.Fatalf("%q: %q is not collapsed", s, got)
			}
			return
		}
		if want := strings.Join(strings.FieldsFunc(s, isBlank), " "); got != want {
			t.Fatalf("%q: %q, want %q", s, got, want)
		}
	})
}

// checkNamePart asserts the shape of a cleaned name part.
func checkNamePart(t *testing.T, in, part string) {
	t.Helper()
	if part != Collapse(part) || strings.Contains(part, "  ") {
		t.Fatalf("%q: part %q is not trimmed and collapsed", in, part)
	}
	if !utf8.ValidString(part) {
		t.Fatalf("%q: part %q is not UTF-8", in, part)
	}
	for _, r := range part {
		if unicode.IsDigit(r) || unicode.IsControl(r) {
			t.Fatalf("%q: part %q holds %q", in, part, r)
		}
	}
	if strings.HasPrefix(part, "-") || strings.HasSuffix(part, "-") {
		t.Fatalf("%q: part %q starts or ends with a hyphen", in, part)
	}
}

func FuzzName(f *testing.F) {
	fuzzSeeds(f, "ИВАНОВ", "петрова – водкина", "ИЛЬХАМ ОГЛЫ", "Ивaнов", "И.", "МакДональд")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Name(s)
		checkErr(t, s, err)
		if err != nil || out == "" {
			if err == nil && trim(s) != "" {
				t.Fatalf("%q: nothing and no error", s)
			}
			return
		}
		checkNamePart(t, s, out)
		if out2, err := Name(out); err != nil || out2 != out {
			t.Fatalf("%q: not idempotent: %q → %q, %v", s, out, out2, err)
		}
	})
}

func FuzzGender(f *testing.F) {
	fuzzSeeds(f, "М", "м", "M", "муж", "Мужской", "1", "Ж", "жен.", "женский", "2", "X", "1.0")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := Gender(s)
		checkErr(t, s, err)
		switch {
		case err != nil:
			if g != 0 {
				t.Fatalf("%q: error with %d", s, g)
			}
		case g == 0:
			if trim(s) != "" {
				t.Fatalf("%q: no gender and no error", s)
			}
		case g != GenderMale && g != GenderFemale:
			t.Fatalf("%q: gender %d", s, g)
		}
	})
}

func FuzzBool(f *testing.F) {
	fuzzSeeds(f, "да", "Да", "ДА", "нет", "1", "0", "ИСТИНА", "ЛОЖЬ", "+", "возможно", "x", "−", "1.0")
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseBool(s)
		p, err := Bool(s)
		checkErr(t, s, err)
		switch {
		case ok:
			if err != nil || p == nil || *p != v {
				t.Fatalf("%q: parseBool %v, strict %v, %v", s, v, p, err)
			}
		case trim(s) == "":
			if err != nil || p != nil {
				t.Fatalf("%q: blank gives %v, %v", s, p, err)
			}
		default:
			if err == nil || p != nil {
				t.Fatalf("%q: unknown value gives %v, %v", s, p, err)
			}
		}
	})
}

func FuzzBlood(f *testing.F) {
	fuzzSeeds(f, "O(I) Rh+", "0(I) Rh+", "О(I) Rh+", "A(II) Rh-", "А(II) Rh−", "II+", "III (-)",
		"B(III) резус положительный", "AB(IV) Rh отрицательный", "I (0) Rh+", "IV (AB) Rh−", "4 отр", "2",
		"Rh+", "A(III) Rh+", "AB(VI) Rh+", "A₂(II) Rh+", "A₂B(IV)", "Ⅳ", "ⅠⅠ")
	f.Fuzz(func(t *testing.T, s string) {
		g, rh, err := Blood(s)
		checkErr(t, s, err)
		if err != nil {
			if g != 0 {
				t.Fatalf("%q: error with group %d", s, g)
			}
			return
		}
		if g < 0 || g > 4 {
			t.Fatalf("%q: group %d", s, g)
		}
		if g == 0 && rh == nil && trim(s) != "" {
			t.Fatalf("%q: nothing recognised and no error", s)
		}
	})
}

func FuzzEmail(f *testing.F) {
	fuzzSeeds(f, "ivan@mail.ru", "Ivan@Mail.RU", "иван@почта.рф", "mailto:a@b.ru", "<a@b.ru>", "a@b", "a@@b.ru",
		"a b@c.ru", "a@b.ru, c@d.ru", "a..b@c.ru", "a@b.ru.", "\"a\"@b.ru", "a@[1.2.3.4]")
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Email(s)
		checkErr(t, s, err)
		if err != nil || out == "" {
			if err == nil && trim(s) != "" {
				t.Fatalf("%q: nothing and no error", s)
			}
			if err != nil && out != "" {
				t.Fatalf("%q: error with output %q", s, out)
			}
			return
		}
		if strings.Count(out, "@") != 1 || strings.ContainsFunc(out, isBlank) {
			t.Fatalf("%q: bad address %q", s, out)
		}
		at := strings.IndexByte(out, '@')
		local, domain := out[:at], out[at+1:]
		if local == "" || !strings.Contains(domain, ".") || domain != strings.ToLower(domain) {
			t.Fatalf("%q: bad address %q", s, out)
		}
		if a, err := mail.ParseAddress(out); err != nil || a.Address != out {
			t.Fatalf("%q: net/mail refuses %q: %v", s, out, err)
		}
		if out2, err := Email(out); err != nil || out2 != out {
			t.Fatalf("%q: not idempotent: %q → %q, %v", s, out, out2, err)
		}
	})
}

func FuzzDocument(f *testing.F) {
	type seed struct{ code, series, number string }
	for _, s := range []seed{
		{"14", "4506", "123456"}, {"14", "", "4506 123456"}, {"14", "45 06", "123456"}, {"14", "", "4506123456"},
		{"14", "45-06", "123456"}, {"14", "", "106123456"}, {"14", "106", "123456"}, {"14", "4506", "1234567"},
		{"3", "IV-АГ", "123456"}, {"3", "1У АГ", "123456"}, {"3", "", "IV-АГ № 123456"}, {"3", "IVAГ", "12345"},
		{"9", "AB", "1234567.0"}, {"", "", ""}, {"14.0", "\u00a0", "\u00a0"}, {"3", "-", "№"}, {"3", "ⅠV-АГ", "1"},
	} {
		f.Add(s.code, s.series, s.number)
	}
	f.Fuzz(func(t *testing.T, code, series, number string) {
		s, n, warn, err := Document(code, series, number, Cell{}, Cell{})
		in := code + "|" + series + "|" + number
		checkErr(t, in, err)
		if err != nil {
			if s != "" || n != "" || warn != "" {
				t.Fatalf("%q: error with output", in)
			}
			return
		}
		if trim(series) == "" && trim(number) == "" && (s != "" || n != "") {
			t.Fatalf("%q: output from blank cells", in)
		}
		switch cleanCode(code) {
		case DocPassport:
			if s == "" && n == "" {
				return
			}
			if !fuzzPassSer.MatchString(s) || !fuzzPassNum.MatchString(n) {
				t.Fatalf("%q: passport %q %q", in, s, n)
			}
			if s2, n2, _, err := Document(code, s, n, Cell{}, Cell{}); err != nil || s2 != s || n2 != n {
				t.Fatalf("%q: not idempotent: %q %q → %q %q, %v", in, s, n, s2, n2, err)
			}
		case DocBirthCertificate:
			if warn == "" && s != "" && !fuzzBirthSer.MatchString(s) {
				t.Fatalf("%q: series %q without a warning", in, s)
			}
			if warn == "" && n != "" && (len(n) != 6 || !isAllDigits(n)) {
				t.Fatalf("%q: number %q without a warning", in, n)
			}
		default:
			if s != Collapse(s) || n != Collapse(n) {
				t.Fatalf("%q: not trimmed: %q %q", in, s, n)
			}
		}
	})
}
