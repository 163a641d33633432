package pace

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"
)

// This file simulates a batch client against model servers in virtual
// time, one event at a time: the Limiter runs its real code on a clock that
// jumps from event to event, so a run of minutes takes milliseconds and
// always goes the same way for the same seed.

// simClock is a Clock whose time moves only when the simulation runs the
// next event.
type simClock struct {
	now    time.Time
	seq    int
	events eventHeap
}

type event struct {
	at       time.Time
	seq      int
	f        func()
	canceled bool
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newSimClock() *simClock {
	return &simClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *simClock) Now() time.Time { return c.now }

func (c *simClock) at(d time.Duration, f func()) *event {
	c.seq++
	e := &event{at: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	heap.Push(&c.events, e)
	return e
}

func (c *simClock) AfterFunc(d time.Duration, f func()) Timer { return simTimer{c.at(d, f)} }

type simTimer struct{ e *event }

func (t simTimer) Stop() bool {
	was := !t.e.canceled
	t.e.canceled = true
	return was
}

// run runs events until none is left or the time passes limit.
func (c *simClock) run(limit time.Time) {
	for c.events.Len() > 0 {
		e := heap.Pop(&c.events).(*event)
		if e.canceled {
			continue
		}
		if e.at.After(limit) {
			return
		}
		c.now = e.at
		e.f()
	}
}

// simServer is a model of МИП: what happens to a request that arrives now.
type simServer interface {
	// arrive returns whether the request is accepted and, if so, its
	// latency; else the Retry-After of the refusal (0: none).
	arrive(now time.Time) (accepted bool, latency, retryAfter time.Duration)
	leave()
}

// capacityServer serves at most n at a time and refuses (503) beyond.
type capacityServer struct {
	n, inFlight int
	latency     time.Duration
	retryAfter  time.Duration
}

func (s *capacityServer) arrive(time.Time) (bool, time.Duration, time.Duration) {
	if s.inFlight >= s.n {
		return false, 0, s.retryAfter
	}
	s.inFlight++
	return true, s.latency, 0
}
func (s *capacityServer) leave() { s.inFlight-- }

// bucketServer accepts rate requests a second with bursts of burst (a
// token bucket) and refuses beyond with 429 and Retry-After.
type bucketServer struct {
	rate       float64
	burst      float64
	tokens     float64
	last       time.Time
	latency    time.Duration
	retryAfter time.Duration
}

func (s *bucketServer) arrive(now time.Time) (bool, time.Duration, time.Duration) {
	if s.last.IsZero() {
		s.tokens = s.burst
	} else {
		s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
	}
	s.last = now
	if s.tokens < 1 {
		return false, 0, s.retryAfter
	}
	s.tokens--
	return true, s.latency, 0
}
func (s *bucketServer) leave() {}

// queueServer has knee workers: beyond that many requests in flight each
// one more adds perExtra to the latency of those arriving.
type queueServer struct {
	knee, inFlight int
	base, perExtra time.Duration
}

func (s *queueServer) arrive(time.Time) (bool, time.Duration, time.Duration) {
	s.inFlight++
	return true, s.base + time.Duration(max(0, s.inFlight-s.knee))*s.perExtra, 0
}
func (s *queueServer) leave() { s.inFlight-- }

// simResult is what one simulated import came to.
type simResult struct {
	rows, requests, refused int
	elapsed                 time.Duration
	stats                   Stats
	changes                 []Change
}

func (r simResult) rate() float64 { return float64(r.rows) / r.elapsed.Seconds() }

func (r simResult) refusedShare() float64 { return float64(r.refused) / float64(r.requests) }

func (r simResult) String() string {
	return fmt.Sprintf("%6.0f rows/s in %6.2fs, %5d requests, %4d refused (%.1f%%)",
		r.rate(), r.elapsed.Seconds(), r.requests, r.refused, 100*r.refusedShare())
}

// simRun imports rows through server with the limiter (conc 0) or with a
// fixed number of workers, as the tool does with --concurrency N: each
// worker sends one row at a time and, on a refusal, waits the Retry-After
// (else a random backoff of up to 100 ms) before sending it again.
func simRun(server simServer, rows, conc int, cfg Config, seed uint64) simResult {
	return simRunOn(server, rows, conc, cfg, seed, nil)
}

// starvedClient models a client short of CPU (a machine busy with other
// work): it runs for a while, then waits for a CPU for a while, and what
// came meanwhile is handled when it runs again.
type starvedClient struct {
	rng          *rand.Rand
	run, stalled [2]time.Duration // each phase lasts between the two
	until        time.Time        // end of the current phase
	running      bool
}

// wait is how long the client takes to get to what comes at now; the
// simulation asks in time order.
func (s *starvedClient) wait(now time.Time) time.Duration {
	for !now.Before(s.until) {
		s.running = !s.running
		r := s.stalled
		if s.running {
			r = s.run
		}
		s.until = s.until.Add(r[0] + time.Duration(s.rng.Int64N(int64(r[1]-r[0]))))
	}
	if s.running {
		return 0
	}
	return s.until.Sub(now)
}

// simRunOn is simRun with a client short of CPU (nil: never).
func simRunOn(server simServer, rows, conc int, cfg Config, seed uint64, starved *starvedClient) simResult {
	clock := newSimClock()
	if starved != nil {
		starved.until = clock.now
	}
	// when runs f once the client gets to it, d from now.
	when := func(d time.Duration, f func()) {
		if starved == nil {
			clock.at(d, f)
			return
		}
		clock.at(d, func() { clock.at(starved.wait(clock.now), f) })
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var res simResult
	res.rows = rows
	start := clock.now
	var lim *Limiter
	workers := conc
	if conc == 0 {
		cfg.Clock = clock
		onChange := cfg.OnChange
		cfg.OnChange = func(ch Change) {
			res.changes = append(res.changes, ch)
			if onChange != nil {
				onChange(ch)
			}
		}
		lim = New(cfg)
		workers = withDefaults(cfg).Max
	}
	const oneWay = 50 * time.Microsecond
	next, left := 0, rows
	// attempt sends the current row of a worker once it has a slot.
	attempt := func(tok *Token, sent func(ok bool, ra time.Duration)) {
		overhead := time.Duration(20_000 + rng.IntN(200_000)) // client work, 20-220 µs
		when(overhead, func() {
			res.requests++
			began := clock.now
			clock.at(oneWay, func() {
				ok, lat, ra := server.arrive(clock.now)
				if !ok {
					res.refused++
					when(oneWay, func() {
						tok.Done(Outcome{Kind: Overload, RetryAfter: ra})
						sent(false, ra)
					})
					return
				}
				clock.at(lat, func() {
					server.leave()
					when(oneWay, func() {
						tok.Done(Outcome{Kind: OK, Latency: clock.now.Sub(began)})
						sent(true, 0)
					})
				})
			})
		})
	}
	var worker func()
	worker = func() {
		if next >= rows {
			return
		}
		next++
		var try func()
		try = func() {
			sent := func(ok bool, ra time.Duration) {
				if ok {
					left--
					if left == 0 {
						res.elapsed = clock.now.Sub(start)
					}
					worker()
					return
				}
				wait := ra
				if wait == 0 {
					wait = time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
				}
				clock.at(wait, try)
			}
			if lim == nil {
				attempt(nil, sent)
				return
			}
			lim.enqueue(func(tok *Token) { attempt(tok, sent) })
		}
		try()
	}
	for range workers {
		worker()
	}
	clock.run(start.Add(time.Hour))
	if lim != nil {
		res.stats = lim.Stats()
	}
	return res
}
