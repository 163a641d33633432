package pace

import (
	"math"
	"time"
)

// control is the limiter's control law (see the package comment), apart
// from the queue of callers. Its methods run with the Limiter's lock held.
type control struct {
	cfg Config

	limit    float64
	ssthresh float64 // slow start while limit < ssthresh
	maxLimit int

	// floor is the lowest latency seen; floorAt when it was last seen (or
	// nearly).
	floor   time.Duration
	floorAt time.Time

	// A round is one round trip: it starts when the previous one ends and
	// ends when the first request granted in it completes.
	round   uint64
	cur     roundStats
	tallies [tallies]tally
	// recover: refusals of requests granted before this round were sent
	// before the last backoff took effect; they do not back off again.
	recover uint64

	pausedUntil time.Time
	lastPause   time.Duration

	// wmax is the limit at the last backoff without a pause; the limit
	// dwells a few rounds just below it before trying it again.
	wmax    float64
	dwellOn bool
	dwell   int

	// flightFloor is as far as the failures of one flight take the limit.
	flightFloor float64

	// The ceiling after a refusal with Retry-After (see the package
	// comment). pending is the round whose accepted requests will set it.
	ceil      int
	pending   uint64
	lowerOnly bool // the pending count may only lower ceil
	refusedAt int  // the limit when the pending round was refused
	proven    bool // the ceiling had held for proofFor when refused
	// cleanSince is the last refusal with Retry-After or the last
	// change of the ceiling by a probe.
	cleanSince time.Time
	probeWins  int // probes that held in a row
	holdFor    time.Duration
	holdUntil  time.Time
	probing    bool
	probeFrom  time.Time

	// Re-measuring the floor: the load is capped at floorCap for the
	// requests granted from round floorRound on, until floorN of them
	// answered.
	floorProbe bool
	floorCap   int
	floorRound uint64
	floorMin   time.Duration
	floorN     int

	backoffs, pauses int64
}

type roundStats struct {
	ok, lost  int
	rttSum    time.Duration
	rttMin    time.Duration
	saturated bool // the limit was reached at some grant
}

// tally counts the answers to the requests granted in one round.
type tally struct {
	round        uint64
	out, ok, bad int
	// sent is the requests granted in the round, limit the most the
	// limit let be in flight while they were.
	sent, limit int
}

const tallies = 64

// lossStep is what each failure takes off the limit (see backoff).
const lossStep = 2

// dwellRounds is how many clean rounds the limit stays just below the level
// last refused before trying that level again.
const dwellRounds = 8

func (c *control) init(cfg Config, now time.Time) {
	c.cfg = cfg
	c.limit = float64(cfg.Initial)
	c.maxLimit = cfg.Initial
	c.ssthresh = math.Inf(1)
	c.round = 1
	c.holdFor = cfg.Hold
	c.floorAt = now
}

// current is the limit as a whole number.
func (c *control) current() int { return int(c.limit) }

// capacity is the number of requests that may be in flight now.
func (c *control) capacity() int {
	n := c.current()
	if c.floorProbe {
		n = min(n, c.floorCap)
	}
	return n
}

func (c *control) tallyOf(round uint64) *tally {
	t := &c.tallies[round%tallies]
	if t.round != round {
		return nil
	}
	return t
}

// granted counts a slot handed out; inFlight includes it.
func (c *control) granted(inFlight int) {
	t := &c.tallies[c.round%tallies]
	if t.round != c.round {
		*t = tally{round: c.round}
	}
	t.out++
	t.sent++
	t.limit = max(t.limit, c.capacity())
	if inFlight >= c.capacity() {
		c.cur.saturated = true
	}
}

// done takes the outcome of a request granted in round.
func (c *control) done(now time.Time, round uint64, o Outcome) {
	t := c.tallyOf(round)
	if t != nil {
		t.out--
	}
	switch o.Kind {
	case OK:
		if t != nil {
			t.ok++
		}
		if c.cur.ok == 0 || o.Latency < c.cur.rttMin {
			c.cur.rttMin = o.Latency
		}
		c.cur.ok++
		c.cur.rttSum += o.Latency
		c.sample(now, round, o.Latency)
	case Overload, Timeout, Dropped:
		if t != nil {
			t.bad++
		}
		c.cur.lost++
		paused := o.Kind == Overload && o.RetryAfter > 0
		if paused {
			c.pause(now, o.RetryAfter)
		}
		switch {
		case round >= c.recover:
			c.backoff(now, round, o, paused)
		case !paused:
			// Another failure of the flight already backed off for: a
			// step more, down to the flight's floor.
			if next := max(c.flightFloor, c.limit-lossStep); next < c.limit {
				c.ssthresh = max(next, float64(c.cfg.Min))
				c.set(now, next, reasonOf(o.Kind))
			}
		}
	}
	if c.pending != 0 && round == c.pending && t != nil && t.out == 0 {
		c.settleCeiling(now, t)
	}
	if round == c.round {
		c.endRound(now)
	}
}

// sample takes the latency of an answer.
func (c *control) sample(now time.Time, round uint64, rtt time.Duration) {
	switch {
	case c.floor == 0 || rtt < c.floor:
		c.floor, c.floorAt = rtt, now
	case rtt <= c.floor+c.floor/20:
		c.floorAt = now
	}
	if c.floorProbe && round >= c.floorRound {
		if c.floorN == 0 || rtt < c.floorMin {
			c.floorMin = rtt
		}
		c.floorN++
		if c.floorN >= c.floorCap {
			// A floor that rose beyond the tolerance (МИП slower all
			// day) is taken as the new floor; a smaller rise is the
			// few requests still in flight, not a new floor.
			if float64(c.floorMin) > c.cfg.Tolerance*float64(c.floor) {
				c.floor = c.floorMin
			}
			c.floorAt = now
			c.floorProbe = false
		}
	}
}

func (c *control) pause(now time.Time, d time.Duration) {
	d = min(d, c.cfg.MaxPause)
	until := now.Add(d)
	if !now.Before(c.pausedUntil) {
		c.pauses++
	}
	if until.After(c.pausedUntil) {
		c.pausedUntil = until
	}
	c.lastPause = d
}

func reasonOf(k Kind) Reason {
	switch k {
	case Timeout:
		return ReasonTimeout
	case Dropped:
		return ReasonDropped
	}
	return ReasonOverload
}

// backoff reacts to the first failure (refusal, timeout, dropped
// connection) of a request granted after the last backoff: the first of a
// new flight.
func (c *control) backoff(now time.Time, round uint64, o Outcome, paused bool) {
	c.backoffs++
	reason := reasonOf(o.Kind)
	// Each failure of the flight takes lossStep off the limit, but the
	// flight takes at most this far down: a lone failure (a server that
	// fails now and then, whatever the load) costs little, a flood of
	// them is a multiplicative backoff.
	c.flightFloor = c.limit * c.cfg.Backoff
	if c.limit < c.ssthresh {
		c.flightFloor = c.limit / 2
	}
	next := max(c.flightFloor, c.limit-lossStep)
	switch {
	case c.probing && paused:
		// One above the ceiling was too many: back to the ceiling, and
		// wait longer before the next try.
		c.probing, c.probeWins = false, 0
		next = float64(c.ceil)
		reason = ReasonProbeFail
		c.holdFor = min(2*c.holdFor, c.cfg.MaxHold)
		c.holdUntil = now.Add(c.holdFor)
		c.cleanSince = now
	case paused:
		// Every refusal with Retry-After costs a pause: back off in
		// full, and set the ceiling from what the server carried in
		// this request's round (settleCeiling). Refused at or below the
		// ceiling, the ceiling only comes down, and the next try waits
		// longer: the ceiling (or a try that looked fine while a bucket
		// of tokens lasted) was too high.
		next = c.flightFloor
		c.pending, c.lowerOnly, c.refusedAt = round, c.ceil > 0, c.current()
		c.proven = c.ceil > 0 && now.Sub(c.cleanSince) >= c.proofFor()
		c.cleanSince = now
	default:
		// Refused twice running at the same level: that is the
		// server's capacity, not chance; dwell below it before the next
		// try.
		c.dwellOn = c.wmax > 0 && int(c.wmax) == c.current()
		c.wmax, c.dwell = c.limit, 0
	}
	c.ssthresh = max(next, float64(c.cfg.Min))
	c.set(now, next, reason)
	// Requests granted from now on count again.
	c.startRound()
	c.recover = c.round
}

// settleCeiling sets the ceiling from the requests of the round that got a
// refusal with Retry-After: those it accepted are what it carries.
func (c *control) settleCeiling(now time.Time, t *tally) {
	c.pending = 0
	n := t.ok
	if t.sent < t.limit && t.sent > 0 {
		// The pause cut the round short: it sent fewer than the limit
		// allowed, and accepted few because few were sent. The share it
		// accepted of the limit is the measure.
		n = (t.ok*t.limit + t.sent/2) / t.sent
	}
	switch {
	case t.bad < 2 && c.lowerOnly && c.proven:
		// A lone refusal at a ceiling that held for a good while:
		// chance, not capacity (МИП refuses now and then whatever the
		// load). Paused for, but no reason to carry less.
		n = c.ceil
	case t.bad < 2:
		// A lone refusal, the rest of the round cut short by the pause:
		// what was accepted is no measure. One below.
		n = c.refusedAt - 1
		if c.lowerOnly {
			n = c.ceil - 1
		}
	case n <= 0:
		return // all refused: no measure, plain backoff only
	case c.lowerOnly:
		n = min(n, c.ceil-1)
	}
	n = max(n, c.cfg.Min)
	if c.lowerOnly && n < c.ceil {
		c.probeWins = 0
	}
	c.ceil = n
	c.holdUntil = now.Add(c.holdFor)
	c.ssthresh = min(c.ssthresh, float64(c.ceil))
	if c.limit > float64(c.ceil) {
		c.set(now, float64(c.ceil), ReasonCeiling)
	}
}

// proofFor is how long a level must hold without a refusal to count as
// one the server carries: long enough to empty a bucket of tokens a few
// times over at one request more per round trip, and several times the
// pause a refusal costs.
func (c *control) proofFor() time.Duration {
	return max(time.Second, 4*c.floor, 5*c.lastPause)
}

// endRound ends the current round trip: the limit follows the latency, or
// grows when the round was clean and used the whole limit.
func (c *control) endRound(now time.Time) {
	r := c.cur
	if r.lost == 0 && r.ok > 0 && !c.floorProbe {
		// The round's lowest latency, not its mean (see the package
		// comment): a client short of CPU is not a queue at МИП.
		low := r.rttMin
		ok := time.Duration(float64(c.floor)*c.cfg.Tolerance) + c.cfg.LatencySlack
		switch {
		case c.floor > 0 && low > ok:
			// Queueing at the server: shrink in proportion, at most by
			// half a round trip.
			g := max(0.5, float64(ok)/float64(low))
			next := c.limit * g
			c.ssthresh = max(next, float64(c.cfg.Min))
			c.set(now, next, ReasonLatency)
		case r.saturated:
			c.grow(now)
		}
	}
	if c.probing && r.lost == 0 && now.Sub(c.probeFrom) >= c.proofFor() {
		// The try held: the server carries one more now, and the next
		// try comes sooner. After two in a row the ceiling goes: the
		// server has more room than it had. (Not after one: a bucket
		// of tokens can make a try look fine for a while.)
		c.probing = false
		c.ceil++
		c.cleanSince = now
		c.holdFor = max(c.cfg.Hold/8, c.holdFor/2)
		c.holdUntil = now.Add(c.holdFor)
		if c.probeWins++; c.probeWins >= 2 {
			c.ceil, c.probeWins = 0, 0
		}
	}
	if c.ceil > 0 && !c.probing && c.pending == 0 && c.current() >= c.ceil && !now.Before(c.holdUntil) {
		c.probing, c.probeFrom = true, now
		c.set(now, float64(c.ceil+1), ReasonProbe)
	}
	if c.pending != 0 && c.round-c.pending > 8 {
		// A request of that round is still out (a slow one): settle with
		// what has been counted.
		if t := c.tallyOf(c.pending); t != nil {
			c.settleCeiling(now, t)
		} else {
			c.pending = 0
		}
	}
	if c.floorProbe && c.round > c.floorRound+8 {
		// No answer to measure by (all refused, say): keep the floor.
		c.floorProbe, c.floorAt = false, now
	}
	if !c.floorProbe && c.floor > 0 && now.Sub(c.floorAt) > c.cfg.FloorWindow {
		c.floorProbe = true
		// At most 4 in flight (as BBR's ProbeRTT): at half the load the
		// floor of a server whose latency grows from the first request
		// would creep up with every measure.
		c.floorCap = max(c.cfg.Min, min(4, c.current()/2))
		c.floorRound = c.round + 1
		c.floorN = 0
	}
	c.startRound()
}

func (c *control) grow(now time.Time) {
	next, reason := c.limit+1, ReasonGrow
	switch {
	case c.limit < c.ssthresh:
		next, reason = min(2*c.limit, c.ssthresh), ReasonSlowStart
	case c.wmax > 0 && next >= c.wmax:
		if next < c.wmax+1 && c.dwellOn {
			// The next step is the level refused last time.
			if c.dwell++; c.dwell < dwellRounds {
				return
			}
		} else if next >= c.wmax+1 {
			c.wmax, c.dwellOn = 0, false // passed it cleanly: the server has more room now
		}
	}
	switch {
	case c.probing:
		next = min(next, float64(c.ceil+1))
	case c.ceil > 0:
		next = min(next, float64(c.ceil))
	}
	if next > c.limit {
		c.set(now, next, reason)
	}
}

func (c *control) startRound() {
	c.round++
	c.cur = roundStats{}
}

// set changes the limit, within Min and Max, and reports the change.
func (c *control) set(now time.Time, next float64, reason Reason) {
	next = min(max(next, float64(c.cfg.Min)), float64(c.cfg.Max))
	old := c.current()
	c.limit = next
	c.maxLimit = max(c.maxLimit, c.current())
	if c.cfg.OnChange == nil || c.current() == old {
		return
	}
	ch := Change{At: now, Old: old, New: c.current(), Reason: reason, Floor: c.floor, Ceiling: c.ceil}
	if c.cur.ok > 0 {
		ch.Latency = c.cur.rttSum / time.Duration(c.cur.ok)
	}
	if now.Before(c.pausedUntil) {
		ch.PausedFor = c.pausedUntil.Sub(now)
	}
	c.cfg.OnChange(ch)
}
