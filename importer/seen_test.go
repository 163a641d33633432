package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestGUIDBytes(t *testing.T) {
	for i := range 1000 {
		s := KeyGUID("770001", fmt.Sprint(i))
		if i%2 == 0 {
			s = uuid.NewString()
		}
		g, ok := guidBytes(s)
		if !ok || uuid.UUID(g).String() != s {
			t.Fatalf("%s: got %x, %v", s, g, ok)
		}
	}
	for _, s := range []string{"", "x", "4A57967A-5F96-5CB5-825C-50E5E0EF8410", "{4a57967a-5f96-5cb5-825c-50e5e0ef8410}",
		"urn:uuid:4a57967a-5f96-5cb5-825c-50e5e0ef8410", "4a57967a5f965cb5825c50e5e0ef8410", "4a57967a-5f96-5cb5-825c-50e5e0ef841g",
		"4a57967a-5f96-5cb5-825c_50e5e0ef8410", "4a57967a-5f96-5cb5-825c-50e5e0ef84100", " 4a57967a-5f96-5cb5-825c-50e5e0ef841"} {
		if _, ok := guidBytes(s); ok {
			t.Errorf("%q taken as a canonical GUID", s)
		}
	}
}

// Duplicates are found by the GUID as written: canonical GUIDs and any
// other strings alike, and two spellings of one UUID stay two cards, as
// МИП would see them.
func TestImportDuplicateGUIDForms(t *testing.T) {
	guids := []string{
		"4a57967a-5f96-5cb5-825c-50e5e0ef8410", // 0
		"4A57967A-5F96-5CB5-825C-50E5E0EF8410", // 1: another string
		"card-7",                               // 2
		"4a57967a-5f96-5cb5-825c-50e5e0ef8410", // 3: repeats 0
		"card-7",                               // 4: repeats 2
		"4A57967A-5F96-5CB5-825C-50E5E0EF8410", // 5: repeats 1
		"5b57967a-5f96-5cb5-825c-50e5e0ef8410", // 6
	}
	items := patients(len(guids))
	for i, g := range guids {
		items[i].Patient.GUID = g
	}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 2}, &sliceSource{items: items}, &fakeSender{}, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	firsts := map[int]int{3: 0, 4: 2, 5: 1}
	for i, r := range sink.out {
		first, dup := firsts[i]
		if dup != (r.Outcome == Duplicate) {
			t.Errorf("row %d (%s): %s", r.Row, guids[i], r.Outcome)
		}
		if dup && !strings.Contains(strings.Join(r.Messages, " "), fmt.Sprintf("строке %d", items[first].Row)) {
			t.Errorf("row %d: %q, want it to name row %d", r.Row, r.Messages, items[first].Row)
		}
	}
	if sum.Counts[Duplicate] != 3 {
		t.Errorf("counts %v", sum.Counts)
	}
}
