package convert

import (
	"strings"
	"unicode"

	"mipimport/mip"
)

// Reference-book types given by name. МИС exports often write the polis type
// and the identity document type in words («Полис ОМС единого образца»,
// «Паспорт гражданина РФ») rather than as the ФОМС code МИП takes; these
// converters read the names and their usual variants so that no `map:` is
// needed. A code given as a number passes through unchanged (another code
// system is translated with `map:`, which is applied before).

var (
	errMethodUnknown    = valueErr("способ прикрепления не распознан: ожидается 1 (по месту жительства, по территориальному принципу) или 2 (по заявлению)")
	errPolisTypeUnknown = valueErr("тип полиса не распознан: ожидается код ФОМС F008 (1 — полис старого образца, 2 — временное свидетельство, 3 — полис единого образца) или его название; другие обозначения переведите через map: в файле сопоставления")
	errDocTypeUnknown   = valueErr("тип документа не распознан: ожидается код ФОМС F011 (14 — паспорт гражданина РФ, 3 — свидетельство о рождении, …) или его название; другие обозначения переведите через map: в файле сопоставления")
)

// PolisType returns the ФОМС F008 code of a polis type given as a code
// ("3", "3.0" from a numeric cell: passed through), as a name or one of its
// usual variants («Полис ОМС единого образца», «единого образца», «ЕНП»,
// «электронный полис», «полис в составе УЭК», «выписка из ЕРЗЛ» → 3;
// «Полис ОМС старого образца» → 1; «Временное свидетельство», «ВС» → 2), or
// as the letter of the insured-persons register ЕРЗЛ (С → 1, В → 2, П, Э,
// К → 3). An electronic polis and a polis on a УЭК card carry an ЕНП and are
// sent as 3 (domain notes §2.1: codes 4 and 5 are not in F008). Empty input
// gives "" and no error; a name it does not know is an error.
func PolisType(s string) (string, error) {
	t := trim(s)
	if t == "" {
		return "", nil
	}
	if c := cleanCode(t); isAllDigits(c) {
		return c, nil
	}
	words := refWords(t)
	if len(words) == 1 {
		switch words[0] {
		case "с", "c":
			return PolisOld, nil
		case "в", "b":
			return PolisTemp, nil
		case "п", "э", "к", "p", "k":
			return PolisSingle, nil
		}
	}
	switch {
	case hasWord(words, "вс") || hasPrefix(words, "времен"):
		return PolisTemp, nil
	case hasPrefix(words, "стар"):
		return PolisOld, nil
	case hasPrefix(words, "един", "енп", "электрон", "уэк", "цифров", "выписк", "пластик"):
		return PolisSingle, nil
	}
	return "", errPolisTypeUnknown
}

// AttachmentMethod returns the code of an attachment method: 1 by
// territory («по месту жительства», «по месту регистрации», «по
// территориальному принципу»), 2 by the patient's application («по
// заявлению»); "1" and "2" pass. Empty input gives 0 and no error.
func AttachmentMethod(s string) (mip.Code, error) {
	t := trim(s)
	if t == "" {
		return 0, nil
	}
	switch c := cleanCode(t); c {
	case "1":
		return 1, nil
	case "2":
		return 2, nil
	}
	w := refWords(t)
	switch {
	case hasPrefix(w, "заявлен", "выбор"):
		return 2, nil
	case hasPrefix(w, "территор", "жительств", "регистрац", "пребыван", "прописк"):
		return 1, nil
	}
	return 0, errMethodUnknown
}

// DocumentType returns the ФОМС F011 code of an identity document type given
// as a code (passed through, "14.0" cleaned) or as a name: the F011 names
// and their usual variants («Паспорт гражданина РФ», «паспорт РФ», a bare
// «Паспорт» → 14; «Свидетельство о рождении», «св-во о рожд.» → 3, one
// «выданное не в РФ» → 24; «Загранпаспорт» → 15; «Вид на жительство»,
// «ВНЖ» → 11; «Паспорт иностранного гражданина» → 9; «РВП» → 23; …).
// Empty input gives "" and no error; a name it does not know is an error.
func DocumentType(s string) (string, error) {
	t := trim(s)
	if t == "" {
		return "", nil
	}
	if c := cleanCode(t); isAllDigits(c) {
		return c, nil
	}
	w := refWords(t)
	has := func(prefixes ...string) bool { return hasPrefix(w, prefixes...) }
	passport := has("паспорт") && !has("загранпаспорт")
	switch {
	case has("ссср"):
		if has("загран") {
			return "2", nil
		}
		if passport {
			return "1", nil
		}
	case has("загранпаспорт") || (passport && has("загран")):
		return "15", nil
	case has("дипломат"):
		return "8", nil
	case passport && has("моряк"):
		return "16", nil
	case passport && has("минморфлот"):
		return "6", nil
	case passport && has("иностр"):
		return "9", nil
	case passport && onlyWords(w, "паспорт", "гражданин", "рф", "российск", "росси", "федерац", "общегражданск", "внутрен"):
		return DocPassport, nil
	case (has("свидетельств", "свид") || hasWord(w, "св")) && has("рожд"):
		if hasWord(w, "не") || has("иностр", "вне", "пределам") {
			return "24", nil
		}
		return DocBirthCertificate, nil
	case hasWord(w, "внж") || (has("вид") && has("жительств")):
		return "11", nil
	case has("военн") && has("билет"):
		if has("офицер", "запас") {
			return "17", nil
		}
		return "7", nil
	case has("удостоверен") && has("офицер"):
		return "4", nil
	case has("справк") && has("освобожд"):
		return "5", nil
	case has("ходатайств"):
		return "10", nil
	case has("беженц"):
		return "12", nil
	case has("удостоверен") && has("времен"):
		return "13", nil
	case hasWord(w, "рвп") || (has("разрешен") && has("проживан")):
		return "23", nil
	case has("гражданств") && hasWord(w, "без"):
		return "22", nil
	case has("документ") && has("иностр"):
		return "21", nil
	case has("убежищ"):
		return "25", nil
	case has("евразийск"):
		return "26", nil
	case has("ин", "проч", "друг") && (has("документ") || len(w) == 1):
		return "18", nil
	}
	return "", errDocTypeUnknown
}

// refWords splits a reference name into lower-case words: ё is е, anything
// but letters and digits separates («Св-во о рожд.» → св, во, о, рожд).
func refWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "ё", "е"), "Ё", "Е")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func hasWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func hasPrefix(words []string, prefixes ...string) bool {
	for _, x := range words {
		for _, p := range prefixes {
			if strings.HasPrefix(x, p) {
				return true
			}
		}
	}
	return false
}

// onlyWords reports whether every word starts with one of the prefixes.
func onlyWords(words []string, prefixes ...string) bool {
	for _, x := range words {
		if !hasPrefix([]string{x}, prefixes...) {
			return false
		}
	}
	return true
}
