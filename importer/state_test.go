package importer

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"mipimport/mip"
)

// memState is an in-memory State that remembers what a real store would.
type memState struct {
	mu    sync.Mutex
	known map[string]Known
	saved []Result
}

func (m *memState) Known(mcod, key string) (Known, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.known[mcod+"|"+key], nil
}

func (m *memState) Save(r Result, mcod, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known == nil {
		m.known = map[string]Known{}
	}
	m.saved = append(m.saved, r)
	if r.Key == "" {
		return nil
	}
	k := m.known[mcod+"|"+r.Key]
	if r.Outcome == Uploaded || r.Outcome == Partial {
		k = Known{Found: true, MkabGUID: r.MkabGUID, PersonGUID: r.PersonGUID, AttachmentGUID: r.AttachmentGUID}
		if r.Outcome == Uploaded {
			k.Hash = hash
		}
	}
	m.known[mcod+"|"+r.Key] = k
	return nil
}

func TestStateSkipsUnchangedAndSendsChanged(t *testing.T) {
	st := &memState{}
	items := patients(20)
	snd := &fakeSender{}
	if _, err := Import(context.Background(), Config{State: st, Concurrency: 4}, &sliceSource{items: items}, snd, &memSink{}); err != nil {
		t.Fatal(err)
	}
	if snd.calls.Load() != 20 {
		t.Fatalf("first run sent %d", snd.calls.Load())
	}
	firstGUIDs := map[string]string{}
	for _, r := range st.saved {
		firstGUIDs[r.Key] = r.MkabGUID
	}

	// Same data again: nothing is sent.
	snd2 := &fakeSender{}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{State: st}, &sliceSource{items: patients(20)}, snd2, sink)
	if err != nil {
		t.Fatal(err)
	}
	if snd2.calls.Load() != 0 || sum.Counts[Unchanged] != 20 || !sum.OK() {
		t.Fatalf("second run: %d sends, counts %v", snd2.calls.Load(), sum.Counts)
	}
	for _, r := range sink.out {
		if r.MkabGUID != firstGUIDs[r.Key] || r.PersonGUID == "" {
			t.Fatalf("unchanged row %d reports GUIDs %q/%q", r.Row, r.MkabGUID, r.PersonGUID)
		}
	}

	// Three rows change: exactly three requests, with the GUIDs of the first run.
	changed := patients(20)
	for _, i := range []int{2, 7, 11} {
		changed[i].Patient.Phone = fmt.Sprintf("+7912000000%d", i)
	}
	snd3 := &fakeSender{}
	sum, err = Import(context.Background(), Config{State: st}, &sliceSource{items: changed}, snd3, &memSink{})
	if err != nil {
		t.Fatal(err)
	}
	if snd3.calls.Load() != 3 || sum.Counts[Uploaded] != 3 || sum.Counts[Unchanged] != 17 {
		t.Fatalf("third run: %d sends, counts %v", snd3.calls.Load(), sum.Counts)
	}
	for _, g := range snd3.sent {
		found := false
		for _, fg := range firstGUIDs {
			found = found || fg == g
		}
		if !found {
			t.Fatalf("a changed row was sent with a new GUID %s", g)
		}
	}

	// --force sends everything again.
	snd4 := &fakeSender{}
	if _, err := Import(context.Background(), Config{State: st, Force: true}, &sliceSource{items: patients(20)}, snd4, &memSink{}); err != nil {
		t.Fatal(err)
	}
	if snd4.calls.Load() != 20 {
		t.Fatalf("--force sent %d of 20", snd4.calls.Load())
	}
}

func TestStateRememberedGUIDWins(t *testing.T) {
	st := &memState{known: map[string]Known{"770001|key-0": {Found: true, MkabGUID: "c180af82-b7bb-477c-a6de-e1625b49a21f", Hash: "old"}}}
	snd := &fakeSender{}
	if _, err := Import(context.Background(), Config{State: st}, &sliceSource{items: patients(1)}, snd, &memSink{}); err != nil {
		t.Fatal(err)
	}
	if len(snd.sent) != 1 || snd.sent[0] != "c180af82-b7bb-477c-a6de-e1625b49a21f" {
		t.Fatalf("sent with %q, want the GUID МИП gave before", snd.sent)
	}
}

func TestStateDryRunRecordsNothing(t *testing.T) {
	st := &memState{}
	if _, err := Import(context.Background(), Config{State: st, DryRun: true}, &sliceSource{items: patients(5)}, nil, &memSink{}); err != nil {
		t.Fatal(err)
	}
	if len(st.saved) != 0 {
		t.Fatalf("a dry run recorded %d rows", len(st.saved))
	}
}

// A key the state knows without a hash (a partial upload: the attachment
// is still to go) is sent again with its remembered GUID, never taken as
// unchanged; with the hash of what was accepted it is unchanged.
func TestStateKnownWithoutHashIsSent(t *testing.T) {
	items := patients(2)
	hash, err := PayloadHash(&mip.Patient{GUID: "c180af82-b7bb-477c-a6de-000000000002", Family: "Тестов", Mcod: "770001"})
	if err != nil {
		t.Fatal(err)
	}
	st := &memState{known: map[string]Known{
		"770001|key-0": {Found: true, MkabGUID: "c180af82-b7bb-477c-a6de-000000000001"},
		"770001|key-1": {Found: true, MkabGUID: "c180af82-b7bb-477c-a6de-000000000002", Hash: hash},
	}}
	snd := &fakeSender{}
	sink := &memSink{}
	if _, err := Import(context.Background(), Config{State: st, Concurrency: 2}, &sliceSource{items: items}, snd, sink); err != nil {
		t.Fatal(err)
	}
	if got := []Outcome{sink.out[0].Outcome, sink.out[1].Outcome}; got[0] != Uploaded || got[1] != Unchanged {
		t.Fatalf("outcomes %v, want [uploaded unchanged]", got)
	}
	if sink.out[0].MkabGUID != "c180af82-b7bb-477c-a6de-000000000001" || snd.calls.Load() != 1 {
		t.Fatalf("row 0 sent with GUID %s, %d requests", sink.out[0].MkabGUID, snd.calls.Load())
	}
}
