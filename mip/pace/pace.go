package pace

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says what the outcome of one request tells about the server's load.
type Kind uint8

const (
	// OK: the server answered (whatever it said about the patient); the
	// latency is a sample of its response time.
	OK Kind = iota
	// Overload: the server refused for load, 503 or 429; RetryAfter is
	// set when the answer had a Retry-After.
	Overload
	// Timeout: no answer within the client's time limit.
	Timeout
	// Dropped: the connection was refused, reset or closed without an
	// answer.
	Dropped
	// Other: tells nothing about load (a 4xx, a canceled request, a local
	// error). The slot is freed and nothing is learned.
	Other
)

var kindNames = [...]string{"ok", "overload", "timeout", "dropped", "other"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Outcome is what one request came to.
type Outcome struct {
	Kind Kind
	// Latency is the request's response time; 0 means from Acquire to
	// Done. Pass it when the slot was held for more than the request
	// (a wait for a rate limit, say).
	Latency time.Duration
	// RetryAfter is the Retry-After of an Overload answer, 0 if none: no
	// new slot is handed out until it has passed.
	RetryAfter time.Duration
}

// Config sets a Limiter. Zero fields take the defaults.
type Config struct {
	// Initial is the limit to start with (default 8); it grows from there
	// by doubling each round trip (slow start) until the first sign of
	// overload.
	Initial int
	// Min and Max bound the limit (defaults 1 and 64).
	Min, Max int
	// Tolerance: a round trip whose lowest latency is within Tolerance
	// times the floor latency, plus LatencySlack, counts as no queueing at
	// the server (defaults 1.5 and 2ms). Beyond it the limit shrinks in
	// proportion.
	Tolerance    float64
	LatencySlack time.Duration
	// Backoff is as far as the refusals, timeouts and dropped connections
	// of one round trip take the limit: ×0.7 by default, ×0.5 in slow
	// start. Each takes 2 off it, down to there.
	Backoff float64
	// FloorWindow is how long the floor latency stands without being seen
	// again before the limiter lets at most 4 requests be in flight for a
	// round trip to measure it afresh (default 30s).
	FloorWindow time.Duration
	// Hold is how long, after a refusal that came with Retry-After, the
	// limit stays at or under the number of requests the server carried
	// (the ceiling) before it tries one more (default 20s). Every failed
	// try doubles it, up to MaxHold (default 10m); a try that holds halves
	// it, down to Hold/8.
	Hold, MaxHold time.Duration
	// MaxPause caps a Retry-After (default 30s).
	MaxPause time.Duration
	// Clock is the time source (default: the real clock).
	Clock Clock
	// OnChange, when set, is called with every change of the limit. It is
	// called with the Limiter's lock held: it must be quick and must not
	// call the Limiter.
	OnChange func(Change)
}

// Reason is why the limit changed.
type Reason string

// The reasons of a Change.
const (
	ReasonSlowStart Reason = "slow start"   // doubled: no sign of overload yet
	ReasonGrow      Reason = "grow"         // one more after a clean round trip
	ReasonLatency   Reason = "latency"      // the latency rose above the floor
	ReasonOverload  Reason = "overload"     // a 503 or 429
	ReasonTimeout   Reason = "timeout"      // a request timed out
	ReasonDropped   Reason = "dropped"      // a connection was lost
	ReasonCeiling   Reason = "ceiling"      // down to what the server carried when it refused
	ReasonProbe     Reason = "probe"        // one above the ceiling, to see whether it still holds
	ReasonProbeFail Reason = "probe failed" // the probe was refused: back to the ceiling
)

// Change describes one change of the limit, for debug logs.
type Change struct {
	At       time.Time
	Old, New int
	Reason   Reason
	// Floor is the floor latency and Latency the mean latency of the last
	// round trip, when known.
	Floor, Latency time.Duration
	// PausedFor is how long new requests wait for a Retry-After, if they do.
	PausedFor time.Duration
	// Ceiling is the ceiling after a refusal with Retry-After (0: none).
	Ceiling int
}

// Stats is a snapshot of a Limiter.
type Stats struct {
	Limit    int // requests allowed in flight now
	InFlight int // requests in flight now
	Waiting  int // callers waiting in Acquire
	// Floor is the floor latency measured (0 before the first answer).
	Floor time.Duration
	// Ceiling is the number of requests the server carried when it last
	// refused with Retry-After, which the limit holds to for a while
	// (0: none).
	Ceiling int
	// PausedUntil is the end of the current Retry-After pause (zero or
	// past: none).
	PausedUntil time.Time
	// Backoffs counts the decreases for refusals, timeouts and dropped
	// connections (at most one per round trip); Pauses the Retry-After
	// pauses.
	Backoffs, Pauses int64
	// MaxLimit is the highest limit reached.
	MaxLimit int
}

// Limiter is an adaptive limit on the requests in flight: see the package
// comment. Its methods are safe for concurrent use.
type Limiter struct {
	clock Clock

	mu       sync.Mutex
	ctl      control
	inFlight int
	queue    []*waiter // FIFO
	wake     Timer     // armed for the end of a pause while someone waits
	wakeAt   time.Time
}

type waiter struct {
	grant func(*Token) // called with l.mu held
}

// New returns a Limiter at cfg.Initial.
func New(cfg Config) *Limiter {
	cfg = withDefaults(cfg)
	l := &Limiter{clock: cfg.Clock}
	l.ctl.init(cfg, l.clock.Now())
	return l
}

func withDefaults(c Config) Config {
	if c.Min < 1 {
		c.Min = 1
	}
	if c.Max <= 0 {
		c.Max = 64
	}
	c.Max = max(c.Max, c.Min)
	if c.Initial <= 0 {
		c.Initial = 8
	}
	c.Initial = min(max(c.Initial, c.Min), c.Max)
	if c.Tolerance < 1 {
		c.Tolerance = 1.5
	}
	if c.LatencySlack <= 0 {
		c.LatencySlack = 2 * time.Millisecond
	}
	if c.Backoff <= 0 || c.Backoff >= 1 {
		c.Backoff = 0.7
	}
	if c.FloorWindow <= 0 {
		c.FloorWindow = 30 * time.Second
	}
	if c.Hold <= 0 {
		c.Hold = 20 * time.Second
	}
	if c.MaxHold <= 0 {
		c.MaxHold = 10 * time.Minute
	}
	c.MaxHold = max(c.MaxHold, c.Hold)
	if c.MaxPause <= 0 {
		c.MaxPause = 30 * time.Second
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	return c
}

// Acquire waits until a request may be sent — fewer than Limit in flight,
// no Retry-After pause, and every earlier caller served — and returns its
// slot, or ctx's error. The caller must call Done on the slot exactly once.
func (l *Limiter) Acquire(ctx context.Context) (*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan *Token, 1)
	w := l.enqueue(func(t *Token) { ch <- t })
	if w == nil {
		return <-ch, nil
	}
	select {
	case t := <-ch:
		return t, nil
	case <-ctx.Done():
		l.mu.Lock()
		queued := l.remove(w)
		l.mu.Unlock()
		if !queued { // served meanwhile: give the slot back unused
			(<-ch).Done(Outcome{Kind: Other})
		}
		return nil, ctx.Err()
	}
}

// enqueue hands a slot to grant at once (and returns nil) or queues it.
func (l *Limiter) enqueue(grant func(*Token)) *waiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if len(l.queue) == 0 && l.ready(now) {
		grant(l.grant(now))
		return nil
	}
	w := &waiter{grant: grant}
	l.queue = append(l.queue, w)
	l.armWake(now)
	return w
}

func (l *Limiter) remove(w *waiter) bool {
	for i, q := range l.queue {
		if q == w {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			return true
		}
	}
	return false
}

// ready reports whether a slot may be handed out now; l.mu is held.
func (l *Limiter) ready(now time.Time) bool {
	return !now.Before(l.ctl.pausedUntil) && l.inFlight < l.ctl.capacity()
}

func (l *Limiter) grant(now time.Time) *Token {
	l.inFlight++
	t := &Token{l: l, round: l.ctl.round, at: now}
	l.ctl.granted(l.inFlight)
	return t
}

// dispatch serves the queue as far as the limit and any pause allow; l.mu
// is held.
func (l *Limiter) dispatch(now time.Time) {
	for len(l.queue) > 0 && l.ready(now) {
		w := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		w.grant(l.grant(now))
	}
	l.armWake(now)
}

// armWake makes sure that someone serves the queue when a pause ends.
func (l *Limiter) armWake(now time.Time) {
	until := l.ctl.pausedUntil
	if len(l.queue) == 0 || !now.Before(until) {
		return
	}
	if l.wake != nil {
		if l.wakeAt.Equal(until) {
			return
		}
		l.wake.Stop()
	}
	l.wakeAt = until
	l.wake = l.clock.AfterFunc(until.Sub(now), l.onWake)
}

func (l *Limiter) onWake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wake = nil
	l.dispatch(l.clock.Now())
}

// Limit returns the number of requests allowed in flight now.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ctl.current()
}

// Stats returns a snapshot of the limiter.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &l.ctl
	return Stats{
		Limit:       c.current(),
		InFlight:    l.inFlight,
		Waiting:     len(l.queue),
		Floor:       c.floor,
		Ceiling:     c.ceil,
		PausedUntil: c.pausedUntil,
		Backoffs:    c.backoffs,
		Pauses:      c.pauses,
		MaxLimit:    c.maxLimit,
	}
}

// Token is one request's slot, from Acquire.
type Token struct {
	l     *Limiter
	round uint64
	at    time.Time
	done  atomic.Bool
}

// Done frees the slot and tells the limiter what the request came to.
// Calls after the first, and calls on a nil Token, do nothing.
func (t *Token) Done(o Outcome) {
	if t == nil || !t.done.CompareAndSwap(false, true) {
		return
	}
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	now := l.clock.Now()
	if o.Latency <= 0 {
		o.Latency = now.Sub(t.at)
	}
	l.ctl.done(now, t.round, o)
	l.dispatch(now)
}
