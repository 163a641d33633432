package mipmock

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"mipimport/mip"
)

// Field names as the API page writes them, with their Russian descriptions.
const (
	fieldGUID       = "Guid (Идентификатор медицинской карты)"
	fieldFamily     = "Family (Фамилия)"
	fieldName       = "Name (Имя)"
	fieldPatronymic = "Patronymic (Отчество)"
	fieldBirthday   = "Birthday (Дата рождения)"
	fieldPolis      = "Polis (Полис)"
	fieldPolisNum   = "Polis.Number (Номер полиса)"
	fieldMcod       = "Mcod (Мкод ЛПУ или подразделения)"
	fieldPhone      = "Phone (Номер телефона)"
	fieldGender     = "Gender (Пол пациента)"

	fieldAttMcod   = "Attachment.Mcod (Мкод МО прикрепления)"
	fieldAttDate   = "Attachment.Date (Дата прикрепления)"
	fieldAttMethod = "Attachment.Method (Способ прикрепления)"
)

// Messages that callers may want to match.
const (
	msgYearlyRule = "Прикрепление к другой МО чаще одного раза в год"
)

func msgRequired(field string) string {
	return "Не заполнено обязательное поле " + field
}

func msgFuture(field string, d mip.Date) string {
	return fmt.Sprintf("Поле %s содержит дату в будущем: %s", field, d)
}

func msgOtherPatient(guid string) string {
	return fmt.Sprintf("Карта с guid %s принадлежит другому пациенту (ФИО, дата рождения и документы не совпадают)", guid)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// canonicalGUID returns the GUID in canonical lower-case form, or false when
// s is not a GUID.
func canonicalGUID(s string) (string, bool) {
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// validatePatient returns one Russian message per problem of the card
// itself (the attachment is checked separately). today is the server's date.
func validatePatient(p *mip.Patient, today mip.Date) []string {
	var msgs []string
	if p.GUID != "" {
		if _, ok := canonicalGUID(p.GUID); !ok {
			msgs = append(msgs, fmt.Sprintf("Поле %s содержит некорректный GUID: %q", fieldGUID, p.GUID))
		}
	}
	for _, f := range []struct {
		value, name string
	}{
		{p.Family, fieldFamily},
		{p.Name, fieldName},
		{p.Patronymic, fieldPatronymic},
	} {
		if blank(f.value) {
			msgs = append(msgs, msgRequired(f.name))
		}
	}
	switch {
	case p.Birthday.IsZero():
		msgs = append(msgs, msgRequired(fieldBirthday))
	case today.Before(p.Birthday):
		msgs = append(msgs, msgFuture(fieldBirthday, p.Birthday))
	}
	switch {
	case p.Polis == nil:
		msgs = append(msgs, msgRequired(fieldPolis))
	case blank(p.Polis.Number):
		msgs = append(msgs, msgRequired(fieldPolisNum))
	case p.Polis.Type != nil && strings.TrimSpace(p.Polis.Type.Code) == "3" && !allDigits(p.Polis.Number, 16):
		msgs = append(msgs, fmt.Sprintf("Поле %s: номер полиса единого образца (тип 3) должен состоять из 16 цифр, получено %q",
			fieldPolisNum, p.Polis.Number))
	}
	if blank(p.Mcod) {
		msgs = append(msgs, msgRequired(fieldMcod))
	}
	if blank(p.Phone) {
		msgs = append(msgs, msgRequired(fieldPhone))
	}
	if p.Gender != 0 && p.Gender != 1 && p.Gender != 2 {
		msgs = append(msgs, fmt.Sprintf("Поле %s содержит недопустимое значение %d: допустимы 1 (муж) и 2 (жен)", fieldGender, p.Gender))
	}
	return msgs
}

// validateAttachment returns one Russian message per problem of a present
// attachment.
func validateAttachment(a *mip.Attachment, today mip.Date) []string {
	var msgs []string
	if blank(a.Mcod) {
		msgs = append(msgs, msgRequired(fieldAttMcod))
	}
	switch {
	case a.Date.IsZero():
		msgs = append(msgs, msgRequired(fieldAttDate))
	case today.Before(a.Date):
		msgs = append(msgs, msgFuture(fieldAttDate, a.Date))
	}
	if a.Method != 0 && a.Method != 1 && a.Method != 2 {
		msgs = append(msgs, fmt.Sprintf("Поле %s содержит недопустимое значение %d: допустимы 1 (по месту жительства) и 2 (по заявлению)",
			fieldAttMethod, a.Method))
	}
	return msgs
}

// allDigits reports whether s is exactly n ASCII digits.
func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// identity is what the same-person rule and the person index look at, in
// normalized form; an empty string means "absent".
type identity struct {
	snils, polis, doc string
	fio               string // family|name|birthday, folded; "" when any is missing
}

func identityOf(p *mip.Patient) identity {
	id := identity{snils: placeholderless(digitsOnly(p.Snils))}
	if p.Polis != nil {
		id.polis = placeholderless(compactUpper(p.Polis.Number))
	}
	if d := p.IdentityDocument; d != nil {
		if num := placeholderless(compactUpper(d.Number)); num != "" {
			id.doc = compactUpper(d.Series) + "|" + num
		}
	}
	if f, n := foldName(p.Family), foldName(p.Name); f != "" && n != "" && !p.Birthday.IsZero() {
		id.fio = f + "|" + n + "|" + p.Birthday.String()
	}
	return id
}

// samePerson is the rule documented in the package comment.
func samePerson(a, b identity) bool {
	for _, pair := range [][2]string{{a.snils, b.snils}, {a.polis, b.polis}, {a.doc, b.doc}} {
		if pair[0] != "" && pair[0] == pair[1] {
			return true
		}
	}
	return a.fio != "" && a.fio == b.fio
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// compactUpper removes every space and upper-cases.
func compactUpper(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// placeholderless treats an identifier made only of zeros as absent.
func placeholderless(s string) string {
	if strings.Trim(s, "0") == "" {
		return ""
	}
	return s
}

// foldName lower-cases, folds ё to е and collapses runs of spaces.
func foldName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if r == 'ё' {
			return 'е'
		}
		return r
	}, s)
}

// daysApart is the whole number of days between two dates, never negative.
func daysApart(a, b mip.Date) int {
	d := a.Time().Sub(b.Time())
	if d < 0 {
		d = -d
	}
	return int(d / (24 * time.Hour))
}
