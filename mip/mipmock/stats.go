package mipmock

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what the server saw since it was started or last reset.
type Stats struct {
	// Requests is every request to {base}/patients, whatever its answer.
	Requests int64 `json:"requests"`
	// Unauthorized counts the 401 answers.
	Unauthorized int64 `json:"unauthorized"`
	// BadRequests counts the 400, 405 and 413 answers.
	BadRequests int64 `json:"badRequests"`

	// Uploaded, NotValid and Errors count the mkabStatus answered
	// (dropped connections included: the card was processed).
	Uploaded int64 `json:"uploaded"`
	NotValid int64 `json:"notValid"`
	Errors   int64 `json:"errors"`

	// AttachmentUploaded, AttachmentNotValid and AttachmentErrors count the
	// attachmentStatus answered other than None.
	AttachmentUploaded int64 `json:"attachmentUploaded"`
	AttachmentNotValid int64 `json:"attachmentNotValid"`
	AttachmentErrors   int64 `json:"attachmentErrors"`

	// Created and Updated count card creations and updates.
	Created int64 `json:"created"`
	Updated int64 `json:"updated"`
	// DuplicatePersons counts creations that gave a person (same СНИЛС or
	// same polis number) a second (third, …) card.
	DuplicatePersons int64 `json:"duplicatePersons"`

	// Injected5xx, Injected429 and InjectedDrops count the injected faults.
	Injected5xx   int64 `json:"injected5xx"`
	Injected429   int64 `json:"injected429"`
	InjectedDrops int64 `json:"injectedDrops"`

	// Refused503 and Refused429 count the answers of the load limits:
	// 503 beyond Config.Capacity requests at a time, 429 beyond
	// Config.RateLimit a second.
	Refused503 int64 `json:"refused503"`
	Refused429 int64 `json:"refused429"`

	// InFlight is the number of /patients requests being handled now;
	// MaxInFlight the most at once.
	InFlight    int64 `json:"inFlight"`
	MaxInFlight int64 `json:"maxInFlight"`
	// SameGUIDOverlaps counts requests that arrived while another request
	// with the same guid was still being handled.
	SameGUIDOverlaps int64 `json:"sameGuidOverlaps"`

	// MaxPerSecond is the most /patients requests that arrived within one
	// second (of the wall clock, whole seconds): the check of --rate.
	MaxPerSecond int64 `json:"maxPerSecond"`

	// Delayed counts the requests that waited a latency (--latency,
	// --jitter) before their answer. MeanLateMicros is by how much, on
	// average, that wait ended later than the latency drawn for the request,
	// counted from its arrival (negative: earlier): how true the latency
	// that load runs divide by is.
	Delayed        int64   `json:"delayed"`
	MeanLateMicros float64 `json:"meanLateUs"`

	// Cards and Persons are the numbers stored now.
	Cards   int `json:"cards"`
	Persons int `json:"persons"`
}

// perSecond counts arrivals per wall-clock second and keeps the maximum.
type perSecond struct {
	mu     sync.Mutex
	second int64
	count  int64
	max    int64
}

func (p *perSecond) arrive(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := t.Unix(); s != p.second {
		p.second, p.count = s, 0
	}
	p.count++
	p.max = max(p.max, p.count)
}

func (p *perSecond) maximum() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

func (p *perSecond) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.second, p.count, p.max = 0, 0, 0
}

// counters are the request-level counts, updated without the state lock.
type counters struct {
	requests, unauthorized, badRequests atomic.Int64
	uploaded, notValid, errors          atomic.Int64
	attUploaded, attNotValid, attErrors atomic.Int64
	created, updated, duplicatePersons  atomic.Int64
	injected5xx, injected429, drops     atomic.Int64
	refused503, refused429              atomic.Int64
	inFlight, maxInFlight               atomic.Int64
	sameGUIDOverlaps                    atomic.Int64
	delayed, lateNs                     atomic.Int64
	rate                                perSecond
}

func (c *counters) reset() {
	for _, v := range []*atomic.Int64{
		&c.requests, &c.unauthorized, &c.badRequests,
		&c.uploaded, &c.notValid, &c.errors,
		&c.attUploaded, &c.attNotValid, &c.attErrors,
		&c.created, &c.updated, &c.duplicatePersons,
		&c.injected5xx, &c.injected429, &c.drops,
		&c.refused503, &c.refused429,
		&c.sameGUIDOverlaps, &c.delayed, &c.lateNs,
	} {
		v.Store(0)
	}
	c.rate.reset()
	// The requests still in flight stay counted.
	c.maxInFlight.Store(c.inFlight.Load())
}

// enter counts a request as in flight and raises the maximum if needed.
func (c *counters) enter() {
	n := c.inFlight.Add(1)
	for {
		m := c.maxInFlight.Load()
		if n <= m || c.maxInFlight.CompareAndSwap(m, n) {
			return
		}
	}
}

func (c *counters) leave() { c.inFlight.Add(-1) }

// guidTracker knows how many requests per guid are in flight.
type guidTracker struct {
	mu sync.Mutex
	n  map[string]int
}

// enter registers a request for guid and reports whether another request
// with the same guid was already in flight.
func (t *guidTracker) enter(guid string) (overlap bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = make(map[string]int)
	}
	overlap = t.n[guid] > 0
	t.n[guid]++
	return overlap
}

func (t *guidTracker) leave(guid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n[guid] <= 1 {
		delete(t.n, guid)
		return
	}
	t.n[guid]--
}
