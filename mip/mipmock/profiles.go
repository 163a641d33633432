package mipmock

import (
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// load models a МИП with limits: at most Config.Capacity requests at a time,
// at most Config.RateLimit a second, and a latency that grows with the
// requests in flight. Unlike the injected faults, which strike at random,
// these answer the load: what an adaptive client has to find.
type load struct {
	capacity  int64
	perReq    time.Duration
	knee      int64
	rateLimit float64
	burst     int

	admitted atomic.Int64                 // requests being served (not refused)
	bucket   atomic.Pointer[rate.Limiter] // nil: no rate limit
}

func newLoad(cfg Config) *load {
	l := &load{
		capacity:  int64(max(cfg.Capacity, 0)),
		perReq:    max(cfg.LatencyPerRequest, 0),
		knee:      int64(max(cfg.LatencyKnee, 0)),
		rateLimit: max(cfg.RateLimit, 0),
		burst:     cfg.RateBurst,
	}
	if l.rateLimit > 0 && l.burst <= 0 {
		// "R a second": a second's worth of requests may come at once.
		l.burst = int(math.Ceil(l.rateLimit))
	}
	l.reset()
	return l
}

// reset fills the bucket again (the requests being served stay counted).
func (l *load) reset() {
	if l.rateLimit > 0 {
		l.bucket.Store(rate.NewLimiter(rate.Limit(l.rateLimit), l.burst))
	}
}

// verdict is what the load limits decide for one request.
type verdict struct {
	refuse     int           // 0, or the status to refuse with at once: 503 or 429
	retryAfter time.Duration // with a 429
	extra      time.Duration // latency added for the load
	admitted   bool          // counted in admitted: call leave when done
}

// arrive decides for a request that arrived at now: the capacity first (a
// request refused for it takes no token), then the rate.
func (l *load) arrive(now time.Time) verdict {
	n := l.admitted.Add(1)
	if l.capacity > 0 && n > l.capacity {
		l.admitted.Add(-1)
		return verdict{refuse: 503}
	}
	if b := l.bucket.Load(); b != nil {
		r := b.ReserveN(now, 1)
		if d := r.DelayFrom(now); !r.OK() || d > 0 {
			r.CancelAt(now)
			l.admitted.Add(-1)
			if !r.OK() {
				d = time.Second
			}
			return verdict{refuse: 429, retryAfter: d}
		}
	}
	v := verdict{admitted: true}
	if l.perReq > 0 && n > l.knee {
		v.extra = time.Duration(n-l.knee) * l.perReq
	}
	return v
}

func (l *load) leave() { l.admitted.Add(-1) }
