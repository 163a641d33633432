package mapping

import (
	"fmt"
	"io"
	"strings"
)

// typeDocs says, for each field type, what a cell may hold and what is
// sent: the "accepted input forms" column of the reference.
var typeDocs = []struct {
	Type Type
	Doc  string
}{
	{TypeText, "Any text; trimmed, inner runs of spaces and line breaks collapsed to one space."},
	{TypeName, "A name part in Russian or Latin letters, hyphens allowed; capitalised when the cell is all upper or all lower case; digits are an error."},
	{TypeFIO, "«Фамилия Имя Отчество» in one cell: the first word is the family name (hyphens kept), the second the given name, the rest the patronymic («Ильхам оглы»). One word only, digits or initials are an error; «нет», «-», «без отчества» as patronymic count as none."},
	{TypeDate, "dd.mm.yyyy, d.m.yyyy, yyyy-mm-dd, with or without a time part, or an Excel cell formatted as a date (1900 or 1904 system; the report shows the date the cell showed); `layouts:` adds Go layouts (`02/01/2006`, `20060102`). A bare number — a number in a General cell, or digits in a CSV (`10385`, `010385`) — is not a date: the row is refused («в ячейке число 10385, а не дата»), unless the field says `excel_serial: true` (the column holds Excel serial day numbers). Two-digit years, impossible dates and years before 1900 are errors. Sent as yyyy-mm-dd."},
	{TypeGender, "М/Ж (Cyrillic or Latin M), муж/жен, мужской/женский, 1/2. Sent as 1 or 2."},
	{TypeCode, "A positive whole number (a numeric cell's `3.0` is fine). Sent as a JSON number. Use `map:` to translate words to codes."},
	{TypeBool, "да/нет, 1/0, +/-, ИСТИНА/ЛОЖЬ, true/false, yes/no. An empty cell leaves the field out (never sent as false)."},
	{TypeBlood, "`0(I) Rh+`, `A(II) Rh-`, `II+`, `B(III) резус положительный`, `4 отр`, a digit 1–4; Cyrillic look-alike letters and the minus sign − are understood. A contradiction (`A(III)`) is an error; a missing rhesus leaves `rh` out."},
	{TypeSnils, "11 digits with or without separators, or a number of 9–10 digits that lost its leading zeros (restored with a warning only when the check number then verifies it); the check number is verified; all zeros counts as empty. An exponent form with fewer than 11 digits (`1,019989E+8`) is refused. Sent as `XXX-XXX-XXX YY`."},
	{TypePhone, "`8 (912) 345-67-89`, `+7 912 345 67 89`, `9123456789`, a numeric cell; several numbers: the first is taken with a warning; a foreign number is kept with a warning; an exponent form that does not write every digit (`9,12346E+9`) is refused. Sent as `+7XXXXXXXXXX` (or `8XXXXXXXXXX` with `phone_format: \"8\"`)."},
	{TypeEmail, "One e-mail address; the domain is lower-cased."},
	{TypePolisNumber, "Digits with or without spaces; for type 3 (ЕНП) 16 digits with a check digit; for type 2, 9 digits; type 1 free text up to 20 characters. A number shown in exponent form with fewer digits than the number has (`5,09197E+15`) is always refused: the digits are lost. Excel keeps only 15 digits of a number, so an ЕНП typed as a number loses its last (check) digit: it is computed again, with a warning, for a number cell of a workbook that Microsoft Excel saved (`enp_repair`, see above); anywhere else (a CSV, a file LibreOffice saved) the row is refused, because the lost digit cannot be known. A 15-digit number that passes the check with a leading 0 is padded with a warning."},
	{TypeSMO, "A 13-digit ОГРН (check digit verified, a warning only) or a 5-digit F002 code (4 digits from a number are padded with a warning). Anything else — a name, another length — is left out of the request with a warning naming the column; translate names with `map:`."},
	{TypePolisType, "A ФОМС F008 code (1, 2, 3; a numeric cell's `3.0` is fine) or a name and its usual variants: «Полис ОМС единого образца», «единого образца», «ЕНП», «электронный полис», «полис в составе УЭК» → 3; «Полис ОМС старого образца» → 1; «Временное свидетельство», «ВС» → 2; the ЕРЗЛ letters С, В, П, Э, К. Another number passes unchanged; an unknown name is an error (`map:` translates it)."},
	{TypeAttMethod, "1 or 2, or in words: «по месту жительства», «по месту регистрации», «по территориальному принципу» → 1; «по заявлению» → 2. Sent as a JSON number."},
	{TypeDocType, "A ФОМС F011 code (14, `14.0`) or a name and its usual variants: «Паспорт гражданина РФ», «паспорт РФ», «Паспорт» → 14; «Свидетельство о рождении», «св-во о рожд.» → 3 (one «выданное не в РФ» → 24); «Загранпаспорт» → 15; «Вид на жительство», «ВНЖ» → 11; «Паспорт иностранного гражданина» → 9; «РВП» → 23; every other F011 name. Another number passes unchanged; an unknown name is an error (`map:` translates it)."},
}

// WriteReference writes the mapping reference from the same field list the
// parser and the validation use: as a Markdown document (docs/mapping.md is
// this output) or as a plain list for the terminal.
func WriteReference(w io.Writer, markdown bool) error {
	var b strings.Builder
	if !markdown {
		for _, f := range fields {
			req := ""
			if f.Required {
				req = "req"
			}
			fmt.Fprintf(&b, "%-28s %-13s %-3s %s\n", f.Path, f.Type, req, f.Doc)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString(`# Mapping reference

Generated by ` + "`mipimport mapping fields --markdown`" + ` from the field list the tool
itself uses; a test fails when this file and the code disagree.

A mapping file says, for each field, where its value comes from:

| option | meaning |
|---|---|
| ` + "`field: Column title`" + ` | shorthand for ` + "`{column: Column title}`" + `; titles match ignoring case, spaces, ё/е and a trailing ` + "`:`" + ` or ` + "`*`" + ` |
| ` + "`column: T`" + ` / ` + "`columns: [A, B]`" + ` | one column, or several joined by ` + "`separator:`" + ` (default a space) |
| ` + "`value: \"770001\"`" + ` | a constant for every row |
| ` + "`default: X`" + ` | used when the cell is empty and nothing else filled the field |
| ` + "`map: {муж: 1, жен: 2}`" + ` | replaces a whole cell (compared like titles) before conversion |
| ` + "`layouts: [\"02/01/2006\"]`" + ` | extra date layouts, in Go's notation (2006 year, 01 month, 02 day) |
| ` + "`excel_serial: true`" + ` | dates only: the column holds Excel serial day numbers (a bare number such as 32905 is the date 01.02.1990, in the workbook's 1900 or 1904 system); without it only a cell formatted as a date is a date |
| ` + "`on_error: warning`" + ` | a failed check is reported but the row is still sent |

Top-level settings: ` + "`version: 1`, `sheet`, `header_row`, `encoding` (auto, utf-8, windows-1251), `delimiter` (auto, \";\", \",\", tab), `phone_format` (\"+7\" or \"8\"), `enp_repair` (auto, excel or never: whether an ЕНП stored as a number gets its last digit, which Excel zeroed, computed again — auto when the workbook says Microsoft Excel saved it, never for a CSV; excel always; never not at all; see polis-number below), `key`" + ` (fields or
columns identifying a patient across runs), ` + "`fields`" + `, and ` + "`extra`" + ` for any other JSON path
(` + "`attachment.area: {column: Зона, type: text|date|code|bool}`" + `).

## Fields

| field | type | required by МИП | name in messages | header titles ` + "`mapping init`" + ` recognises | description |
|---|---|---|---|---|---|
`)
	for _, f := range fields {
		req := ""
		if f.Required {
			req = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Path, f.Type, req, f.Title,
			strings.Join(f.Headers, ", "), strings.ReplaceAll(f.Doc, "|", "\\|"))
	}
	b.WriteString("\n## Types: accepted input and what is sent\n\n| type | accepted input |\n|---|---|\n")
	for _, t := range typeDocs {
		fmt.Fprintf(&b, "| %s | %s |\n", t.Type, strings.ReplaceAll(t.Doc, "|", "\\|"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
