package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mipimport/importer"
)

func TestJSONL(t *testing.T) {
	rs := testResults()
	path := filepath.Join(t.TempDir(), "results.jsonl")
	j, err := NewJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if err := j.Write(r); err != nil {
			t.Fatal(err)
		}
		// Flushed as rows complete: the line is in the file before Close.
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("\n")); n != i+1 {
			t.Fatalf("after %d writes the file has %d lines", i+1, n)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, cell := range r.Cells {
			if len(cell) > 3 && cell != r.Key && bytes.Contains(b, []byte(cell)) {
				t.Errorf("the file holds the cell value %q", cell)
			}
		}
	}

	always := []string{"row", "outcome", "mkabStatus", "attachmentStatus", "personGuid", "mkabGuid",
		"attachmentGuid", "messages", "httpStatus", "attempts"}
	sc := bufio.NewScanner(bytes.NewReader(b))
	i := 0
	for ; sc.Scan(); i++ {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, sc.Bytes())
		}
		r := rs[i]
		for _, k := range always {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d: no %q", i+1, k)
			}
		}
		if _, ok := m["key"]; ok != (r.Key != "") {
			t.Errorf("line %d: key present %v with key %q", i+1, ok, r.Key)
		}
		if string(m["messages"]) == "null" {
			t.Errorf("line %d: messages is null", i+1)
		}
		var got struct {
			Row                          int
			Key, Outcome                 string
			MkabStatus, AttachmentStatus string
			PersonGUID                   string `json:"personGuid"`
			MkabGUID                     string `json:"mkabGuid"`
			AttachmentGUID               string `json:"attachmentGuid"`
			Messages                     []string
			HTTPStatus                   int `json:"httpStatus"`
			Attempts                     int
			Cells                        any
		}
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := r.Messages
		if want == nil {
			want = []string{}
		}
		if got.Row != r.Row || got.Key != r.Key || got.Outcome != string(r.Outcome) ||
			got.MkabStatus != r.MkabStatus || got.AttachmentStatus != r.AttachmentStatus ||
			got.PersonGUID != r.PersonGUID || got.MkabGUID != r.MkabGUID || got.AttachmentGUID != r.AttachmentGUID ||
			!slices.Equal(got.Messages, want) || got.HTTPStatus != r.HTTPStatus || got.Attempts != r.Attempts ||
			got.Cells != nil {
			t.Errorf("line %d: %s\nfrom %+v", i+1, sc.Bytes(), r)
		}
	}
	if i != len(rs) {
		t.Errorf("%d lines, want %d", i, len(rs))
	}
}

func TestJSONLText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	j, err := NewJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	r := importer.Result{Row: 2, Outcome: importer.Rejected,
		Messages: []string{`Поле "ФИО": <пусто> & "кавычки"`, "перевод\nстроки", "bad \xff utf-8"}}
	if err := j.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	line := strings.TrimSuffix(string(b), "\n")
	if strings.Contains(line, "\n") || !json.Valid([]byte(line)) {
		t.Fatalf("not one valid JSON line: %q", b)
	}
	if !strings.Contains(line, `<пусто> & \"кавычки\"`) {
		t.Errorf("HTML-escaped or mangled: %s", line)
	}
	want := `{"row":2,"outcome":"rejected","mkabStatus":"","attachmentStatus":"","personGuid":"","mkabGuid":"","attachmentGuid":"","messages":["Поле \"ФИО\": <пусто> & \"кавычки\"","перевод\nстроки","bad \ufffd utf-8"],"httpStatus":0,"attempts":0}`
	if line != want {
		t.Errorf("line\n got %s\nwant %s", line, want)
	}
}

func TestJSONLModeAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := os.WriteFile(path, []byte("old run\nold run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := NewJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	checkMode(t, path)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("old content kept: %q", b)
	}
	if err := j.Write(importer.Result{}); !isClosed(err) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := j.Close(); !isClosed(err) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := NewJSONL(filepath.Join(t.TempDir(), "no", "r.jsonl")); err == nil {
		t.Error("no error for a missing directory")
	}
}
