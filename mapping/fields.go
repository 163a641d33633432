package mapping

import (
	"strconv"

	"mipimport/mip"
)

// Type says how a field's cell text is converted before it is stored.
type Type string

// The field types. Each has one converter in package convert, dispatched
// by storers (mapper.go), and is documented in the mapping reference.
const (
	TypeText        Type = "text"         // trimmed text, inner spaces collapsed
	TypeName        Type = "name"         // a part of a person's name
	TypeFIO         Type = "fio"          // family, name and patronymic in one cell
	TypeDate        Type = "date"         // dd.mm.yyyy, yyyy-mm-dd or an Excel date cell
	TypeGender      Type = "gender"       // М/Ж, муж/жен, 1/2
	TypeCode        Type = "code"         // a positive integer of a reference book
	TypeBool        Type = "bool"         // да/нет, 1/0, +/-, ИСТИНА/ЛОЖЬ
	TypeBlood       Type = "blood"        // blood group and rhesus in one cell
	TypeSnils       Type = "snils"        // СНИЛС, sent as XXX-XXX-XXX YY
	TypePhone       Type = "phone"        // sent as +7XXXXXXXXXX (or 8XXXXXXXXXX)
	TypeEmail       Type = "email"        // e-mail address
	TypePolisNumber Type = "polis-number" // polis number, checked by the polis type
	TypeSMO         Type = "smo"          // insurer: ОГРН (13 digits) or F002 code
	TypeRefCode     Type = "ref-code"     // a reference-book code kept as text (polis or document type)
)

// Field is one mappable Patient field.
type Field struct {
	Path     string   // JSON path in the Patient, e.g. "polis.number"
	Type     Type     // how the cell text converts
	Required bool     // МИП refuses a card without it
	Title    string   // Russian name used in messages and reports
	Doc      string   // English description for the mapping reference
	Headers  []string // header texts clinics use for this field (mapping init)

	// Exactly one of the setters matches Type; get returns the stored value
	// as text (for keys and required checks).
	setText func(p *mip.Patient, v string)
	setDate func(p *mip.Patient, v mip.Date)
	setCode func(p *mip.Patient, v mip.Code)
	setBool func(p *mip.Patient, v bool)
	get     func(p *mip.Patient) string
}

// Fields lists every mappable field in the order they are applied: a polis
// or document type comes before its number, because the number's check
// depends on the type.
func Fields() []*Field { return fields }

// FieldByPath returns the field with that path, or nil.
func FieldByPath(path string) *Field { return fieldIndex[path] }

var fieldIndex = func() map[string]*Field {
	m := make(map[string]*Field, len(fields))
	for _, f := range fields {
		m[f.Path] = f
	}
	return m
}()

func polis(p *mip.Patient) *mip.Polis {
	if p.Polis == nil {
		p.Polis = &mip.Polis{}
	}
	return p.Polis
}

func polisType(p *mip.Patient) *mip.CodeName {
	pl := polis(p)
	if pl.Type == nil {
		pl.Type = &mip.CodeName{}
	}
	return pl.Type
}

func doc(p *mip.Patient) *mip.IdentityDocument {
	if p.IdentityDocument == nil {
		p.IdentityDocument = &mip.IdentityDocument{}
	}
	return p.IdentityDocument
}

func docType(p *mip.Patient) *mip.CodeName {
	d := doc(p)
	if d.Type == nil {
		d.Type = &mip.CodeName{}
	}
	return d.Type
}

func att(p *mip.Patient) *mip.Attachment {
	if p.Attachment == nil {
		p.Attachment = &mip.Attachment{}
	}
	return p.Attachment
}

func district(p *mip.Patient) *mip.District {
	a := att(p)
	if a.District == nil {
		a.District = &mip.District{}
	}
	return a.District
}

// The getters read through nil parents without creating them.
func getPolis(p *mip.Patient) *mip.Polis {
	if p.Polis == nil {
		return &mip.Polis{}
	}
	return p.Polis
}

func getDoc(p *mip.Patient) *mip.IdentityDocument {
	if p.IdentityDocument == nil {
		return &mip.IdentityDocument{}
	}
	return p.IdentityDocument
}

func getAtt(p *mip.Patient) *mip.Attachment {
	if p.Attachment == nil {
		return &mip.Attachment{}
	}
	return p.Attachment
}

func getDistrict(p *mip.Patient) *mip.District {
	if p.Attachment == nil || p.Attachment.District == nil {
		return &mip.District{}
	}
	return p.Attachment.District
}

func codeText(c mip.Code) string {
	if c == 0 {
		return ""
	}
	return itoa(int(c))
}

func boolText(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "true"
	default:
		return "false"
	}
}

func itoa(v int) string { return strconv.Itoa(v) }

func ptr[T any](v T) *T { return &v }

var fields = []*Field{
	{Path: "guid", Type: TypeText, Title: "GUID карты",
		Doc:     "Card GUID. Normally left unmapped: the importer derives it from the key. Map it only when the file holds МИП's own card GUIDs.",
		Headers: []string{"guid", "гуид", "guid карты", "guid мкаб"},
		setText: func(p *mip.Patient, v string) { p.GUID = v },
		get:     func(p *mip.Patient) string { return p.GUID }},
	{Path: "fio", Type: TypeFIO, Title: "ФИО",
		Doc:     "Family, name and patronymic in one cell; fills family, name and patronymic unless those are mapped separately.",
		Headers: []string{"фио", "ф.и.о.", "ф и о", "фамилия имя отчество", "фамилия, имя, отчество", "пациент", "full name"}},
	{Path: "family", Type: TypeName, Required: true, Title: "Фамилия",
		Doc:     "Family name.",
		Headers: []string{"фамилия", "family", "surname", "last name"},
		setText: func(p *mip.Patient, v string) { p.Family = v },
		get:     func(p *mip.Patient) string { return p.Family }},
	{Path: "name", Type: TypeName, Required: true, Title: "Имя",
		Doc:     "Given name.",
		Headers: []string{"имя", "name", "first name"},
		setText: func(p *mip.Patient, v string) { p.Name = v },
		get:     func(p *mip.Patient) string { return p.Name }},
	{Path: "patronymic", Type: TypeName, Required: true, Title: "Отчество",
		Doc:     "Patronymic. МИП requires it; placeholders such as «нет» count as empty. Set `default:` to send a filler agreed with the МИП owners.",
		Headers: []string{"отчество", "patronymic", "middle name"},
		setText: func(p *mip.Patient, v string) { p.Patronymic = v },
		get:     func(p *mip.Patient) string { return p.Patronymic }},
	{Path: "birthday", Type: TypeDate, Required: true, Title: "Дата рождения",
		Doc:     "Date of birth; not in the future. A bare number is refused unless `excel_serial: true`.",
		Headers: []string{"дата рождения", "д.р.", "др", "д/р", "дата рожд.", "дата рожд", "birthday", "birth date", "date of birth"},
		setDate: func(p *mip.Patient, v mip.Date) { p.Birthday = v },
		get:     func(p *mip.Patient) string { return p.Birthday.String() }},
	{Path: "birthplace", Type: TypeText, Title: "Место рождения",
		Doc:     "Place of birth.",
		Headers: []string{"место рождения", "birthplace", "place of birth"},
		setText: func(p *mip.Patient, v string) { p.Birthplace = v },
		get:     func(p *mip.Patient) string { return p.Birthplace }},
	{Path: "polis.type.code", Type: TypeRefCode, Title: "Тип полиса",
		Doc:     "Polis type, ФОМС F008: 1 old-style, 2 temporary certificate, 3 single-format (ЕНП). Inferred from the number when not mapped (16 digits → 3, 9 → 2, else 1).",
		Headers: []string{"тип полиса", "вид полиса", "тип полиса омс", "polis type"},
		setText: func(p *mip.Patient, v string) { polisType(p).Code = v },
		get:     func(p *mip.Patient) string { return typeCode(getPolis(p).Type) }},
	{Path: "polis.type.name", Type: TypeText, Title: "Наименование типа полиса",
		Doc:     "Polis type name; filled from F008 when only the code is known.",
		setText: func(p *mip.Patient, v string) { polisType(p).Name = v },
		get:     func(p *mip.Patient) string { return typeName(getPolis(p).Type) }},
	{Path: "polis.series", Type: TypeText, Title: "Серия полиса",
		Doc:     "Polis series (old-style polises only).",
		Headers: []string{"серия полиса", "серия полиса омс", "polis series"},
		setText: func(p *mip.Patient, v string) { polis(p).Series = v },
		get:     func(p *mip.Patient) string { return getPolis(p).Series }},
	{Path: "polis.number", Type: TypePolisNumber, Required: true, Title: "Номер полиса",
		Doc:     "Polis number: 16 digits with a check digit for type 3 (ЕНП; a number whose last digit Excel zeroed is repaired with a warning where that is certain, see `enp_repair`), 9 digits for type 2.",
		Headers: []string{"номер полиса", "полис", "полис омс", "номер полиса омс", "енп", "единый номер полиса", "polis", "polis number"},
		setText: func(p *mip.Patient, v string) { polis(p).Number = v },
		get:     func(p *mip.Patient) string { return getPolis(p).Number }},
	{Path: "polis.start", Type: TypeDate, Title: "Дата начала действия полиса",
		Doc:     "Date the polis was issued or took effect.",
		Headers: []string{"дата выдачи полиса", "дата начала действия полиса", "полис с"},
		setDate: func(p *mip.Patient, v mip.Date) { polis(p).Start = v },
		get:     func(p *mip.Patient) string { return getPolis(p).Start.String() }},
	{Path: "polis.end", Type: TypeDate, Title: "Дата окончания действия полиса",
		Doc:     "End date of the polis; single-format polises of citizens have none.",
		Headers: []string{"дата окончания полиса", "дата окончания действия полиса", "полис по"},
		setDate: func(p *mip.Patient, v mip.Date) { polis(p).End = v },
		get:     func(p *mip.Patient) string { return getPolis(p).End.String() }},
	{Path: "polis.smo", Type: TypeSMO, Title: "СМО",
		Doc:     "Insurer: 13-digit ОГРН (check digit verified, warning only) or 5-digit F002 code; anything else is left out with a warning.",
		Headers: []string{"смо", "страховая компания", "страховая организация", "огрн смо", "код смо", "smo"},
		setText: func(p *mip.Patient, v string) { polis(p).Smo = v },
		get:     func(p *mip.Patient) string { return getPolis(p).Smo }},
	{Path: "identityDocument.type.code", Type: TypeRefCode, Title: "Тип документа",
		Doc:     "Identity document type, ФОМС F011 (14 passport of a citizen, 3 birth certificate, …). Use `map:` to translate another code system.",
		Headers: []string{"тип документа", "вид документа", "тип документа удл", "тип дул", "код документа"},
		setText: func(p *mip.Patient, v string) { docType(p).Code = v },
		get:     func(p *mip.Patient) string { return typeCode(getDoc(p).Type) }},
	{Path: "identityDocument.type.name", Type: TypeText, Title: "Наименование документа",
		Doc:     "Identity document type name; filled from F011 when only the code is known.",
		setText: func(p *mip.Patient, v string) { docType(p).Name = v },
		get:     func(p *mip.Patient) string { return typeName(getDoc(p).Type) }},
	{Path: "identityDocument.series", Type: TypeText, Title: "Серия документа",
		Doc:     "Document series; a passport's is sent as «NN NN».",
		Headers: []string{"серия документа", "серия паспорта", "серия дул", "серия"},
		setText: func(p *mip.Patient, v string) { doc(p).Series = v },
		get:     func(p *mip.Patient) string { return getDoc(p).Series }},
	{Path: "identityDocument.number", Type: TypeText, Title: "Номер документа",
		Doc:     "Document number; a passport's series and number may also stand together in this one cell.",
		Headers: []string{"номер документа", "номер паспорта", "номер дул", "паспорт", "серия и номер паспорта", "номер"},
		setText: func(p *mip.Patient, v string) { doc(p).Number = v },
		get:     func(p *mip.Patient) string { return getDoc(p).Number }},
	{Path: "identityDocument.date", Type: TypeDate, Title: "Дата выдачи документа",
		Doc:     "Date the document was issued.",
		Headers: []string{"дата выдачи документа", "дата выдачи паспорта", "дата выдачи"},
		setDate: func(p *mip.Patient, v mip.Date) { doc(p).Date = v },
		get:     func(p *mip.Patient) string { return getDoc(p).Date.String() }},
	{Path: "identityDocument.issuedBy", Type: TypeText, Title: "Кем выдан документ",
		Doc:     "Issuing authority.",
		Headers: []string{"кем выдан", "кем выдан документ", "кем выдан паспорт"},
		setText: func(p *mip.Patient, v string) { doc(p).IssuedBy = v },
		get:     func(p *mip.Patient) string { return getDoc(p).IssuedBy }},
	{Path: "mcod", Type: TypeText, Required: true, Title: "МКОД",
		Doc:     "Code of the clinic or unit where the card lives (F003, 6 characters). Usually a constant: `value: \"770001\"`.",
		Headers: []string{"мкод", "код мо", "код лпу", "мо", "mcod"},
		setText: func(p *mip.Patient, v string) { p.Mcod = v },
		get:     func(p *mip.Patient) string { return p.Mcod }},
	{Path: "phone", Type: TypePhone, Required: true, Title: "Телефон",
		Doc:     "Phone; sent as +7XXXXXXXXXX (set `phone_format: \"8\"` for 8XXXXXXXXXX). Several numbers in a cell: the first is taken.",
		Headers: []string{"телефон", "моб. телефон", "мобильный телефон", "контактный телефон", "тел.", "тел", "телефон мобильный", "phone", "mobile"},
		setText: func(p *mip.Patient, v string) { p.Phone = v },
		get:     func(p *mip.Patient) string { return p.Phone }},
	{Path: "email", Type: TypeEmail, Title: "Эл. почта",
		Doc:     "E-mail address.",
		Headers: []string{"email", "e-mail", "эл. почта", "электронная почта", "почта", "адрес электронной почты"},
		setText: func(p *mip.Patient, v string) { p.Email = v },
		get:     func(p *mip.Patient) string { return p.Email }},
	{Path: "gender", Type: TypeGender, Title: "Пол",
		Doc:     "Sex: 1 male, 2 female (ФОМС V005). Accepts М/Ж, муж/жен, мужской/женский, 1/2.",
		Headers: []string{"пол", "gender", "sex"},
		setCode: func(p *mip.Patient, v mip.Code) { p.Gender = v },
		get:     func(p *mip.Patient) string { return codeText(p.Gender) }},
	{Path: "snils", Type: TypeSnils, Title: "СНИЛС",
		Doc:     "СНИЛС, sent as XXX-XXX-XXX YY; the check number is verified. Leading zeros lost in a numeric cell are restored with a warning; all zeros counts as empty.",
		Headers: []string{"снилс", "снилс пациента", "страховой номер", "snils"},
		setText: func(p *mip.Patient, v string) { p.Snils = v },
		get:     func(p *mip.Patient) string { return p.Snils }},
	{Path: "regAddress", Type: TypeText, Title: "Адрес регистрации",
		Doc:     "Registration address, as text.",
		Headers: []string{"адрес регистрации", "адрес по прописке", "адрес прописки", "адрес", "регистрация"},
		setText: func(p *mip.Patient, v string) { p.RegAddress = v },
		get:     func(p *mip.Patient) string { return p.RegAddress }},
	{Path: "factAddress", Type: TypeText, Title: "Фактический адрес",
		Doc:     "Address where the patient actually lives.",
		Headers: []string{"фактический адрес", "адрес проживания", "адрес фактического проживания", "место жительства"},
		setText: func(p *mip.Patient, v string) { p.FactAddress = v },
		get:     func(p *mip.Patient) string { return p.FactAddress }},
	{Path: "isWorker", Type: TypeBool, Title: "Работающий",
		Doc:     "Whether the patient works: да/нет, 1/0, +/-, ИСТИНА/ЛОЖЬ. Empty is left out, never sent as false.",
		Headers: []string{"работающий", "работает", "признак работающего", "занятость"},
		setBool: func(p *mip.Patient, v bool) { p.IsWorker = ptr(v) },
		get:     func(p *mip.Patient) string { return boolText(p.IsWorker) }},
	{Path: "workPlace", Type: TypeText, Title: "Место работы",
		Doc:     "Workplace.",
		Headers: []string{"место работы", "работа", "организация"},
		setText: func(p *mip.Patient, v string) { p.WorkPlace = v },
		get:     func(p *mip.Patient) string { return p.WorkPlace }},
	{Path: "profession", Type: TypeText, Title: "Профессия",
		Doc:     "Profession.",
		Headers: []string{"профессия"},
		setText: func(p *mip.Patient, v string) { p.Profession = v },
		get:     func(p *mip.Patient) string { return p.Profession }},
	{Path: "position", Type: TypeText, Title: "Должность",
		Doc:     "Job position.",
		Headers: []string{"должность"},
		setText: func(p *mip.Patient, v string) { p.Position = v },
		get:     func(p *mip.Patient) string { return p.Position }},
	{Path: "blood", Type: TypeBlood, Title: "Группа крови",
		Doc:     "Blood group and rhesus in one cell (A(II) Rh+, II+, 0(I) Rh-); fills bloodType (1–4 = 0(I), A(II), B(III), AB(IV)) and rh unless those are mapped separately. An unknown rhesus is left out.",
		Headers: []string{"группа крови", "группа крови и резус", "группа крови, резус", "blood type", "blood group"}},
	{Path: "bloodType", Type: TypeCode, Title: "Группа крови (код)",
		Doc:     "МИП BloodType enum value as a number.",
		setCode: func(p *mip.Patient, v mip.Code) { p.BloodType = v },
		get:     func(p *mip.Patient) string { return codeText(p.BloodType) }},
	{Path: "rh", Type: TypeBool, Title: "Резус-фактор",
		Doc:     "Rhesus: positive is true. Accepts +/-, положительный/отрицательный, да/нет.",
		Headers: []string{"резус", "резус-фактор", "резус фактор", "rh"},
		setBool: func(p *mip.Patient, v bool) { p.RH = ptr(v) },
		get:     func(p *mip.Patient) string { return boolText(p.RH) }},
	{Path: "blackLabel", Type: TypeBool, Title: "Блокировка самозаписи",
		Doc:     "Self-booking blocked.",
		Headers: []string{"блокировка самозаписи", "запрет самозаписи"},
		setBool: func(p *mip.Patient, v bool) { p.BlackLabel = ptr(v) },
		get:     func(p *mip.Patient) string { return boolText(p.BlackLabel) }},
	{Path: "attachment.mcod", Type: TypeText, Title: "МО прикрепления",
		Doc:     "Clinic code of the attachment (F003). The attachment is sent only when some attachment field is mapped and filled.",
		Headers: []string{"мо прикрепления", "код мо прикрепления", "прикреплен к мо"},
		setText: func(p *mip.Patient, v string) { att(p).Mcod = v },
		get:     func(p *mip.Patient) string { return getAtt(p).Mcod }},
	{Path: "attachment.unitCode", Type: TypeText, Title: "Подразделение прикрепления",
		Doc:     "Unit (подразделение) within the clinic.",
		Headers: []string{"подразделение", "код подразделения"},
		setText: func(p *mip.Patient, v string) { att(p).UnitCode = v },
		get:     func(p *mip.Patient) string { return getAtt(p).UnitCode }},
	{Path: "attachment.district.code", Type: TypeText, Title: "Участок",
		Doc:     "Catchment area (участок) number.",
		Headers: []string{"участок", "номер участка", "код участка"},
		setText: func(p *mip.Patient, v string) { district(p).Code = v },
		get:     func(p *mip.Patient) string { return getDistrict(p).Code }},
	{Path: "attachment.district.type", Type: TypeCode, Title: "Тип участка",
		Doc:     "Area type: 1 therapeutic or general practice, 2 pediatric.",
		Headers: []string{"тип участка"},
		setCode: func(p *mip.Patient, v mip.Code) { district(p).Type = v },
		get:     func(p *mip.Patient) string { return codeText(getDistrict(p).Type) }},
	{Path: "attachment.district.typeName", Type: TypeText, Title: "Наименование типа участка",
		Doc:     "Area type name.",
		setText: func(p *mip.Patient, v string) { district(p).TypeName = v },
		get:     func(p *mip.Patient) string { return getDistrict(p).TypeName }},
	{Path: "attachment.method", Type: TypeCode, Title: "Способ прикрепления",
		Doc:     "1 by territory (place of residence), 2 by the patient's application.",
		Headers: []string{"способ прикрепления"},
		setCode: func(p *mip.Patient, v mip.Code) { att(p).Method = v },
		get:     func(p *mip.Patient) string { return codeText(getAtt(p).Method) }},
	{Path: "attachment.methodName", Type: TypeText, Title: "Наименование способа прикрепления",
		Doc:     "Attachment method name.",
		setText: func(p *mip.Patient, v string) { att(p).MethodName = v },
		get:     func(p *mip.Patient) string { return getAtt(p).MethodName }},
	{Path: "attachment.date", Type: TypeDate, Title: "Дата прикрепления",
		Doc:     "Start of the attachment; not in the future.",
		Headers: []string{"дата прикрепления"},
		setDate: func(p *mip.Patient, v mip.Date) { att(p).Date = v },
		get:     func(p *mip.Patient) string { return getAtt(p).Date.String() }},
	{Path: "attachment.endDate", Type: TypeDate, Title: "Дата открепления",
		Doc:     "End of the attachment.",
		Headers: []string{"дата открепления"},
		setDate: func(p *mip.Patient, v mip.Date) { att(p).EndDate = v },
		get:     func(p *mip.Patient) string { return getAtt(p).EndDate.String() }},
	{Path: "attachment.doctorSnils", Type: TypeSnils, Title: "СНИЛС врача участка",
		Doc:     "СНИЛС of the area doctor or nurse.",
		Headers: []string{"снилс врача", "снилс участкового врача", "снилс врача участка"},
		setText: func(p *mip.Patient, v string) { att(p).DoctorSnils = v },
		get:     func(p *mip.Patient) string { return getAtt(p).DoctorSnils }},
	{Path: "attachment.doctorRole", Type: TypeCode, Title: "Должность медработника участка",
		Doc:     "1 doctor, 2 nurse or other mid-level staff.",
		setCode: func(p *mip.Patient, v mip.Code) { att(p).DoctorRole = v },
		get:     func(p *mip.Patient) string { return codeText(getAtt(p).DoctorRole) }},
}

func typeCode(c *mip.CodeName) string {
	if c == nil {
		return ""
	}
	return c.Code
}

func typeName(c *mip.CodeName) string {
	if c == nil {
		return ""
	}
	return c.Name
}
