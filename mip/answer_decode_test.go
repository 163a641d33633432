package mip

import (
	"encoding/json"
	"reflect"
	"testing"
)

// answerSeeds are answers as МИП and mipmock send them, and the shapes the
// fast path must leave to json.Unmarshal.
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

// FuzzUnmarshalAnswer holds unmarshalAnswer to json.Unmarshal: the same
// Answer, and an error exactly when json.Unmarshal errs; and the fast
// path never accepts what json.Unmarshal refuses.
//
//	go test -run='^$' -fuzz=FuzzUnmarshalAnswer -fuzztime=2m ./mip/
func FuzzUnmarshalAnswer(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want, got, fast Answer
		werr := json.Unmarshal(b, &want)
		gerr := unmarshalAnswer(b, &got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: json.Unmarshal error %v, unmarshalAnswer error %v", b, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
		}
		if fastAnswer(b, &fast) {
			if werr != nil {
				t.Fatalf("%q: the fast path accepted what json.Unmarshal refuses: %v", b, werr)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("%q: fast path\n got %#v\nwant %#v", b, fast, want)
			}
		}
	})
}

// The fast path must take the answers МИП actually sends, or it saves
// nothing.
func TestFastAnswerTakesMIPAnswers(t *testing.T) {
	for _, s := range answerSeeds[:8] {
		var a Answer
		if !fastAnswer([]byte(s), &a) {
			t.Errorf("%s: left to json.Unmarshal", s)
		}
	}
}

// BenchmarkUnmarshalAnswer: mipmock's answer, by the fast path and by
// json.Unmarshal.
//
//	go test -run='^$' -bench=UnmarshalAnswer -benchmem ./mip/
func BenchmarkUnmarshalAnswer(b *testing.B) {
	body := []byte(answerSeeds[1])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			var a Answer
			if err := unmarshalAnswer(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var a Answer
			if err := json.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
