package mip

import (
	"encoding/json"
	"strings"
	"testing"
)

// answerSeeds are answers as МИП and mipmock send them, and shapes that are
// not answers.
var answerSeeds = []string{
	answerPascal,
	`{"mkabStatus":"Uploaded","attachmentStatus":"None","personGuid":"2957007c-c4d2-4819-a79d-384ceee6bdd0","mkabGuid":"c180af82-b7bb-477c-a6de-e1625b49a21f","attachmentGuid":"","validationMessage":[]}`,
	`{"mkabStatus":"notvalid","attachmentStatus":"NONE","validationMessage":["Не указана фамилия", "Нет полиса"]}`,
	`{"MkabStatus":"Error","extra":"x","validationMessage":["GUID занят"],"ValidationMessage":["второй"]}`,
	` { "mkabStatus" : "Uploaded" } `, `{}`, `{"validationMessage":[ ]}`,
	`{"mkabStatus":"Uploaded","mkabstatus":"Error"}`,
	`{"mkabStatus":"Up\"loaded"}`, `{"mkabStatus":"\u0055ploaded"}`, `{"mkabStatus":null}`,
	`{"mkabStatus":1}`, `{"extra":{"x":1}}`, `{"extra":[1,2]}`, `{"extra":true}`,
	`{"mkabſtatus":"Uploaded"}`, `{"MKAB\u017fTATUS":"Uploaded"}`, "{\"mkabStatus\":\"\xff\"}",
	"{\"mkabStatus\":\"a\tb\"}", `{"mkabStatus":"Uploaded",}`, `{"mkabStatus":"Uploaded"}x`,
	`{"mkabStatus":"Uploaded"`, "\ufeff{}", `[]`, ``, `{"validationMessage":["a",]}`,
	`{"validationMessage":"a"}`, `{"validationMessage":null}`, `{"validationMessage":["a",1]}`,
}

// FuzzDecodeAnswer: whatever a server answers with 200, the client never
// panics, accepts it only with one of the known card statuses, and
// otherwise reports a bad answer whose detail, as Send cleans it, is one
// line without the password.
//
//	go test -run='^$' -fuzz=FuzzDecodeAnswer -fuzztime=2m ./mip/
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"mkabStatus":"` + testPassword + `"}`))
	c := &Client{password: testPassword, token: "dG9rZW4="}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := c.decodeAnswer(b)
		switch r.kind {
		case 0:
			switch r.answer.MkabStatus {
			case MkabUploaded, MkabNotValid, MkabError:
			default:
				t.Fatalf("%q accepted with mkabStatus %q", b, r.answer.MkabStatus)
			}
			var a Answer
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatalf("%q accepted, but json.Unmarshal: %v", b, err)
			}
		case FailBadAnswer:
			if r.retry {
				t.Fatalf("%q: a bad answer is retried", b)
			}
			if d := c.clean(r.detail); strings.ContainsAny(d, "\r\n") || strings.Contains(d, testPassword) {
				t.Fatalf("%q: detail %q", b, d)
			}
		default:
			t.Fatalf("%q: kind %v", b, r.kind)
		}
	})
}

// BenchmarkDecodeAnswer is the client's reading of mipmock's answer.
//
//	go test -run='^$' -bench=DecodeAnswer -benchmem ./mip/
func BenchmarkDecodeAnswer(b *testing.B) {
	body := []byte(answerSeeds[1])
	c := &Client{}
	b.ReportAllocs()
	for b.Loop() {
		if r := c.decodeAnswer(body); r.kind != 0 {
			b.Fatal(r.detail)
		}
	}
}
