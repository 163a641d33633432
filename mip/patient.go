package mip

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Patient is the body of POST /patients: one patient card (МКАБ).
//
// Every optional value the source row does not have stays at its zero value
// and is left out of the JSON (never sent as "", 0 or false), because on an
// update an explicit empty value could erase what МИП already holds: an
// unknown rhesus is not "Rh−". Booleans are therefore pointers.
type Patient struct {
	GUID             string            `json:"guid,omitempty"`
	Family           string            `json:"family,omitempty"`
	Name             string            `json:"name,omitempty"`
	Patronymic       string            `json:"patronymic,omitempty"`
	Birthday         Date              `json:"birthday,omitzero"`
	Birthplace       string            `json:"birthplace,omitempty"`
	Polis            *Polis            `json:"polis,omitempty"`
	IdentityDocument *IdentityDocument `json:"identityDocument,omitempty"`
	Mcod             string            `json:"mcod,omitempty"`
	Phone            string            `json:"phone,omitempty"`
	Email            string            `json:"email,omitempty"`
	Gender           Code              `json:"gender,omitzero"`
	Snils            string            `json:"snils,omitempty"`
	RegAddress       string            `json:"regAddress,omitempty"`
	FactAddress      string            `json:"factAddress,omitempty"`
	IsWorker         *bool             `json:"isWorker,omitempty"`
	WorkPlace        string            `json:"workPlace,omitempty"`
	Profession       string            `json:"profession,omitempty"`
	Position         string            `json:"position,omitempty"`
	BloodType        Code              `json:"bloodType,omitzero"`
	RH               *bool             `json:"rh,omitempty"`
	BlackLabel       *bool             `json:"blackLabel,omitempty"`
	Attachment       *Attachment       `json:"attachment,omitempty"`

	// Extra holds values for JSON paths the model above does not name
	// ("attachment.area", "newField"): the API page is marked preliminary,
	// so a mapping can fill any path. Keys are dot-separated camelCase paths;
	// values must marshal to JSON. An Extra path never overrides a field
	// above, it only adds.
	Extra map[string]any `json:"-"`
}

// Polis is the compulsory medical insurance policy (полис ОМС).
type Polis struct {
	Type   *CodeName `json:"type,omitempty"`
	Series string    `json:"series,omitempty"`
	Number string    `json:"number,omitempty"`
	Start  Date      `json:"start,omitzero"`
	End    Date      `json:"end,omitzero"`
	Smo    string    `json:"smo,omitempty"`
}

// IdentityDocument is a document that proves identity (ФОМС F011 types).
type IdentityDocument struct {
	Type     *CodeName `json:"type,omitempty"`
	Series   string    `json:"series,omitempty"`
	Number   string    `json:"number,omitempty"`
	Date     Date      `json:"date,omitzero"`
	IssuedBy string    `json:"issuedBy,omitempty"`
}

// CodeName is a reference-book entry: a code and its name.
type CodeName struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// Attachment is the patient's attachment to a clinic (прикрепление). МИП
// has not published its model; this is the shape proposed in the project's
// domain notes, every key separately mappable and sent only when filled.
type Attachment struct {
	Mcod        string    `json:"mcod,omitempty"`
	UnitCode    string    `json:"unitCode,omitempty"`
	District    *District `json:"district,omitempty"`
	Method      Code      `json:"method,omitzero"`
	MethodName  string    `json:"methodName,omitempty"`
	Date        Date      `json:"date,omitzero"`
	EndDate     Date      `json:"endDate,omitzero"`
	DoctorSnils string    `json:"doctorSnils,omitempty"`
	DoctorRole  Code      `json:"doctorRole,omitzero"`
}

// District is the catchment area (участок) of an attachment.
type District struct {
	Code     string `json:"code,omitempty"`
	Type     Code   `json:"type,omitzero"`
	TypeName string `json:"typeName,omitempty"`
}

// patientFields has Patient's fields without its methods, so that
// MarshalJSON can use the default encoding for them.
type patientFields Patient

// MarshalJSON encodes the patient and merges the Extra paths into it.
func (p Patient) MarshalJSON() ([]byte, error) { return p.encode() }

// encode is MarshalJSON for a patient that is not copied on the way: Encode
// runs it for every row.
func (p *Patient) encode() ([]byte, error) {
	b, err := json.Marshal((*patientFields)(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, err
	}
	for path, v := range p.Extra {
		if err := setPath(tree, path, v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(tree)
}

// UnmarshalJSON decodes the known fields; unknown keys are ignored (the
// mock server accepts any extra keys, as a preliminary API would).
func (p *Patient) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, (*patientFields)(p))
}

// setPath puts v at the dotted path in tree, creating objects on the way.
// It refuses to replace a value that is already there.
func setPath(tree map[string]any, path string, v any) error {
	parts := strings.Split(path, ".")
	node := tree
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("extra path %q: empty segment", path)
		}
		if i == len(parts)-1 {
			if _, taken := node[part]; taken {
				return fmt.Errorf("extra path %q: already set by a model field", path)
			}
			node[part] = v
			return nil
		}
		next, ok := node[part]
		if !ok {
			child := map[string]any{}
			node[part] = child
			node = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("extra path %q: %q is not an object", path, part)
		}
		node = child
	}
	return nil
}

// Encode returns the patient's JSON, the bytes json.Marshal(p) writes: the
// importer stores their hash to recognise an unchanged row on the next run,
// so they must not change from one version to the next (TestEncodeGolden).
// Client.Send encodes with it.
func Encode(p *Patient) ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	return p.encode()
}
