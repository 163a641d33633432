package convert

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mipimport/mip"
)

// Gender codes of ФОМС V005, which the МИП uses.
const (
	GenderMale   mip.Code = 1
	GenderFemale mip.Code = 2
)

var (
	errNameDigits    = valueErr("содержит цифры")
	errNameMixed     = valueErr("в слове смешаны русские и латинские буквы")
	errNameInitials  = valueErr("указаны инициалы — нужны полные имя и отчество")
	errNameNoLetters = valueErr("нет букв")
	errNameTooLong   = valueErr("слишком длинное значение для ФИО")
	errFIOOneWord    = valueErr("указано только одно слово — нужны фамилия и имя")
	errGender        = valueErr("непонятный пол: ожидается М или Ж")
)

const (
	warnFIOLookalike = "латинские буквы, похожие на русские, заменены на русские (или наоборот)"
	warnFIOManyWords = "в ФИО больше трёх слов — всё после имени считано отчеством, проверьте"
)

// maxNameBytes bounds a name cell: no real ФИО comes near it, and the
// bound keeps a garbage cell from costing time.
const maxNameBytes = 1000

// turkicParticles end two-word patronymics ("Ильхам оглы"); they stay in
// lower case when a word is capitalised.
var turkicParticles = [...]string{"оглы", "кызы", "улы", "уулу", "гызы", "оглу", "кизи"}

func isTurkicParticle(w string) bool {
	if len(w) < 6 || len(w) > 8 { // 3 or 4 Cyrillic letters
		return false
	}
	switch r, _ := utf8.DecodeRuneInString(w); r {
	case 'о', 'О', 'к', 'К', 'у', 'У', 'г', 'Г':
	default:
		return false
	}
	for _, p := range turkicParticles {
		if strings.EqualFold(w, p) {
			return true
		}
	}
	return false
}

// noPatronymic lists the fillers registries write instead of a patronymic.
// Dashes are handled apart.
var noPatronymic = [...]string{
	"нет", "без отчества", "неизвестно", "нет отчества",
	"отсутствует", "не указано", "н/д", "б/о", "отч. нет",
}

// IsNoPatronymic reports whether s is a placeholder for "no patronymic":
// "нет", "-" (any dash), "без отчества", "неизвестно", "нет отчества",
// "отсутствует", "не указано", "н/д", "б/о", in any case, with surrounding
// white space and a trailing dot ignored. The empty string is not a
// placeholder (it is simply absent).
func IsNoPatronymic(s string) bool {
	t := trim(s)
	t = strings.TrimSuffix(t, ".")
	if t == "" {
		return false
	}
	onlyDashes := true
	for _, r := range t {
		if !isDash(r) {
			onlyDashes = false
			break
		}
	}
	if onlyDashes {
		return true
	}
	// Spare the comparisons for real patronymics: every placeholder is
	// short and starts with н, б or о.
	if len(t) > 40 {
		return false
	}
	switch r, _ := utf8.DecodeRuneInString(t); r {
	case 'н', 'Н', 'б', 'Б', 'о', 'О':
	default:
		return false
	}
	t = Collapse(t)
	for _, p := range noPatronymic {
		if strings.EqualFold(t, p) {
			return true
		}
	}
	return false
}

// fioWords splits a name cell into words: blanks (and, when commaIsBlank,
// commas) separate words unless a dash stands on either side of them
// ("Петрова - Водкина" → "Петрова-Водкина"); every run of dashes becomes
// one "-". It rejects digits, characters that do not belong in a name, and
// cells longer than maxNameBytes. It runs in linear time.
func fioWords(t string, commaIsBlank bool) ([]string, error) {
	if len(t) > maxNameBytes {
		return nil, errNameTooLong
	}
	if words, ok := plainWords(t); ok {
		return words, nil
	}
	return fioWordsSlow(t, commaIsBlank)
}

// plainWords splits t when it holds only letters and single ASCII spaces
// between words, as almost every name cell does: the words are then pieces
// of t, with nothing to build. ok is false for anything else, which
// fioWordsSlow handles (FuzzFIOWordsPlain holds the two to the same words).
func plainWords(t string) (words []string, ok bool) {
	words = make([]string, 0, 4) // family, name, patronymic, and оглы
	start := 0
	for i := 0; i < len(t); {
		if t[i] == ' ' {
			if i == start {
				return nil, false // a leading or a double space
			}
			words = append(words, t[start:i])
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		if !isLetterFast(r) {
			return nil, false
		}
		i += n
	}
	if start == len(t) {
		return nil, false // empty, or a trailing space
	}
	return append(words, t[start:]), true
}

// fioWordsSlow is fioWords for any text.
func fioWordsSlow(t string, commaIsBlank bool) ([]string, error) {
	var words []string
	var sb strings.Builder
	pendingSpace := false
	for _, r := range t {
		if isBlank(r) || (commaIsBlank && r == ',') {
			pendingSpace = true
			continue
		}
		dash := isDash(r)
		last := byte(0)
		if b := sb.String(); b != "" {
			last = b[len(b)-1]
		}
		if pendingSpace && last != 0 && last != '-' && !dash {
			// A real word boundary: no hyphen on either side of the
			// blanks ("Петрова - Водкина" stays one word).
			words = append(words, sb.String())
			sb.Reset()
		}
		pendingSpace = false
		switch {
		case dash:
			if last != '-' { // "Иванов--Петров" has one hyphen
				sb.WriteByte('-')
			}
		case isLetterFast(r):
			sb.WriteRune(r)
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ', r == '`', r == '.':
			sb.WriteRune(r)
		case unicode.IsDigit(r):
			return nil, errNameDigits
		case r == utf8.RuneError:
			return nil, valueErr("недопустимый символ")
		default:
			return nil, valueErr("недопустимый символ «" + string(r) + "»")
		}
	}
	if sb.Len() > 0 {
		words = append(words, sb.String())
	}
	return words, nil
}

// cleanWord checks one word (hyphen parts included): a trailing dot after
// a full word is dropped, any other dot marks initials; letters of two
// alphabets are reconciled when all of the minority are look-alikes.
// changed reports a look-alike replacement.
func cleanWord(w string) (out string, changed bool, err error) {
	w = strings.Trim(w, "-")
	if strings.Contains(w, ".") {
		body := strings.TrimSuffix(w, ".")
		if strings.Contains(body, ".") || utf8.RuneCountInString(body) <= 2 {
			return "", false, errNameInitials
		}
		w = strings.Trim(body, "-")
	}
	letters := false
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters = true
			break
		}
	}
	if !letters {
		return "", false, errNameNoLetters
	}
	return fixLookalikes(w)
}

// Latin letters that look like Cyrillic ones, and back.
var (
	latinToCyrillic = map[rune]rune{
		'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М', 'O': 'О',
		'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У',
		'a': 'а', 'c': 'с', 'e': 'е', 'k': 'к', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у',
	}
	cyrillicToLatin = func() map[rune]rune {
		m := make(map[rune]rune, len(latinToCyrillic)+2)
		for l, c := range latinToCyrillic {
			m[c] = l
		}
		// The Ukrainian and Belarusian і is no Russian letter, so it maps
		// one way only.
		m['і'], m['І'] = 'i', 'I'
		return m
	}()
)

// fixLookalikes makes a word that mixes Cyrillic and Latin letters
// single-alphabet when every letter of the minority alphabet has a
// look-alike in the majority one; otherwise it is an error.
func fixLookalikes(w string) (string, bool, error) {
	cyr, lat := 0, 0
	for _, r := range w {
		switch {
		case isCyrillic(r):
			cyr++
		case isLatin(r):
			lat++
		}
	}
	if cyr == 0 || lat == 0 {
		return w, false, nil
	}
	toCyr := cyr >= lat
	var sb strings.Builder
	sb.Grow(len(w) + lat)
	for _, r := range w {
		switch {
		case toCyr && isLatin(r):
			c, ok := latinToCyrillic[r]
			if !ok {
				return "", false, errNameMixed
			}
			r = c
		case !toCyr && isCyrillic(r):
			l, ok := cyrillicToLatin[r]
			if !ok {
				return "", false, errNameMixed
			}
			r = l
		}
		sb.WriteRune(r)
	}
	return sb.String(), true, nil
}

// isCyrillic and isLatin have fast paths for the common ranges.
func isCyrillic(r rune) bool {
	if r >= 0x400 && r <= 0x4ff {
		return true
	}
	return r >= 0x80 && unicode.Is(unicode.Cyrillic, r)
}

func isLatin(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
	}
	return r < 0x400 && unicode.Is(unicode.Latin, r) || r >= 0x1e00 && unicode.Is(unicode.Latin, r)
}

// titleWord capitalises every hyphen part of w that is written in a single
// case ("ИВАНОВ", "иванов" → "Иванов"): registry exports shout, careless
// typists do not use the shift key. A part in mixed case ("МакДональд") is
// kept as written. A Turkic particle that is not the first word of the value
// ("ОГЛЫ") becomes lower case instead.
func titleWord(w string, first bool) string {
	if !first && isTurkicParticle(w) {
		return strings.ToLower(w)
	}
	change := false
	for part := range strings.SplitSeq(w, "-") {
		if partNeedsTitle(part) {
			change = true
			break
		}
	}
	if !change {
		return w
	}
	var sb strings.Builder
	sb.Grow(len(w))
	for i, part := range strings.Split(w, "-") {
		if i > 0 {
			sb.WriteByte('-')
		}
		if !partNeedsTitle(part) {
			sb.WriteString(part)
			continue
		}
		start := true
		for _, r := range part {
			if unicode.IsLetter(r) {
				if start {
					r = unicode.ToUpper(r)
				} else {
					r = unicode.ToLower(r)
				}
				start = false
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// letterCase classifies r for name handling, with a fast path for the
// Russian alphabet (unicode tables are slow for a per-cell loop).
func letterCase(r rune) (letter, upper, lower bool) {
	switch {
	case r >= 'А' && r <= 'Я', r == 'Ё':
		return true, true, false
	case r >= 'а' && r <= 'я', r == 'ё':
		return true, false, true
	case r >= 'A' && r <= 'Z':
		return true, true, false
	case r >= 'a' && r <= 'z':
		return true, false, true
	case r < 0x80:
		return false, false, false
	}
	if !unicode.IsLetter(r) {
		return false, false, false
	}
	return true, unicode.IsUpper(r), unicode.IsLower(r)
}

func isLetterFast(r rune) bool {
	l, _, _ := letterCase(r)
	return l
}

// partNeedsTitle reports whether a name part is in a single case and not
// already capitalised.
func partNeedsTitle(p string) bool {
	upper, lower, letters := 0, 0, 0
	firstUpper := false
	for _, r := range p {
		letter, up, low := letterCase(r)
		if !letter {
			continue
		}
		letters++
		if up {
			upper++
			if letters == 1 {
				firstUpper = true
			}
		} else if low {
			lower++
		}
	}
	switch {
	case upper > 0 && lower > 0:
		return false // mixed: "Иванов" (fine already) or "МакДональд"
	case upper > 1:
		return true // "ИВАНОВ"
	case lower > 0:
		return true // "иванов"
	}
	return letters > 0 && !firstUpper
}

// cleanWords applies cleanWord and titleWord to every word.
func cleanWords(words []string) (bool, error) {
	changed := false
	for i, w := range words {
		v, ch, err := cleanWord(w)
		if err != nil {
			return false, err
		}
		changed = changed || ch
		words[i] = titleWord(v, i == 0)
	}
	return changed, nil
}

// Name cleans one part of a name given in its own column (family,
// name or patronymic): trims, collapses white space (NBSP and tabs
// included), writes every dash as "-" and glues "Петрова - Водкина". Every
// word, and every hyphen part of it, written all in upper or all in lower
// case is capitalised ("ПЕТРОВА-ВОДКИНА" → "Петрова-Водкина", "иванов" →
// "Иванов"); mixed case ("МакДональд") is kept; the particles оглы/кызы after
// the first word become lower case. The testvectors decide per word, not per
// cell: "ПЕТРОВА-ВОДКИНА анна" → "Петрова-Водкина Анна". Latin look-alikes
// inside a Cyrillic word (and the reverse) are replaced silently; ё is kept
// as written.
//
// Errors: digits, characters other than letters, dashes, apostrophes and
// spaces, initials ("И.", "И.И."), a word mixing alphabets beyond
// look-alikes, no letters at all. Empty input is absent. A placeholder such
// as "нет" or "-" is not recognised here: check IsNoPatronymic first.
func Name(s string) (string, error) {
	t := trim(s)
	if t == "" {
		return "", nil
	}
	words, err := fioWords(t, false)
	if err != nil {
		return "", err
	}
	if len(words) == 0 {
		return "", errNameNoLetters
	}
	if _, err := cleanWords(words); err != nil {
		return "", err
	}
	if len(words) == 1 {
		return words[0], nil
	}
	return strings.Join(words, " "), nil
}

// FIO splits a full name written in one cell ("Иванов Иван Иванович")
// into family, name and patronymic.
//
// White space (NBSP and tabs included) and commas separate words; the first
// word is the family name (hyphenated names are kept: "Петрова-Водкина",
// also when written "Петрова - Водкина"), the second the name, all the rest
// the patronymic ("Алиев Рустам Ильхам оглы" → patronymic "Ильхам оглы"). A
// patronymic that is a placeholder (IsNoPatronymic: "нет", "-", …) is
// returned empty. Words are capitalised as in Name; Latin
// look-alikes are replaced with a warning. More than
// three words (other than a Turkic patronymic) give a warning.
//
// Errors: a single word («указано только одно слово…»), digits, initials
// ("Иванов И.И."), characters that do not belong in a name.
func FIO(s string) (family, name, patronymic string, warn string, err error) {
	t := trim(s)
	if t == "" {
		return "", "", "", "", nil
	}
	words, err := fioWords(t, true)
	if err != nil {
		return "", "", "", "", err
	}
	switch len(words) {
	case 0:
		return "", "", "", "", errNameNoLetters
	case 1:
		return "", "", "", "", errFIOOneWord
	}
	// A placeholder patronymic ("нет", "-", "без отчества") means none.
	if len(words) > 2 && IsNoPatronymic(strings.Join(words[2:], " ")) {
		words = words[:2]
	}
	for _, w := range words[1:] {
		if utf8.RuneCountInString(strings.TrimSuffix(w, ".")) == 1 {
			return "", "", "", "", errNameInitials
		}
	}
	changed, err := cleanWords(words)
	if err != nil {
		return "", "", "", "", err
	}
	if changed {
		warn = warnFIOLookalike
	}
	family, name = words[0], words[1]
	if len(words) > 2 {
		rest := words[2:]
		patronymic = strings.Join(rest, " ")
		if len(rest) > 2 || (len(rest) == 2 && !isTurkicParticle(rest[1])) {
			warn = joinWarn(warn, warnFIOManyWords)
		}
	}
	return family, name, patronymic, warn, nil
}

// Gender reads the sex of the patient as the V005 code (1 male,
// 2 female). Accepted, in any case and with a trailing dot: М (Cyrillic or
// Latin M), муж, мужской, мужчина, male, 1; Ж, жен, женский, женщина, F,
// female, 2 ("1.0"/"2.0" from numeric cells too). Anything else is an error;
// empty is absent (0).
func Gender(s string) (mip.Code, error) {
	t := cleanCode(s)
	if t == "" {
		return 0, nil
	}
	if len(t) > 1 {
		t = strings.TrimSuffix(t, ".")
	}
	for _, w := range maleWords {
		if strings.EqualFold(t, w) {
			return GenderMale, nil
		}
	}
	for _, w := range femaleWords {
		if strings.EqualFold(t, w) {
			return GenderFemale, nil
		}
	}
	return 0, errGender
}

var (
	maleWords   = [...]string{"м", "m", "муж", "мужской", "мужчина", "male", "1", "мальчик"}
	femaleWords = [...]string{"ж", "f", "жен", "женский", "женщина", "female", "2", "девочка"}
)
