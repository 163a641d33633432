package importer

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"mipimport/mip"
)

// МИП answering with bodies that are not answers must fail those rows with
// a clear message while the run goes on, reading a bounded amount.
func TestImportSurvivesUnexpectedBodies(t *testing.T) {
	bodies := []string{
		"<html><body><h1>502 Bad Gateway</h1></body></html>",
		"",
		`{"MkabStatus":"Uplo`,
		`{"MkabStatus":"Archived","MkabGuid":"x"}`,
		`{"MkabStatus":"Uploaded","AttachmentStatus":"None"}` + strings.Repeat(" ", 10<<20),
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)-1) % (len(bodies) + 1)
		if i == len(bodies) {
			io.WriteString(w, `{"MkabStatus":"Uploaded","AttachmentStatus":"None","MkabGuid":"g"}`)
			return
		}
		io.WriteString(w, bodies[i])
	}))
	defer srv.Close()
	client, err := mip.NewClient(mip.Config{BaseURL: srv.URL, User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	items := patients(12)
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 1}, &sliceSource{items: items}, client, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if sum.Aborted != nil || sum.Counts[Failed] != 10 || sum.Counts[Uploaded] != 2 {
		t.Fatalf("counts %v, aborted %v: want 10 failed, 2 uploaded", sum.Counts, sum.Aborted)
	}
	for _, r := range sink.out {
		if r.Outcome == Failed && (len(r.Messages) == 0 || !strings.Contains(r.Messages[0], "непонятный ответ")) {
			t.Fatalf("row %d: messages %q", r.Row, r.Messages)
		}
	}
}
