package mapping

import (
	"slices"
	"strings"
	"unicode"
)

// Column titles are matched by words, not by substrings: «Код пациента»
// must not become ФИО because the ФИО dictionary knows «пациент». A title
// and every dictionary entry of fields.go go through the same steps:
//
//  1. split into lower-case words (ё is е; punctuation, «*», line breaks and
//     hyphens separate; «№» and «#» are words of their own; «PatientID»
//     splits at the case change);
//  2. rewrite the usual abbreviations and phrases: «д.р.», «г.р.» → дата
//     рождения, «ф.и.о.» → фио, «п/п», «тел.», «моб.», «нас. пункт», «e-mail»,
//     «last name»… (phrases), and English words to the Russian ones the
//     dictionaries use (words);
//  3. cut the Russian inflections (полиса → полис, рождения → рожден), so
//     that «Серия полиса» and «Полис: серия» are the same words;
//  4. drop the words that say nothing about the field: «пациента» in
//     «Дата рождения пациента», «ОМС», date format hints «(дд.мм.гггг)»,
//     single letters such as «(М/Ж)» — unless nothing else is left («Пациент»).
//
// The word tables below are about words, not fields: which titles name
// which field stays in the Headers of fields.go.

// titleWords is a title reduced to words, with what the words say about the
// column besides the field it may feed.
type titleWords struct {
	words []string // canonical words, neutral words removed
	// rowNumber: the column numbers the rows («№ п/п», «№», «N»); it feeds
	// no field and is never a key.
	rowNumber bool
	// ident: an identifier word (ИД, ID, код, номер, №, карта, МКАБ…) is in
	// the title; such a column never feeds a name or ФИО field.
	ident bool
	// own: the column is the patient's own identifier in the МИС: 1 an ID or
	// code of the patient («ИД пациента», «Код», «ID», «№ пациента»), 2 the
	// number of the patient's card («Номер карты», «№ амб. карты», «МКАБ»);
	// 0 when the identifier is of something else («Номер полиса», «Код МО»).
	own int
}

// phrases rewrite runs of words (matched before the single words).
var phrases = []struct{ from, to []string }{
	{[]string{"ф", "и", "о"}, []string{"фио"}},
	{[]string{"и", "о"}, []string{"имя", "отчество"}}, // «Фамилия И.О.»
	{[]string{"д", "р"}, []string{"дата", "рождения"}},
	{[]string{"г", "р"}, []string{"дата", "рождения"}}, // год рождения: the column holds the date
	{[]string{"п", "п"}, []string{"пп"}},
	{[]string{"e", "mail"}, []string{"email"}},
	{[]string{"эл", "адрес"}, []string{"email"}},
	{[]string{"св", "во"}, []string{"свидетельство"}},
	{[]string{"нас", "пункт"}, []string{"населенный", "пункт"}},
	{[]string{"date", "of", "birth"}, []string{"дата", "рождения"}},
	{[]string{"birth", "date"}, []string{"дата", "рождения"}},
	{[]string{"last", "name"}, []string{"фамилия"}},
	{[]string{"family", "name"}, []string{"фамилия"}},
	{[]string{"first", "name"}, []string{"имя"}},
	{[]string{"given", "name"}, []string{"имя"}},
	{[]string{"middle", "name"}, []string{"отчество"}},
	{[]string{"full", "name"}, []string{"фио"}},
	{[]string{"patient", "name"}, []string{"фио"}},
	{[]string{"place", "of", "birth"}, []string{"место", "рождения"}},
	{[]string{"blood", "type"}, []string{"группа", "крови"}},
	{[]string{"blood", "group"}, []string{"группа", "крови"}},
}

// synonyms rewrite one word: abbreviations, and English words to the Russian
// words of the dictionaries.
var synonyms = map[string][]string{
	"тел": {"телефон"}, "моб": {"мобильный"}, "сот": {"мобильный"}, "сотовый": {"мобильный"},
	"конт": {"контактный"}, "рожд": {"рождения"}, "рож": {"рождения"}, "рожден": {"рождения"},
	"дат": {"дата"}, "др": {"дата", "рождения"}, "дул": {"документ"}, "удл": {"документ"},
	"эл": {"электронная"}, "амб": {"амбулаторная"}, "мед": {"медицинская"},
	"факт": {"фактический"}, "фактич": {"фактический"}, "рег": {"регистрации"}, "регистр": {"регистрации"},
	"прож": {"проживания"}, "прикр": {"прикрепления"}, "прикреп": {"прикрепления"},
	"уч": {"участок"}, "ном": {"номер"}, "стр": {"страховая"},
	"no": {"номер"}, "num": {"номер"}, "number": {"номер"}, "nr": {"номер"},
	"id": {"ид"}, "идентификатор": {"ид"}, "идент": {"ид"}, "uid": {"ид"},
	"polis": {"полис"}, "policy": {"полис"}, "date": {"дата"}, "birth": {"рождения"},
	"birthday": {"дата", "рождения"}, "dob": {"дата", "рождения"},
	"sex": {"пол"}, "gender": {"пол"}, "phone": {"телефон"}, "telephone": {"телефон"}, "tel": {"телефон"},
	"mobile": {"мобильный"}, "cell": {"мобильный"}, "address": {"адрес"}, "card": {"карта"},
	"type": {"тип"}, "series": {"серия"}, "document": {"документ"}, "passport": {"паспорт"},
	"patient": {"пациент"}, "client": {"клиент"}, "person": {"пациент"}, "insurance": {"страховая"},
	"company": {"компания"}, "snils": {"снилс"}, "blood": {"кровь"}, "group": {"группа"},
	"mail": {"email"}, "surname": {"фамилия"}, "patronymic": {"отчество"}, "name": {"имя"},
	"rh": {"резус"}, "issued": {"выдан"}, "workplace": {"место", "работы"}, "position": {"должность"},
	"profession": {"профессия"}, "occupation": {"профессия"}, "pac": {"пациент"},
}

// endings are the Russian inflections cut from a word (longest first), so
// that «полиса» and «полис», «рождения» and «рождение» meet.
var endings = func() []string {
	e := []string{"иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ией",
		"ие", "ия", "ии", "ий", "ый", "ой", "ей", "ая", "яя", "ое", "ее", "ые", "ых", "их",
		"ов", "ев", "ам", "ям", "ах", "ях", "ом", "ем", "ью", "ья", "ию",
		"а", "я", "ы", "и", "у", "ю", "е", "о", "ь", "й"}
	slices.SortStableFunc(e, func(a, b string) int { return len(b) - len(a) })
	return e
}()

// stemFix joins stems a fleeting vowel keeps apart (участок, участка).
var stemFix = map[string]string{"участк": "участок"}

// neutral words say nothing about which field a column feeds.
var neutral = map[string]bool{
	"пациент": true, "клиент": true, "застрахова": true, "застрахован": true, "удостоверяющ": true,
	"личност": true, "омс": true, "дд": true, "мм": true, "гг": true, "гггг": true, "dd": true,
	"mm": true, "yy": true, "yyyy": true, "формат": true, "обязательн": true, "the": true, "of": true,
}

// keepLetters are single letters that are words («Полис с» is the start date).
var keepLetters = map[string]bool{"с": true}

// Identifier words: they make a column an identifier; the card words make it
// the number of a card; the qualifiers («амбулаторной», «уникальный») leave
// it the patient's own.
var (
	identWords     = map[string]bool{"ид": true, "код": true, "номер": true, "№": true, "guid": true}
	cardWords      = map[string]bool{"карт": true, "мкаб": true, "эмк": true, "истор": true, "болезн": true}
	cardQualifiers = map[string]bool{"амбулаторн": true, "медицинск": true, "электрон": true, "электронн": true,
		"уникальн": true, "внутрен": true, "внутренн": true, "системн": true}
	// rowNumberWords make up «№ п/п», «Номер по порядку», «N»; rowNumberMarks
	// are the ones that say so (a lone «Номер» does not).
	rowNumberWords = map[string]bool{"№": true, "n": true, "nn": true, "#": true, "пп": true, "нпп": true,
		"no": true, "номер": true, "по": true, "порядку": true, "порядковый": true, "строки": true, "строка": true}
	rowNumberMarks = map[string]bool{"№": true, "n": true, "nn": true, "#": true, "пп": true, "нпп": true,
		"порядку": true, "порядковый": true, "строки": true, "строка": true}
)

// splitTitle splits a title into lower-case words: ё is е, «№» and «#» are
// words, anything else that is not a letter or digit separates, and a Latin
// lower-case letter followed by a capital starts a new word («PatientID»).
func splitTitle(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	prevLowerLatin := false
	for _, r := range s {
		switch {
		case r == '№' || r == '#':
			flush()
			out = append(out, string(r))
			prevLowerLatin = false
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if prevLowerLatin && r < 0x80 && unicode.IsUpper(r) {
				flush()
			}
			prevLowerLatin = r < 0x80 && unicode.IsLower(r)
			if r == 'ё' || r == 'Ё' {
				r = 'е'
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
			prevLowerLatin = false
		}
	}
	flush()
	return out
}

// rewrite applies the phrases and the synonyms.
func rewrite(raw []string) []string {
	out := make([]string, 0, len(raw)+2)
next:
	for i := 0; i < len(raw); {
		for _, p := range phrases {
			if i+len(p.from) <= len(raw) && slices.Equal(raw[i:i+len(p.from)], p.from) {
				out = append(out, p.to...)
				i += len(p.from)
				continue next
			}
		}
		if s, ok := synonyms[raw[i]]; ok {
			out = append(out, s...)
		} else {
			out = append(out, raw[i])
		}
		i++
	}
	return out
}

// stem cuts a Russian inflection, keeping at least three letters.
func stem(w string) string {
	r := []rune(w)
	if len(r) < 4 || r[0] < 'а' || r[0] > 'я' {
		return w
	}
	for _, e := range endings {
		if strings.HasSuffix(w, e) && len(r)-len([]rune(e)) >= 3 {
			w = strings.TrimSuffix(w, e)
			break
		}
	}
	if f, ok := stemFix[w]; ok {
		return f
	}
	return w
}

// analyse reduces a title to its words and what they say.
func analyse(title string) titleWords {
	raw := splitTitle(title)
	var tw titleWords
	if len(raw) == 0 {
		return tw
	}
	// «№ п/п», «N», «Номер по порядку»: the row number.
	joined := rewriteRowNumber(raw)
	mark, only := false, true
	for _, w := range joined {
		mark = mark || rowNumberMarks[w]
		only = only && rowNumberWords[w]
	}
	if mark && only {
		return titleWords{rowNumber: true}
	}
	patientWord := false
	var words []string
	for _, w := range rewrite(raw) {
		if w == "№" || w == "#" {
			w = "номер"
		}
		s := stem(w)
		if s == "пациент" || s == "клиент" {
			patientWord = true
		}
		words = append(words, s)
	}
	// Drop neutral words and stray letters, unless nothing else is left.
	kept := words[:0:0]
	for _, w := range words {
		if neutral[w] || (len([]rune(w)) == 1 && !keepLetters[w] && !identWords[w]) {
			continue
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		kept = words
	}
	tw.words = kept
	// Identifiers.
	hasID, hasNumber, hasCard, content := false, false, false, false
	for _, w := range kept {
		switch {
		case w == "ид" || w == "код" || w == "guid":
			hasID = true
		case w == "номер":
			hasNumber = true
		case cardWords[w]:
			hasCard = true
		case cardQualifiers[w]:
		default:
			content = true
		}
	}
	tw.ident = hasID || hasNumber || hasCard
	if !content && !slices.Contains(kept, "guid") {
		switch {
		case hasCard:
			tw.own = 2
		case hasID, hasNumber && patientWord:
			tw.own = 1
		}
	}
	return tw
}

// rewriteRowNumber joins «п», «п» into «пп» for the row-number test.
func rewriteRowNumber(raw []string) []string {
	out := make([]string, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == "п" && i+1 < len(raw) && raw[i+1] == "п" {
			out = append(out, "пп")
			i++
			continue
		}
		out = append(out, raw[i])
	}
	return out
}
