package mip

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// TestEncodeIsJSONMarshal: Encode gives json.Marshal's bytes, errors
// included (TestEncodeGolden holds both to the bytes of earlier versions).
func TestEncodeIsJSONMarshal(t *testing.T) {
	yes, no := true, false
	odd := "<b>&amp; \u2028\u2029 \x00\x1f \xff\xfe \"quoted\" \\ ёЁ 😀"
	cases := map[string]*Patient{
		"nil":   nil,
		"empty": {},
		"bench": benchPatient(),
		"odd strings": {GUID: odd, Family: odd, Name: odd, Patronymic: odd, Phone: odd, RegAddress: odd,
			Polis:            &Polis{Type: &CodeName{Code: odd, Name: odd}, Series: odd, Number: odd, Smo: odd},
			IdentityDocument: &IdentityDocument{Type: &CodeName{}, Series: odd, Number: odd, IssuedBy: odd, Date: Date{Year: 2001, Month: 2, Day: 3}},
			Attachment:       &Attachment{District: &District{Code: odd, Type: 2, TypeName: odd}, DoctorSnils: odd, DoctorRole: 7},
			IsWorker:         &no, RH: &no, BlackLabel: &yes, Gender: 2, BloodType: 3},
		"extra": {Family: "Иванов", Attachment: &Attachment{Mcod: "1"},
			Extra: map[string]any{"attachment.area": "<1>", "newField": []int{1, 2}, "deep.a.b": map[string]string{"x": "&"}}},
	}
	for name, p := range cases {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(name, err)
		}
		got, err := Encode(p)
		if err != nil {
			t.Fatal(name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\nEncode       %s\njson.Marshal %s", name, got, want)
		}
	}
}

// SendEncoded posts the bytes it is given, as they are; Send posts Encode's.
func TestSendEncoded(t *testing.T) {
	srv := newStub(t, reply(200, answerPascal))
	c := testClient(t, srv.URL, nil)
	p := testPatient()
	body, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendEncoded(context.Background(), body); err != nil {
		t.Fatalf("SendEncoded: %v", err)
	}
	if _, err := c.Send(context.Background(), p); err != nil {
		t.Fatalf("Send: %v", err)
	}
	for i := range 2 {
		if h := srv.hit(i); string(h.body) != string(body) || h.length != int64(len(body)) {
			t.Errorf("request %d: body %s (Content-Length %d), want %s", i, h.body, h.length, body)
		}
	}
	_, err = c.SendEncoded(context.Background(), nil)
	if e := mipError(t, err); e.Kind != FailRejected || e.Attempts != 0 {
		t.Errorf("empty body: got %v, want rejected after 0 attempts", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

// FuzzEncode: for any text in any field, Encode is json.Marshal, and what
// it writes decodes (as mipmock decodes it) to the same patient.
//
//	go test -run='^$' -fuzz=FuzzEncode -fuzztime=1m ./mip/
func FuzzEncode(f *testing.F) {
	f.Add("Иванов", "<b>&</b>", "\u2028\xff\x00", 1995, 3, int8(2))
	f.Add("", "", "", 0, 0, int8(0))
	f.Fuzz(func(t *testing.T, a, b, c string, year, day int, code int8) {
		yes := code%2 == 0
		d, _ := NewDate(year, time.Month(1+day%12), 1+day%31)
		if d.Year < 0 || d.Year > 9999 {
			d = Date{} // not a yyyy-mm-dd date
		}
		p := &Patient{GUID: a, Family: b, Name: c, Patronymic: a + b, Birthday: d, Birthplace: c,
			Polis:            &Polis{Type: &CodeName{Code: a, Name: b}, Series: c, Number: a, Start: d, Smo: b},
			IdentityDocument: &IdentityDocument{Series: b, Number: c, Date: d, IssuedBy: a},
			Mcod:             c, Phone: a, Email: b, Gender: Code(code), Snils: c, RegAddress: a, FactAddress: b,
			IsWorker: &yes, WorkPlace: c, Profession: a, Position: b, BloodType: Code(-int(code)), RH: &yes,
			Attachment: &Attachment{Mcod: a, UnitCode: b, District: &District{Code: c, Type: Code(code), TypeName: a},
				Method: Code(code), MethodName: b, Date: d, EndDate: d, DoctorSnils: c, DoctorRole: Code(code)}}
		if code%3 == 0 {
			p.Polis, p.Attachment.District, p.IsWorker = nil, nil, nil
		}
		want, err := json.Marshal(p)
		if err != nil {
			t.Skip(err)
		}
		got, err := Encode(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Encode %s (%v)\njson.Marshal %s", got, err, want)
		}
		if !utf8.ValidString(a) || !utf8.ValidString(b) || !utf8.ValidString(c) {
			return // invalid UTF-8 is sent as U+FFFD, so it cannot come back as it was
		}
		var back Patient
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s does not decode: %v", got, err)
		}
		if !reflect.DeepEqual(&back, p) {
			t.Fatalf("%s decodes to\n%+v\nwant\n%+v", got, &back, p)
		}
	})
}
