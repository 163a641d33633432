package mip

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// encoder writes a patient's JSON field by field, in the struct's order and
// with its omitempty/omitzero rules, so that the bytes are json.Marshal's
// (TestEncodeIsJSONMarshal and FuzzEncode hold it to that) without
// encoding/json's reflection: the encoding runs for every row sent.
type encoder struct {
	b     []byte
	first bool // no field written yet in the current object
}

func (e *encoder) key(k string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *encoder) str(k, v string) {
	if v != "" {
		e.key(k)
		e.b = appendString(e.b, v)
	}
}

func (e *encoder) date(k string, d Date) {
	if !d.IsZero() {
		e.key(k)
		e.b = append(e.b, '"')
		e.b = d.appendISO(e.b)
		e.b = append(e.b, '"')
	}
}

func (e *encoder) code(k string, c Code) {
	if c != 0 {
		e.key(k)
		e.b = strconv.AppendInt(e.b, int64(c), 10)
	}
}

func (e *encoder) flag(k string, v *bool) {
	if v != nil {
		e.key(k)
		e.b = strconv.AppendBool(e.b, *v)
	}
}

func (e *encoder) open(k string) {
	e.key(k)
	e.b = append(e.b, '{')
	e.first = true
}

func (e *encoder) close() {
	e.b = append(e.b, '}')
	e.first = false
}

func (e *encoder) codeName(k string, c *CodeName) {
	if c != nil {
		e.open(k)
		e.str("code", c.Code)
		e.str("name", c.Name)
		e.close()
	}
}

// encodeFields is json.Marshal((*patientFields)(p)) for a patient without
// Extra.
func encodeFields(p *Patient) []byte {
	e := encoder{b: make([]byte, 0, 640), first: true}
	e.b = append(e.b, '{')
	e.str("guid", p.GUID)
	e.str("family", p.Family)
	e.str("name", p.Name)
	e.str("patronymic", p.Patronymic)
	e.date("birthday", p.Birthday)
	e.str("birthplace", p.Birthplace)
	if s := p.Polis; s != nil {
		e.open("polis")
		e.codeName("type", s.Type)
		e.str("series", s.Series)
		e.str("number", s.Number)
		e.date("start", s.Start)
		e.date("end", s.End)
		e.str("smo", s.Smo)
		e.close()
	}
	if d := p.IdentityDocument; d != nil {
		e.open("identityDocument")
		e.codeName("type", d.Type)
		e.str("series", d.Series)
		e.str("number", d.Number)
		e.date("date", d.Date)
		e.str("issuedBy", d.IssuedBy)
		e.close()
	}
	e.str("mcod", p.Mcod)
	e.str("phone", p.Phone)
	e.str("email", p.Email)
	e.code("gender", p.Gender)
	e.str("snils", p.Snils)
	e.str("regAddress", p.RegAddress)
	e.str("factAddress", p.FactAddress)
	e.flag("isWorker", p.IsWorker)
	e.str("workPlace", p.WorkPlace)
	e.str("profession", p.Profession)
	e.str("position", p.Position)
	e.code("bloodType", p.BloodType)
	e.flag("rh", p.RH)
	e.flag("blackLabel", p.BlackLabel)
	if a := p.Attachment; a != nil {
		e.open("attachment")
		e.str("mcod", a.Mcod)
		e.str("unitCode", a.UnitCode)
		if d := a.District; d != nil {
			e.open("district")
			e.str("code", d.Code)
			e.code("type", d.Type)
			e.str("typeName", d.TypeName)
			e.close()
		}
		e.code("method", a.Method)
		e.str("methodName", a.MethodName)
		e.date("date", a.Date)
		e.date("endDate", a.EndDate)
		e.str("doctorSnils", a.DoctorSnils)
		e.code("doctorRole", a.DoctorRole)
		e.close()
	}
	e.close()
	return e.b
}

// appendString appends v as a JSON string. Text that encoding/json would
// escape beyond the quotes (control characters, '"', '\\', the HTML
// characters <, > and &, U+2028, U+2029, invalid UTF-8) is left to it.
func appendString(b []byte, v string) []byte {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshaled(b, v)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendMarshaled(b, v)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, v...)
	return append(b, '"')
}

func appendMarshaled(b []byte, v string) []byte {
	q, _ := json.Marshal(v) // a string always marshals
	return append(b, q...)
}
