package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mipimport/mip"
)

// sliceSource yields fixed items and counts how many were taken.
type sliceSource struct {
	items []Item
	next  atomic.Int64
}

func (s *sliceSource) Next(ctx context.Context) (Item, error) {
	i := s.next.Add(1) - 1
	if int(i) >= len(s.items) {
		return Item{}, io.EOF
	}
	return s.items[i], nil
}

func patients(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i] = Item{
			Row:     i + 2, // row 1 is the header
			Key:     fmt.Sprintf("key-%d", i),
			Patient: &mip.Patient{Family: "Тестов", Mcod: "770001"},
			Cells:   []string{fmt.Sprint(i)},
		}
	}
	return items
}

// fakeSender answers Uploaded after a random short delay, and records
// concurrency and GUID overlaps.
type fakeSender struct {
	delay    time.Duration
	answer   func(p *mip.Patient, n int64) (mip.Reply, error)
	calls    atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	mu       sync.Mutex
	guids    map[string]int
	overlaps int
	sent     []string
}

func (f *fakeSender) Send(ctx context.Context, p *mip.Patient) (mip.Reply, error) {
	n := f.calls.Add(1)
	in := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxIn.Load()
		if in <= m || f.maxIn.CompareAndSwap(m, in) {
			break
		}
	}
	f.mu.Lock()
	if f.guids == nil {
		f.guids = map[string]int{}
	}
	if f.guids[p.GUID] > 0 {
		f.overlaps++
	}
	f.guids[p.GUID]++
	f.sent = append(f.sent, p.GUID)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.guids[p.GUID]--; f.mu.Unlock() }()
	if f.delay > 0 {
		d := time.Duration(rand.Int64N(int64(f.delay)))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return mip.Reply{}, &mip.Error{Kind: mip.FailCanceled, Attempts: 1, Err: ctx.Err()}
		}
	}
	if f.answer != nil {
		return f.answer(p, n)
	}
	return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: mip.MkabUploaded, AttachmentStatus: mip.AttachmentNone, MkabGUID: p.GUID, PersonGUID: "p-" + p.GUID}}, nil
}

// memSink keeps results.
type memSink struct {
	mu  sync.Mutex
	out []Result
}

func (m *memSink) Write(r Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.out = append(m.out, r)
	return nil
}

func checkOrder(t *testing.T, items []Item, got []Result) {
	t.Helper()
	if len(got) != len(items) {
		t.Fatalf("got %d results for %d rows", len(got), len(items))
	}
	for i, r := range got {
		if r.Row != items[i].Row {
			t.Fatalf("result %d is row %d, want row %d (input order)", i, r.Row, items[i].Row)
		}
	}
}

func TestImportOrderConcurrencyAndGUIDs(t *testing.T) {
	items := patients(500)
	snd := &fakeSender{delay: 2 * time.Millisecond}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 16}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if sum.Counts[Uploaded] != 500 || !sum.OK() {
		t.Fatalf("counts %v", sum.Counts)
	}
	if m := snd.maxIn.Load(); m > 16 || m < 2 {
		t.Fatalf("max in flight %d, want 2..16", m)
	}
	if snd.overlaps != 0 {
		t.Fatalf("%d requests overlapped with the same GUID", snd.overlaps)
	}
	for i, r := range sink.out {
		want := KeyGUID("770001", items[i].Key)
		if r.MkabGUID != want {
			t.Fatalf("row %d: mkabGuid %q, want the key's UUIDv5 %q", r.Row, r.MkabGUID, want)
		}
	}
}

func TestKeyGUIDIsStableAndPerClinic(t *testing.T) {
	a := KeyGUID("770001", "11223344595")
	if a != KeyGUID("770001", "11223344595") {
		t.Fatal("same key gave different GUIDs")
	}
	if a == KeyGUID("770002", "11223344595") {
		t.Fatal("the same key in another clinic must get another card GUID")
	}
	if !strings.HasPrefix(a[14:], "5") {
		t.Fatalf("%s is not a version 5 UUID", a)
	}
}

func TestImportDuplicateKeys(t *testing.T) {
	items := patients(5)
	items[3].Key = items[1].Key
	snd := &fakeSender{}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 2}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if got := sink.out[3]; got.Outcome != Duplicate || !strings.Contains(strings.Join(got.Messages, " "), fmt.Sprint(items[1].Row)) {
		t.Fatalf("row %d: %s %q, want duplicate naming row %d", got.Row, got.Outcome, got.Messages, items[1].Row)
	}
	if sink.out[1].Outcome != Uploaded {
		t.Fatalf("the first of the repeated rows should be sent, got %s", sink.out[1].Outcome)
	}
	if snd.calls.Load() != 4 || sum.Counts[Duplicate] != 1 {
		t.Fatalf("%d sends, counts %v", snd.calls.Load(), sum.Counts)
	}
}

func TestImportInvalidRowsAreNotSent(t *testing.T) {
	items := patients(3)
	items[1].Invalid, items[1].Patient = true, nil
	items[1].Messages = []string{"СНИЛС: неверная контрольная сумма (столбец \"СНИЛС\")"}
	snd := &fakeSender{}
	sink := &memSink{}
	if _, err := Import(context.Background(), Config{}, &sliceSource{items: items}, snd, sink); err != nil {
		t.Fatal(err)
	}
	if sink.out[1].Outcome != Invalid || len(sink.out[1].Messages) != 1 || snd.calls.Load() != 2 {
		t.Fatalf("invalid row: %+v, %d sends", sink.out[1], snd.calls.Load())
	}
}

func TestImportAnswersToOutcomes(t *testing.T) {
	cases := []struct {
		mkab, att string
		want      Outcome
	}{
		{mip.MkabUploaded, mip.AttachmentNone, Uploaded},
		{mip.MkabUploaded, mip.AttachmentUploaded, Uploaded},
		{mip.MkabUploaded, mip.AttachmentNotValid, Partial},
		{mip.MkabUploaded, mip.AttachmentError, Partial},
		{mip.MkabNotValid, mip.AttachmentNone, Rejected},
		{mip.MkabError, mip.AttachmentNone, Errored},
	}
	for _, c := range cases {
		t.Run(c.mkab+"/"+c.att, func(t *testing.T) {
			snd := &fakeSender{answer: func(p *mip.Patient, _ int64) (mip.Reply, error) {
				return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: c.mkab, AttachmentStatus: c.att, ValidationMessage: []string{"проверка"}}}, nil
			}}
			sink := &memSink{}
			if _, err := Import(context.Background(), Config{}, &sliceSource{items: patients(1)}, snd, sink); err != nil {
				t.Fatal(err)
			}
			r := sink.out[0]
			if r.Outcome != c.want || r.MkabStatus != c.mkab || r.AttachmentStatus != c.att {
				t.Fatalf("got %s (%s/%s), want %s", r.Outcome, r.MkabStatus, r.AttachmentStatus, c.want)
			}
			if len(r.Messages) != 1 || r.Messages[0] != "МИП: проверка" {
				t.Fatalf("messages %q", r.Messages)
			}
		})
	}
}

func TestImportFailedRowsKeepGoing(t *testing.T) {
	snd := &fakeSender{answer: func(p *mip.Patient, n int64) (mip.Reply, error) {
		if n%2 == 0 {
			return mip.Reply{}, &mip.Error{Kind: mip.FailServer, HTTPStatus: 503, Attempts: 6}
		}
		return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: mip.MkabUploaded}}, nil
	}}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 1}, &sliceSource{items: patients(10)}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[Failed] != 5 || sum.Counts[Uploaded] != 5 || sum.Aborted != nil {
		t.Fatalf("counts %v aborted %v", sum.Counts, sum.Aborted)
	}
	if r := sink.out[1]; r.HTTPStatus != 503 || r.Attempts != 6 || len(r.Messages) == 0 {
		t.Fatalf("failed row: %+v", r)
	}
}

func TestImportBadCredentialsAbortAtOnce(t *testing.T) {
	const conc = 4
	snd := &fakeSender{delay: time.Millisecond, answer: func(p *mip.Patient, _ int64) (mip.Reply, error) {
		return mip.Reply{}, &mip.Error{Kind: mip.FailAuth, HTTPStatus: 401, Attempts: 1}
	}}
	sink := &memSink{}
	items := patients(200)
	sum, err := Import(context.Background(), Config{Concurrency: conc}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if n := snd.calls.Load(); n > conc {
		t.Fatalf("%d requests after bad credentials, want at most %d", n, conc)
	}
	if !errors.Is(sum.Aborted, mip.ErrUnauthorized) {
		t.Fatalf("aborted = %v", sum.Aborted)
	}
	if sum.Counts[NotSent] != 200 {
		t.Fatalf("counts %v, want every row not_sent", sum.Counts)
	}
}

func TestImportUnreachableAbortsEarly(t *testing.T) {
	snd := &fakeSender{answer: func(p *mip.Patient, _ int64) (mip.Reply, error) {
		return mip.Reply{}, &mip.Error{Kind: mip.FailConnect, Attempts: 3, Detail: "connection refused"}
	}}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: 2}, &sliceSource{items: patients(100)}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(sum.Aborted, mip.ErrUnreachable) {
		t.Fatalf("aborted = %v", sum.Aborted)
	}
	if n := snd.calls.Load(); n > 2 {
		t.Fatalf("%d requests to an unreachable МИП, want at most the concurrency", n)
	}
	if len(sink.out) != 100 || sum.Counts[NotSent] < 98 {
		t.Fatalf("counts %v", sum.Counts)
	}
}

func TestImportStopLetsInFlightFinish(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	snd := &fakeSender{answer: func(p *mip.Patient, _ int64) (mip.Reply, error) {
		started <- struct{}{}
		<-release
		return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: mip.MkabUploaded}}, nil
	}}
	sink := &memSink{}
	items := patients(50)
	stopErr := errors.New("interrupted")
	go func() {
		<-started
		<-started
		cancel(stopErr)
		time.Sleep(20 * time.Millisecond)
		close(release)
	}()
	sum, err := Import(ctx, Config{Concurrency: 2, Grace: 5 * time.Second}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if sum.Counts[Uploaded] != 2 || sum.Counts[NotSent] != 48 {
		t.Fatalf("counts %v: the two rows in flight should finish, the rest not_sent", sum.Counts)
	}
	if !errors.Is(sum.Aborted, stopErr) {
		t.Fatalf("aborted = %v", sum.Aborted)
	}
}

func TestImportDryRunSendsNothing(t *testing.T) {
	sink := &memSink{}
	items := patients(3)
	sum, err := Import(context.Background(), Config{DryRun: true}, &sliceSource{items: items}, nil, sink)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sink.out {
		if r.Outcome != NotSent || !strings.Contains(strings.Join(r.Messages, " "), DryRunNote) {
			t.Fatalf("dry run row: %+v", r)
		}
	}
	if sum.Requests != 0 {
		t.Fatalf("%d requests in a dry run", sum.Requests)
	}
}

// A row stuck in retries must not let the reader run unboundedly ahead:
// the reorder buffer is bounded by the window.
func TestImportReadAheadIsBounded(t *testing.T) {
	release := make(chan struct{})
	snd := &fakeSender{answer: func(p *mip.Patient, n int64) (mip.Reply, error) {
		if n == 1 {
			<-release
		}
		return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: mip.MkabUploaded}}, nil
	}}
	src := &sliceSource{items: patients(5000)}
	sink := &memSink{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := Import(context.Background(), Config{Concurrency: 4}, src, snd, sink); err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if read := src.next.Load(); read > int64(window(4)+4+2) {
		t.Errorf("reader took %d rows while the first was stuck; window is %d", read, window(4))
	}
	close(release)
	<-done
	checkOrder(t, src.items, sink.out)
}

type failingSink struct{ after int }

func (f *failingSink) Write(r Result) error {
	if f.after--; f.after < 0 {
		return errors.New("disk full")
	}
	return nil
}

func TestImportSinkErrorStops(t *testing.T) {
	snd := &fakeSender{}
	_, err := Import(context.Background(), Config{Concurrency: 2}, &sliceSource{items: patients(100)}, snd, &failingSink{after: 3})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

// While rows wait, the pool keeps exactly Concurrency requests in flight,
// never more.
func TestImportFillsTheLimitAndNoMore(t *testing.T) {
	const conc = 5
	release := make(chan struct{})
	snd := &fakeSender{answer: func(p *mip.Patient, _ int64) (mip.Reply, error) {
		<-release
		return mip.Reply{HTTPStatus: 200, Attempts: 1, Answer: mip.Answer{MkabStatus: mip.MkabUploaded}}, nil
	}}
	items := patients(100)
	sink := &memSink{}
	done := make(chan error, 1)
	go func() {
		_, err := Import(context.Background(), Config{Concurrency: conc}, &sliceSource{items: items}, snd, sink)
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for snd.inFlight.Load() < conc && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a request too many to start
	if n := snd.inFlight.Load(); n != conc {
		t.Errorf("%d requests in flight while every one waits, want %d", n, conc)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if m := snd.maxIn.Load(); m != conc {
		t.Errorf("max in flight %d, want %d", m, conc)
	}
}

// Each card GUID is sent at most once per run, so no two requests for one
// card are ever in flight together: a repeated key is a duplicate, not a
// second request racing the first.
func TestImportOneRequestPerGUID(t *testing.T) {
	const conc, keys = 8, 40
	items := patients(400)
	for i := range items { // runs of five rows with one key, each run twice
		items[i].Key = fmt.Sprintf("key-%d", (i/5)%keys)
	}
	snd := &fakeSender{delay: 3 * time.Millisecond}
	sink := &memSink{}
	sum, err := Import(context.Background(), Config{Concurrency: conc}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if snd.overlaps != 0 {
		t.Errorf("%d requests overlapped with the same GUID", snd.overlaps)
	}
	distinct := map[string]bool{}
	for _, g := range snd.sent {
		distinct[g] = true
	}
	if len(snd.sent) != keys || len(distinct) != keys {
		t.Errorf("%d requests for %d GUIDs, want one for each of %d keys", len(snd.sent), len(distinct), keys)
	}
	if sum.Counts[Uploaded] != keys || sum.Counts[Duplicate] != len(items)-keys {
		t.Errorf("counts %v", sum.Counts)
	}
	if m := snd.maxIn.Load(); m > conc {
		t.Errorf("max in flight %d > %d", m, conc)
	}
}

// --max-duration ends the run like an interruption: the requests in flight
// finish, and every other row is written, in order, as not_sent naming
// the time limit.
func TestImportMaxDurationWritesEveryRow(t *testing.T) {
	ctx, cancel := context.WithTimeoutCause(context.Background(), 50*time.Millisecond,
		fmt.Errorf("--max-duration reached: %w", context.DeadlineExceeded))
	defer cancel()
	snd := &fakeSender{delay: 10 * time.Millisecond}
	items := patients(2000)
	sink := &memSink{}
	sum, err := Import(ctx, Config{Concurrency: 2, Grace: 10 * time.Second}, &sliceSource{items: items}, snd, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, items, sink.out)
	if !errors.Is(sum.Aborted, context.DeadlineExceeded) {
		t.Fatalf("aborted = %v", sum.Aborted)
	}
	if sum.Counts[NotSent] == 0 || sum.Counts[Uploaded]+sum.Counts[NotSent] != len(items) {
		t.Fatalf("counts %v: want every row uploaded or not_sent, some not_sent", sum.Counts)
	}
	if int64(sum.Counts[Uploaded]) != snd.calls.Load() {
		t.Fatalf("%d requests, %d uploaded: a request in flight was cut off", snd.calls.Load(), sum.Counts[Uploaded])
	}
	for _, r := range sink.out {
		if r.Outcome == NotSent && !strings.Contains(strings.Join(r.Messages, " "), "--max-duration") {
			t.Fatalf("row %d: %q, want the time limit named", r.Row, r.Messages)
		}
	}
}
