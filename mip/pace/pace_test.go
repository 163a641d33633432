package pace

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the time on and runs the timers that came due, in this
// goroutine (the real clock runs them in their own; nothing here depends
// on which).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// tryAcquire returns a slot if one is free now, else nil.
func tryAcquire(l *Limiter) *Token {
	var got *Token
	if w := l.enqueue(func(t *Token) { got = t }); w != nil {
		l.mu.Lock()
		l.remove(w)
		l.mu.Unlock()
	}
	return got
}

// wave takes every free slot, lets latency pass and ends every request with
// outcome: one round trip of a batch client that always has work.
func wave(l *Limiter, clock *fakeClock, latency time.Duration, o Outcome) int {
	var toks []*Token
	for t := tryAcquire(l); t != nil; t = tryAcquire(l) {
		toks = append(toks, t)
	}
	clock.Advance(latency)
	for _, t := range toks {
		t.Done(o)
	}
	return len(toks)
}

var (
	ok20      = Outcome{Kind: OK, Latency: 20 * time.Millisecond}
	refused   = Outcome{Kind: Overload}
	timedOut  = Outcome{Kind: Timeout}
	dropped   = Outcome{Kind: Dropped}
	throttled = Outcome{Kind: Overload, RetryAfter: 2 * time.Second}
)

func newTest(cfg Config) (*Limiter, *fakeClock) {
	clock := newFakeClock()
	cfg.Clock = clock
	return New(cfg), clock
}

func TestDefaults(t *testing.T) {
	l := New(Config{})
	st := l.Stats()
	if st.Limit != 8 || st.InFlight != 0 || st.Ceiling != 0 {
		t.Errorf("stats %+v, want limit 8 and nothing else", st)
	}
	c := withDefaults(Config{Initial: 100, Max: 10, Min: 20})
	if c.Min != 20 || c.Max != 20 || c.Initial != 20 {
		t.Errorf("Min %d Max %d Initial %d: want Max and Initial raised to Min", c.Min, c.Max, c.Initial)
	}
}

// The limit is never exceeded: the slot after the last waits for a Done.
func TestAcquireWaitsAtTheLimit(t *testing.T) {
	l, _ := newTest(Config{Initial: 3})
	var toks []*Token
	for range 3 {
		tok := tryAcquire(l)
		if tok == nil {
			t.Fatalf("slot %d refused under the limit", len(toks)+1)
		}
		toks = append(toks, tok)
	}
	if tryAcquire(l) != nil {
		t.Fatal("a fourth slot with a limit of 3")
	}
	got := make(chan *Token)
	go func() {
		tok, err := l.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- tok
	}()
	waitFor(t, func() bool { return l.Stats().Waiting == 1 })
	select {
	case <-got:
		t.Fatal("Acquire returned while the limit was reached")
	default:
	}
	toks[0].Done(Outcome{Kind: Other})
	tok := <-got
	if st := l.Stats(); st.InFlight != 3 || st.Waiting != 0 {
		t.Errorf("stats %+v, want 3 in flight and none waiting", st)
	}
	tok.Done(Outcome{Kind: Other})
	tok.Done(Outcome{Kind: Other}) // a second Done is ignored
	if st := l.Stats(); st.InFlight != 2 {
		t.Errorf("in flight %d after a double Done, want 2", st.InFlight)
	}
}

// Callers are served in the order they came.
func TestAcquireIsFIFO(t *testing.T) {
	l, _ := newTest(Config{Initial: 1, Max: 1})
	first := tryAcquire(l)
	order := make(chan int, 3)
	for i := range 3 {
		go func() {
			tok, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			tok.Done(Outcome{Kind: Other})
		}()
		waitFor(t, func() bool { return l.Stats().Waiting == i+1 })
	}
	first.Done(Outcome{Kind: Other})
	for want := range 3 {
		if got := <-order; got != want {
			t.Fatalf("served %d, want %d", got, want)
		}
	}
}

func TestAcquireCanceled(t *testing.T) {
	l, _ := newTest(Config{Initial: 1, Max: 1})
	tok := tryAcquire(l)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := l.Acquire(ctx)
		errc <- err
	}()
	waitFor(t, func() bool { return l.Stats().Waiting == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if st := l.Stats(); st.Waiting != 0 || st.InFlight != 1 {
		t.Errorf("stats %+v after a canceled wait", st)
	}
	tok.Done(Outcome{Kind: Other})
	if tryAcquire(l) == nil {
		t.Error("the slot was lost to the canceled caller")
	}
	if _, err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire on a canceled context: %v", err)
	}
}

// Clean round trips double the limit (slow start) up to Max, and no round
// trip ever has more than Max in flight.
func TestSlowStartUpToMax(t *testing.T) {
	l, clock := newTest(Config{Initial: 4, Max: 40})
	var sent []int
	for range 8 {
		sent = append(sent, wave(l, clock, 20*time.Millisecond, ok20))
	}
	want := []int{4, 8, 16, 32, 40, 40, 40, 40}
	for i := range want {
		if sent[i] != want[i] {
			t.Fatalf("in flight per round trip %v, want %v", sent, want)
		}
	}
	if st := l.Stats(); st.Limit != 40 || st.MaxLimit != 40 {
		t.Errorf("stats %+v", st)
	}
}

// A 503, a timeout or a dropped connection shrinks the limit once per round
// trip; clean round trips grow it back.
func TestBacksOffAndGrowsBack(t *testing.T) {
	for _, o := range []Outcome{refused, timedOut, dropped} {
		t.Run(o.Kind.String(), func(t *testing.T) {
			l, clock := newTest(Config{Initial: 32, Max: 64})
			wave(l, clock, 20*time.Millisecond, ok20) // 32 → 64
			if got := l.Limit(); got != 64 {
				t.Fatalf("limit %d after a clean round, want 64", got)
			}
			// One round trip where everything fails: one halving (slow
			// start), not one per failure.
			wave(l, clock, 20*time.Millisecond, o)
			if got := l.Limit(); got != 32 {
				t.Fatalf("limit %d after a failed round trip from 64 in slow start, want 32", got)
			}
			if st := l.Stats(); st.Backoffs != 1 || st.Pauses != 0 {
				t.Errorf("stats %+v, want 1 backoff and no pause", st)
			}
			// Now past slow start: the next backoff multiplies by 0.7.
			wave(l, clock, 20*time.Millisecond, o)
			if got := l.Limit(); got != 22 {
				t.Fatalf("limit %d after a second failed round trip, want 22 (0.7×32)", got)
			}
			// It grows back one per clean round trip, with a dwell just
			// below the level that failed.
			for range 60 {
				wave(l, clock, 20*time.Millisecond, ok20)
			}
			if got := l.Limit(); got < 60 {
				t.Errorf("limit %d after 60 clean round trips, want it back near 64", got)
			}
		})
	}
}

// A 429 with Retry-After stops every new request until it has passed, and
// the limit falls to what the server carried in that round trip.
func TestRetryAfterPauses(t *testing.T) {
	l, clock := newTest(Config{Initial: 16, Max: 64})
	wave(l, clock, 20*time.Millisecond, ok20) // 16 → 32
	var toks []*Token
	for t := tryAcquire(l); t != nil; t = tryAcquire(l) {
		toks = append(toks, t)
	}
	clock.Advance(20 * time.Millisecond)
	// The server took 12 of the 32 and refused the rest with Retry-After.
	for i, tok := range toks {
		if i < 12 {
			tok.Done(ok20)
		} else {
			tok.Done(throttled)
		}
	}
	st := l.Stats()
	if st.Ceiling != 12 || st.Limit != 12 || st.Pauses != 1 {
		t.Fatalf("stats %+v, want ceiling and limit 12 and one pause", st)
	}
	if tryAcquire(l) != nil {
		t.Fatal("a slot during the Retry-After pause")
	}
	got := make(chan *Token, 1)
	go func() {
		tok, err := l.Acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- tok
	}()
	waitFor(t, func() bool { return l.Stats().Waiting == 1 })
	clock.Advance(1999 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("served before the Retry-After passed")
	default:
	}
	clock.Advance(time.Millisecond)
	tok := <-got
	tok.Done(ok20)

	// The limit stays at the ceiling while it holds, however clean the
	// round trips, then tries one more.
	for range 100 {
		wave(l, clock, 20*time.Millisecond, ok20)
	}
	if got := l.Limit(); got != 12 {
		t.Errorf("limit %d two seconds after the refusal, want the ceiling 12", got)
	}
	// The try lasts 5 × the last pause, then the ceiling is one more.
	for range 1500 {
		wave(l, clock, 20*time.Millisecond, ok20)
	}
	if st := l.Stats(); st.Limit != 13 || st.Ceiling != 13 {
		t.Errorf("stats %+v 32 seconds after, want 13 tried and found to hold", st)
	}
}

// A Retry-After longer than MaxPause is cut to MaxPause; a second refusal
// during a pause does not count as a second pause.
func TestRetryAfterCapped(t *testing.T) {
	l, clock := newTest(Config{Initial: 2, MaxPause: 5 * time.Second})
	a, b := tryAcquire(l), tryAcquire(l)
	a.Done(Outcome{Kind: Overload, RetryAfter: time.Hour})
	b.Done(Outcome{Kind: Overload, RetryAfter: time.Hour})
	st := l.Stats()
	if want := clock.Now().Add(5 * time.Second); !st.PausedUntil.Equal(want) || st.Pauses != 1 {
		t.Fatalf("paused until %v (%d pauses), want %v and 1", st.PausedUntil, st.Pauses, want)
	}
	clock.Advance(5 * time.Second)
	if tryAcquire(l) == nil {
		t.Error("no slot after the capped pause")
	}
}

// Latency that grows with the load: the limit settles where the latency is
// near its floor instead of climbing to Max.
func TestLatencyHoldsTheLimit(t *testing.T) {
	l, clock := newTest(Config{Initial: 1, Max: 64})
	// 20 ms alone, 1 ms more per request in flight.
	for range 3000 { // a minute: the floor is measured afresh twice
		var toks []*Token
		for t := tryAcquire(l); t != nil; t = tryAcquire(l) {
			toks = append(toks, t)
		}
		latency := 20*time.Millisecond + time.Duration(len(toks))*time.Millisecond
		clock.Advance(latency)
		for _, tok := range toks {
			tok.Done(Outcome{Kind: OK, Latency: latency})
		}
	}
	// Within 1.5 × the floor (about 21 ms) + 2 ms: at most 13 in flight.
	if got := l.Limit(); got < 8 || got > 14 {
		t.Errorf("limit %d, want 8..14 where the latency stays near its floor", got)
	}
	if st := l.Stats(); st.Floor != 21*time.Millisecond || st.Backoffs != 0 {
		t.Errorf("stats %+v, want floor 21ms and no backoffs", st)
	}
}

// The floor is measured afresh when it has not been seen for FloorWindow:
// a server that became slower for good is not taken for a queue forever.
func TestFloorMeasuredAfresh(t *testing.T) {
	l, clock := newTest(Config{Initial: 16, Max: 16, FloorWindow: 10 * time.Second})
	for range 10 {
		wave(l, clock, 20*time.Millisecond, ok20)
	}
	slow := Outcome{Kind: OK, Latency: 100 * time.Millisecond}
	for range 200 {
		wave(l, clock, 100*time.Millisecond, slow)
	}
	if st := l.Stats(); st.Floor != 100*time.Millisecond || st.Limit < 14 {
		t.Errorf("stats %+v, want the floor re-measured at 100ms and the limit back near 16", st)
	}
}

// Measuring the floor afresh caps the load at 4 for a while, and only for a
// while, even when no answer comes to measure by.
func TestFloorMeasureEnds(t *testing.T) {
	l, clock := newTest(Config{Initial: 16, Max: 16, FloorWindow: time.Second})
	wave(l, clock, 20*time.Millisecond, ok20)
	clock.Advance(2 * time.Second)
	wave(l, clock, 30*time.Millisecond, Outcome{Kind: OK, Latency: 30 * time.Millisecond}) // not near the floor: stale
	if n := wave(l, clock, 20*time.Millisecond, Outcome{Kind: Other}); n > 4 {
		t.Fatalf("%d in flight while measuring the floor, want at most 4", n)
	}
	var n int
	for range 12 {
		n = wave(l, clock, 20*time.Millisecond, Outcome{Kind: Other})
	}
	if n != 16 {
		t.Errorf("%d in flight 12 round trips later, want the cap gone (16)", n)
	}
}

// Requests from before a backoff that fail afterwards do not back off again.
func TestOneBackoffPerRoundTrip(t *testing.T) {
	l, clock := newTest(Config{Initial: 20, Max: 20})
	toks := make([]*Token, 0, 20)
	for t := tryAcquire(l); t != nil; t = tryAcquire(l) {
		toks = append(toks, t)
	}
	clock.Advance(time.Second)
	for _, tok := range toks {
		tok.Done(timedOut)
	}
	if st := l.Stats(); st.Limit != 10 || st.Backoffs != 1 {
		t.Errorf("stats %+v after 20 timeouts of one round trip, want limit 10 after 1 backoff", st)
	}
}

func TestOnChange(t *testing.T) {
	var changes []Change
	l, clock := newTest(Config{Initial: 4, Max: 8, OnChange: func(c Change) { changes = append(changes, c) }})
	wave(l, clock, 20*time.Millisecond, ok20)
	wave(l, clock, 20*time.Millisecond, refused)
	// 4 → 8, then two steps down for the first two refusals of the 8,
	// which take it to the floor of the flight, half of 8 (slow start).
	if len(changes) != 3 {
		t.Fatalf("changes %+v, want 3", changes)
	}
	if c := changes[0]; c.Old != 4 || c.New != 8 || c.Reason != ReasonSlowStart || c.Floor != 20*time.Millisecond {
		t.Errorf("first change %+v", c)
	}
	if c := changes[1]; c.Old != 8 || c.New != 6 || c.Reason != ReasonOverload {
		t.Errorf("second change %+v", c)
	}
	if c := changes[2]; c.Old != 6 || c.New != 4 || c.Reason != ReasonOverload {
		t.Errorf("third change %+v", c)
	}
}

// Many goroutines with every kind of outcome, on the real clock: no
// more than Max in flight at once, nothing leaked, no deadlock (run with
// -race).
func TestConcurrentUse(t *testing.T) {
	const workers, each, maxLimit = 32, 200, 12
	var inFlight, peak atomic.Int64
	l := New(Config{Initial: 4, Max: maxLimit, MaxPause: time.Millisecond})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range each {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(3000))*time.Microsecond)
				tok, err := l.Acquire(ctx)
				cancel()
				if err != nil {
					continue
				}
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if rng.IntN(4) == 0 {
					runtime.Gosched()
				}
				_ = l.Limit()
				inFlight.Add(-1)
				o := Outcome{Kind: Kind(rng.IntN(5)), Latency: time.Duration(1+rng.IntN(500)) * time.Microsecond}
				if o.Kind == Overload && rng.IntN(2) == 0 {
					o.RetryAfter = time.Microsecond
				}
				tok.Done(o)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > maxLimit || p < 1 {
		t.Errorf("peak in flight %d, want 1..%d", p, maxLimit)
	}
	if st := l.Stats(); st.InFlight != 0 || st.Waiting != 0 || st.MaxLimit > maxLimit {
		t.Errorf("stats %+v at the end", st)
	}
}

// waitFor polls until cond holds (a goroutine reached a known state); it
// asserts nothing about time.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}
