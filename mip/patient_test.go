package mip

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seedPatient is the request example of the API page, verbatim in its
// quirks: gender and bloodType as strings, a date with a time part, null.
const seedPatient = `{
  "guid": "26f407bc-01c7-4e64-ae16-80ae909b1574",
  "family": "",
  "name": "",
  "patronymic": "",
  "birthday": "1990-01-01",
  "birthplace": ". ",
  "polis": {
    "type": {
      "code": "3",
      "name": " "
    },
    "series": "",
    "number": "5070000000000000",
    "start": "2013-04-08 00:00:00.000",
    "end": null,
    "smo": "1024000000000"
  },
  "identityDocument": {
    "type": {
      "code": "14",
      "name": " "
    },
    "series": "00 00",
    "number": "000000",
    "date": "2013-04-08",
    "issuedBy": " "
  },
  "mcod": "777777",
  "phone": "89999999999",
  "email": "a@a.ru",
  "gender": "1",
  "snils": "000-000-000 00",
  "regAddress": ". ",
  "factAddress": ". ",
  "isWorker": true,
  "workPlace": "",
  "profession": "",
  "position": "",
  "bloodType": "1",
  "rh": false,
  "blackLabel": false
}`

func ptr[T any](v T) *T { return &v }

// keysOf marshals v and returns its top-level JSON object.
func keysOf(t *testing.T, v any) map[string]json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("Marshal gave %s: %v", b, err)
	}
	return m
}

func TestPatientOmitsAbsentValues(t *testing.T) {
	b, err := json.Marshal(Patient{})
	if err != nil || string(b) != "{}" {
		t.Errorf("empty Patient marshals to %s, %v; want {}", b, err)
	}
	b, err = json.Marshal(Patient{Polis: &Polis{}, IdentityDocument: &IdentityDocument{}, Attachment: &Attachment{District: &District{}}})
	want := `{"polis":{},"identityDocument":{},"attachment":{"district":{}}}`
	if err != nil || string(b) != want {
		t.Errorf("empty nested objects marshal to %s, %v; want %s", b, err, want)
	}

	tests := []struct {
		name string
		p    Patient
		key  string
		want string // "" means the key must be absent
	}{
		{"rh unknown", Patient{}, "rh", ""},
		{"rh negative", Patient{RH: ptr(false)}, "rh", "false"},
		{"rh positive", Patient{RH: ptr(true)}, "rh", "true"},
		{"isWorker unknown", Patient{}, "isWorker", ""},
		{"isWorker false", Patient{IsWorker: ptr(false)}, "isWorker", "false"},
		{"blackLabel unknown", Patient{}, "blackLabel", ""},
		{"blackLabel false", Patient{BlackLabel: ptr(false)}, "blackLabel", "false"},
		{"gender unknown", Patient{}, "gender", ""},
		{"gender female", Patient{Gender: 2}, "gender", "2"},
		{"bloodType unknown", Patient{}, "bloodType", ""},
		{"bloodType", Patient{BloodType: 4}, "bloodType", "4"},
		{"birthday unknown", Patient{}, "birthday", ""},
		{"birthday", Patient{Birthday: Date{1990, time.January, 1}}, "birthday", `"1990-01-01"`},
		{"email unknown", Patient{}, "email", ""},
		{"email", Patient{Email: "a@a.ru"}, "email", `"a@a.ru"`},
		{"guid unknown", Patient{}, "guid", ""},
		{"polis absent", Patient{}, "polis", ""},
		{"polis end absent", Patient{Polis: &Polis{Number: "1", Start: Date{2013, 4, 8}}}, "polis", `{"number":"1","start":"2013-04-08"}`},
		{"polis type", Patient{Polis: &Polis{Type: &CodeName{Code: "3"}}}, "polis", `{"type":{"code":"3"}}`},
		{"document date absent", Patient{IdentityDocument: &IdentityDocument{Number: "000000"}}, "identityDocument", `{"number":"000000"}`},
		{"attachment", Patient{Attachment: &Attachment{Mcod: "777777", District: &District{Code: "12", Type: 1}, Method: 0}}, "attachment", `{"mcod":"777777","district":{"code":"12","type":1}}`},
	}
	for _, tt := range tests {
		got, ok := keysOf(t, tt.p)[tt.key]
		switch {
		case tt.want == "" && ok:
			t.Errorf("%s: %q = %s, want it absent", tt.name, tt.key, got)
		case tt.want != "" && string(got) != tt.want:
			t.Errorf("%s: %q = %s, want %s", tt.name, tt.key, got, tt.want)
		}
	}
}

func TestPatientKeysAreCamelCase(t *testing.T) {
	yes := true
	p := Patient{
		GUID: "g", Family: "f", Name: "n", Patronymic: "p", Birthday: Date{2000, 1, 2}, Birthplace: "b",
		Polis: &Polis{Number: "1"}, IdentityDocument: &IdentityDocument{Number: "1"}, Mcod: "m", Phone: "1",
		Email: "e", Gender: 1, Snils: "s", RegAddress: "r", FactAddress: "f", IsWorker: &yes, WorkPlace: "w",
		Profession: "p", Position: "p", BloodType: 1, RH: &yes, BlackLabel: &yes, Attachment: &Attachment{Mcod: "m"},
	}
	want := []string{"attachment", "birthday", "birthplace", "blackLabel", "bloodType", "email", "factAddress",
		"family", "gender", "guid", "identityDocument", "isWorker", "mcod", "name", "patronymic", "phone",
		"polis", "position", "profession", "regAddress", "rh", "snils", "workPlace"}
	keys := keysOf(t, p)
	for _, k := range want {
		if _, ok := keys[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if len(keys) != len(want) {
		t.Errorf("%d keys, want %d: %v", len(keys), len(want), keys)
	}
}

func TestDateJSON(t *testing.T) {
	marshal := []struct {
		d    Date
		want string
	}{
		{Date{2013, time.April, 8}, `"2013-04-08"`},
		{Date{1990, time.January, 1}, `"1990-01-01"`},
		{Date{812, time.December, 31}, `"0812-12-31"`},
		{Date{}, `null`},
	}
	for _, tt := range marshal {
		b, err := json.Marshal(tt.d)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tt.d, b, err, tt.want)
		}
	}
	// A zero date in a struct is left out, not sent as null.
	b, _ := json.Marshal(IdentityDocument{Number: "1"})
	if strings.Contains(string(b), "date") {
		t.Errorf("zero Date is sent: %s", b)
	}

	unmarshal := []struct {
		in   string
		want Date
		ok   bool
	}{
		{`"2013-04-08"`, Date{2013, 4, 8}, true},
		{`"2013-04-08 00:00:00.000"`, Date{2013, 4, 8}, true}, // the API page's example
		{`"2013-04-08T23:59:59+03:00"`, Date{2013, 4, 8}, true},
		{`"2013-04-08T00:00:00Z"`, Date{2013, 4, 8}, true},
		{`"2024-02-29"`, Date{2024, 2, 29}, true},
		{`null`, Date{}, true},
		{`""`, Date{}, true},
		{`"2023-02-29"`, Date{}, false},
		{`"08.04.2013"`, Date{}, false},
		{`"2013-4-8"`, Date{}, false},
		{`"2013-04-08x"`, Date{}, false},
		{`20130408`, Date{}, false},
		{`true`, Date{}, false},
		{`{}`, Date{}, false},
	}
	for _, tt := range unmarshal {
		var d Date
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err == nil) != tt.ok || d != tt.want {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v, ok=%v", tt.in, d, err, tt.want, tt.ok)
		}
	}
}

func TestCodeJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		A Code `json:"a"`
		B Code `json:"b,omitzero"`
	}{A: 1})
	if err != nil || string(b) != `{"a":1}` {
		t.Errorf("Marshal = %s, %v; want {\"a\":1}", b, err)
	}
	tests := []struct {
		in   string
		want Code
		ok   bool
	}{
		{`1`, 1, true},
		{`"1"`, 1, true},
		{`"2"`, 2, true},
		{`12`, 12, true},
		{`null`, 0, true},
		{`""`, 0, true},
		{`"x"`, 0, false},
		{`1.5`, 0, false},
		{`"1.0"`, 0, false},
		{`true`, 0, false},
		{`[1]`, 0, false},
	}
	for _, tt := range tests {
		c := Code(7) // null and "" must reset it
		err := json.Unmarshal([]byte(tt.in), &c)
		if (err == nil) != tt.ok || (tt.ok && c != tt.want) {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d, ok=%v", tt.in, c, err, tt.want, tt.ok)
		}
	}
}

func TestPatientDecodesSeedExample(t *testing.T) {
	var p Patient
	if err := json.Unmarshal([]byte(seedPatient), &p); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if p.Gender != 1 || p.BloodType != 1 {
		t.Errorf("gender %d, bloodType %d; want 1, 1 from strings", p.Gender, p.BloodType)
	}
	if p.Polis == nil || p.Polis.Start != (Date{2013, 4, 8}) || !p.Polis.End.IsZero() {
		t.Errorf("polis %+v, want start 2013-04-08 and no end", p.Polis)
	}
	if p.RH == nil || *p.RH || p.IsWorker == nil || !*p.IsWorker {
		t.Errorf("rh %v, isWorker %v; want false, true", p.RH, p.IsWorker)
	}
	if p.IdentityDocument == nil || p.IdentityDocument.Type.Code != "14" || p.IdentityDocument.Date != (Date{2013, 4, 8}) {
		t.Errorf("identity document %+v", p.IdentityDocument)
	}
	// On the way out the codes are numbers and the date has no time part.
	keys := keysOf(t, p)
	if string(keys["gender"]) != "1" || string(keys["bloodType"]) != "1" {
		t.Errorf("gender %s, bloodType %s; want numbers", keys["gender"], keys["bloodType"])
	}
	var polis map[string]json.RawMessage
	json.Unmarshal(keys["polis"], &polis)
	if string(polis["start"]) != `"2013-04-08"` {
		t.Errorf("polis.start = %s", polis["start"])
	}
	if _, ok := polis["end"]; ok {
		t.Errorf("polis.end is sent: %s", polis["end"])
	}
}

func TestPatientRoundTrip(t *testing.T) {
	yes, no := true, false
	in := Patient{
		GUID: "26f407bc-01c7-4e64-ae16-80ae909b1574", Family: "Иванов", Name: "Иван", Patronymic: "Иванович",
		Birthday: Date{1980, 2, 29}, Birthplace: "г. Москва",
		Polis:            &Polis{Type: &CodeName{Code: "3", Name: "ЕНП"}, Number: "5070000000000004", Start: Date{2013, 4, 8}, Smo: "1024000000001"},
		IdentityDocument: &IdentityDocument{Type: &CodeName{Code: "14"}, Series: "45 10", Number: "123456", Date: Date{2010, 5, 6}, IssuedBy: "ОВД «Арбат»"},
		Mcod:             "777777", Phone: "+7 999 999-99-99", Email: "a@a.ru", Gender: 1, Snils: "112-233-445 95",
		RegAddress: "Москва, ул. Ленина, 1", FactAddress: "Москва, ул. Ленина, 2\nкв. 3", IsWorker: &yes,
		WorkPlace: "ГБУЗ", Profession: "врач", Position: "терапевт", BloodType: 2, RH: &no, BlackLabel: &yes,
		Attachment: &Attachment{Mcod: "777777", UnitCode: "1", District: &District{Code: "12", Type: 1, TypeName: "терапевтический"},
			Method: 2, MethodName: "по заявлению", Date: Date{2020, 1, 1}, EndDate: Date{2030, 1, 1}, DoctorSnils: "112-233-445 95", DoctorRole: 1},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Patient
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the patient:\n in %+v\nout %+v\njson %s", in, out, b)
	}
	// Pointer and value marshal the same (MarshalJSON has a value receiver).
	bp, _ := json.Marshal(&in)
	if string(bp) != string(b) {
		t.Errorf("Marshal(&p) = %s\nMarshal(p) = %s", bp, b)
	}
}

func TestPatientExtra(t *testing.T) {
	tests := []struct {
		name  string
		p     Patient
		extra map[string]any
		want  string // the whole JSON; "" means an error is wanted
	}{
		{"into existing attachment", Patient{Attachment: &Attachment{Mcod: "777777"}},
			map[string]any{"attachment.area": "12"}, `{"attachment":{"area":"12","mcod":"777777"}}`},
		{"creates the attachment", Patient{Family: "Иванов"},
			map[string]any{"attachment.area": "12"}, `{"attachment":{"area":"12"},"family":"Иванов"}`},
		{"new top-level key", Patient{Family: "Иванов"},
			map[string]any{"newField": 5, "flag": false}, `{"family":"Иванов","flag":false,"newField":5}`},
		{"deep path", Patient{Polis: &Polis{Type: &CodeName{Code: "3"}}},
			map[string]any{"polis.type.version": "2", "a.b.c": true}, `{"a":{"b":{"c":true}},"polis":{"type":{"code":"3","version":"2"}}}`},
		{"absent model field may be filled", Patient{Attachment: &Attachment{Mcod: "1"}},
			map[string]any{"attachment.unitCode": "7"}, `{"attachment":{"mcod":"1","unitCode":"7"}}`},
		{"collides with a set field", Patient{Family: "Иванов"}, map[string]any{"family": "Петров"}, ""},
		{"collides inside an object", Patient{Attachment: &Attachment{Mcod: "1"}}, map[string]any{"attachment.mcod": "2"}, ""},
		{"replaces an object", Patient{Polis: &Polis{Number: "1"}}, map[string]any{"polis": map[string]any{}}, ""},
		{"through a string", Patient{Family: "Иванов"}, map[string]any{"family.x": 1}, ""},
		{"empty segment", Patient{}, map[string]any{"attachment..area": 1}, ""},
		{"empty path", Patient{}, map[string]any{"": 1}, ""},
		{"value that cannot be JSON", Patient{}, map[string]any{"x": make(chan int)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Extra = tt.extra
			b, err := json.Marshal(tt.p)
			if tt.want == "" {
				if err == nil {
					t.Errorf("Marshal = %s, want an error", b)
				}
				return
			}
			if err != nil || string(b) != tt.want {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
		})
	}
}

func TestAnswerDecodesBothCases(t *testing.T) {
	want := Answer{
		MkabStatus: "Uploaded", AttachmentStatus: "None",
		PersonGUID: "2957007c-c4d2-4819-a79d-384ceee6bdd0", MkabGUID: "c180af82-b7bb-477c-a6de-e1625b49a21f",
		AttachmentGUID: "97a33040-9ecb-4ffe-854e-1eefcd5f94eb", ValidationMessage: []string{"a"},
	}
	for _, in := range []string{
		`{"MkabStatus":"Uploaded","AttachmentStatus":"None","PersonGuid":"2957007c-c4d2-4819-a79d-384ceee6bdd0","MkabGuid":"c180af82-b7bb-477c-a6de-e1625b49a21f","AttachmentGuid":"97a33040-9ecb-4ffe-854e-1eefcd5f94eb","ValidationMessage":["a"]}`,
		`{"mkabStatus":"Uploaded","attachmentStatus":"None","personGuid":"2957007c-c4d2-4819-a79d-384ceee6bdd0","mkabGuid":"c180af82-b7bb-477c-a6de-e1625b49a21f","attachmentGuid":"97a33040-9ecb-4ffe-854e-1eefcd5f94eb","validationMessage":["a"]}`,
	} {
		var got Answer
		if err := json.Unmarshal([]byte(in), &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func FuzzDateUnmarshal(f *testing.F) {
	for _, s := range []string{`"2013-04-08"`, `"2013-04-08 00:00:00.000"`, `"2013-04-08T00:00:00Z"`, `null`, `""`, `"0000-01-01"`, `"2013-02-30"`, `"x"`, `1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var direct, viaJSON Date
		errDirect := direct.UnmarshalJSON(b)
		if err := json.Unmarshal(b, &viaJSON); err != nil || errDirect != nil {
			return
		}
		// Whatever was accepted must survive a round trip unchanged.
		out, err := json.Marshal(viaJSON)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", viaJSON, err)
		}
		var again Date
		if err := json.Unmarshal(out, &again); err != nil || again != viaJSON {
			t.Fatalf("%s -> %#v -> %s -> %#v, %v", b, viaJSON, out, again, err)
		}
	})
}

func FuzzCodeUnmarshal(f *testing.F) {
	for _, s := range []string{`1`, `"1"`, `null`, `""`, `"x"`, `1.5`, `-3`, `"99999999999999999999"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var direct, viaJSON Code
		errDirect := direct.UnmarshalJSON(b)
		if err := json.Unmarshal(b, &viaJSON); err != nil || errDirect != nil {
			return
		}
		out, err := json.Marshal(viaJSON)
		if err != nil {
			t.Fatalf("Marshal(%d): %v", viaJSON, err)
		}
		var again Code
		if err := json.Unmarshal(out, &again); err != nil || again != viaJSON {
			t.Fatalf("%s -> %d -> %s -> %d, %v", b, viaJSON, out, again, err)
		}
	})
}

// FuzzPatientUnmarshal: a patient body from anyone (mipmock decodes them)
// never panics the decoder, and a patient it accepts encodes to JSON that
// decodes back to the same patient.
//
//	go test -run='^$' -fuzz=FuzzPatientUnmarshal -fuzztime=2m ./mip/
func FuzzPatientUnmarshal(f *testing.F) {
	f.Add([]byte(seedPatient))
	f.Add([]byte(`{"gender":2,"bloodType":"4","birthday":"2024-02-29T10:00:00Z","polis":{"type":null},"attachment":{"district":{"type":"1"}}}`))
	f.Add([]byte(`{"Family":"<b>","GENDER":"","rh":null,"isWorker":true,"extra":{"x":[1]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Patient
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := Encode(&p)
		if err != nil {
			t.Fatalf("%s decoded to %+v, which does not encode: %v", b, p, err)
		}
		var back Patient
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("%s -> %s -> %+v (%v), want %+v", b, out, back, err, p)
		}
	})
}
