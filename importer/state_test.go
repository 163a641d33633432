package importer

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// Fingerprint hashes without a salt: the fake keeps nothing on disk.
func (m *memState) Fingerprint(id Identity) Fingerprint {
	h := func(s string) uint64 {
		if s == "" {
			return 0
		}
		f := fnv.New64a()
		f.Write([]byte(s))
		return f.Sum64()
	}
	return Fingerprint{Family: h(id.Family), Name: h(id.Name), Birthday: h(id.Birthday)}
}

func (m *memState) Save(r Result, mcod, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known == nil {
		m.known = map[string]Known{}
	}
	m.saved = append(m.saved, r)
	key := r.MatchKey
	if key == "" {
		key = r.Key
	}
	if key == "" {
		return nil
	}
	k := m.known[mcod+"|"+key]
	if r.Outcome == Uploaded || r.Outcome == Partial {
		k = Known{Found: true, MkabGUID: r.MkabGUID, PersonGUID: r.PersonGUID, AttachmentGUID: r.AttachmentGUID, Who: r.Who}
		if r.Outcome == Uploaded {
			k.Hash = hash
		}
	}
	m.known[mcod+"|"+key] = k
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

// person is a patient with a name and a birthday, under a key.
func person(row int, key, family, name string, birthday time.Time) Item {
	return Item{Row: row, Key: strings.ToLower(key), KeyShown: key, Cells: []string{key},
		Patient: &mip.Patient{Family: family, Name: name, Patronymic: "Иванович", Birthday: mip.DateOf(birthday), Mcod: "770001"}}
}

// TestIdentityGuard: a key uploaded for one person and now describing
// another (another birthday, or another family and name) is not sent; a
// changed family alone or a corrected name is sent with a warning; the
// operator may let the others through (issue 17 item 5).
func TestIdentityGuard(t *testing.T) {
	born := time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC)
	st := &memState{}
	first := []Item{
		person(2, "A-1", "Иванова", "Мария", born),
		person(3, "A-2", "Петров", "Пётр", born),
		person(4, "A-3", "Сидоров", "Олег", born),
		person(5, "A-4", "Кузнецов", "Иван", born),
		person(6, "A-5", "Орлов", "Глеб", born),
	}
	if sum, err := Import(context.Background(), Config{State: st}, &sliceSource{items: first}, &fakeSender{}, &memSink{}); err != nil || sum.Counts[Uploaded] != 5 {
		t.Fatalf("first run: %v %v", sum.Counts, err)
	}
	second := []Item{
		person(2, "A-1", "Смирнова", "Мария", born),                 // married: the family alone
		person(3, "A-2", "ПЕТРОВ", "Петр", born),                    // case and ё: the same
		person(4, "A-3", "Сидоров", "Олежек", born),                 // the name alone
		person(5, "A-4", "Кузнецов", "Иван", born.AddDate(0, 0, 1)), // another birthday
		person(6, "A-5", "Лебедева", "Анна", born),                  // another family and name
	}
	run := func(allow bool) (*fakeSender, []Result) {
		snd, sink := &fakeSender{}, &memSink{}
		if _, err := Import(context.Background(), Config{State: st, AllowIdentityChange: allow}, &sliceSource{items: second}, snd, sink); err != nil {
			t.Fatal(err)
		}
		return snd, sink.out
	}
	snd, out := run(false)
	want := []Outcome{Uploaded, Uploaded, Uploaded, Invalid, Invalid}
	for i, r := range out {
		if r.Outcome != want[i] {
			t.Errorf("row %d: %s, want %s; messages %q", r.Row, r.Outcome, want[i], r.Messages)
		}
	}
	if !slices.Contains(out[3].Messages, "Ключ A-4 уже загружен для другого пациента (не совпадает дата рождения) — проверьте, тот ли это пациент") ||
		!slices.Contains(out[4].Messages, "Ключ A-5 уже загружен для другого пациента (не совпадают фамилия и имя) — проверьте, тот ли это пациент") {
		t.Errorf("messages %q / %q", out[3].Messages, out[4].Messages)
	}
	if len(out[0].Messages) != 1 || !strings.Contains(out[0].Messages[0], "фамилия отличается") || len(out[1].Messages) != 0 || !strings.Contains(strings.Join(out[2].Messages, ""), "имя отличается") {
		t.Errorf("warnings %q %q %q", out[0].Messages, out[1].Messages, out[2].Messages)
	}
	if snd.calls.Load() != 3 {
		t.Errorf("%d rows sent, want the three of the same people", snd.calls.Load())
	}
	// With the flag, the other people are sent, with a warning.
	snd, out = run(true)
	if snd.calls.Load() != 2 || out[3].Outcome != Uploaded || !strings.Contains(strings.Join(out[4].Messages, ""), "--allow-identity-change") {
		t.Errorf("allowed: %d sent, %v %q", snd.calls.Load(), out[3].Outcome, out[4].Messages)
	}
}

// TestRepeatedKeyIsARepeatOnEveryRun: a row that repeats an earlier row's
// key in the same file ends duplicate, naming that row, on a re-run too,
// although the key is now known for the earlier row's person; a row
// refused as another person leaves its key to the rows after it.
func TestRepeatedKeyIsARepeatOnEveryRun(t *testing.T) {
	born := time.Date(1990, 2, 1, 0, 0, 0, 0, time.UTC)
	st := &memState{}
	items := []Item{
		person(2, "A-1", "Иванова", "Мария", born),
		person(3, "A-1", "Петрова", "Анна", born.AddDate(1, 0, 0)), // another person, the same key
	}
	for run := 1; run <= 2; run++ {
		sink := &memSink{}
		if _, err := Import(context.Background(), Config{State: st}, &sliceSource{items: items}, &fakeSender{}, sink); err != nil {
			t.Fatal(err)
		}
		if first := sink.out[0].Outcome; run == 1 && first != Uploaded || run == 2 && first != Unchanged {
			t.Errorf("run %d, row 2: %s", run, first)
		}
		got := sink.out[1]
		if got.Outcome != Duplicate || !slices.ContainsFunc(got.Messages, func(m string) bool { return strings.Contains(m, "в строке 2") }) ||
			slices.ContainsFunc(got.Messages, func(m string) bool { return strings.Contains(m, "другого пациента") }) {
			t.Errorf("run %d, row 3: %s %q; want a repeat of row 2 and nothing else", run, got.Outcome, got.Messages)
		}
	}

	// The key is Иванова's: Петрова's row first is refused, and Иванова's
	// after it is hers to send, not a repeat of a row never sent.
	snd, sink := &fakeSender{}, &memSink{}
	swapped := []Item{
		person(2, "A-1", "Петрова", "Анна", born.AddDate(1, 0, 0)),
		person(3, "A-1", "Иванова", "Марина", born), // the name corrected: sent, with a warning
	}
	if _, err := Import(context.Background(), Config{State: st}, &sliceSource{items: swapped}, snd, sink); err != nil {
		t.Fatal(err)
	}
	if r := sink.out[0]; r.Outcome != Invalid || !slices.ContainsFunc(r.Messages, func(m string) bool { return strings.Contains(m, "другого пациента") }) {
		t.Errorf("row 2: %s %q; want refused as another person", r.Outcome, r.Messages)
	}
	if r := sink.out[1]; r.Outcome != Uploaded || snd.calls.Load() != 1 {
		t.Errorf("row 3: %s %q, %d sent; want Иванова's row sent", r.Outcome, r.Messages, snd.calls.Load())
	}
}
