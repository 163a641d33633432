package mipmock

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// faults draws the injected faults and the jitter from one seeded source.
type faults struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaults(seed uint64) *faults {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &faults{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// hit reports whether an event of probability rate happens. A rate of 0 or
// less never happens and draws nothing; 1 or more always happens.
func (f *faults) hit(rate float64) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	return x < rate
}

// delay returns latency plus a uniform extra 0..jitter.
func (f *faults) delay(latency, jitter time.Duration) time.Duration {
	d := max(latency, 0)
	if jitter > 0 {
		f.mu.Lock()
		d += time.Duration(f.rng.Int64N(int64(jitter) + 1))
		f.mu.Unlock()
	}
	return d
}

// sleeper sleeps for the configured latency. Whatever times it (a timerfd
// on Linux, Go's timers elsewhere) wakes a little late; sleeper learns that
// lateness and starts each sleep that much earlier, so that the latency
// clients see is the one configured.
type sleeper struct {
	lateness atomic.Int64 // running estimate in ns, kept within [0, maxLateness]
}

const maxLateness = int64(2 * time.Millisecond)

// sleep waits d or until ctx is done, and reports whether it waited all of d.
func (c *sleeper) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	late := time.Duration(c.lateness.Load())
	target := max(d-late, 0)
	start := time.Now()
	if !wait(ctx, target) {
		return false
	}
	// An exponential moving average over the last few dozen sleeps.
	over := int64(time.Since(start) - target)
	old := c.lateness.Load()
	c.lateness.Store(min(max(old+(over-old)/16, 0), maxLateness))
	return true
}

// waitTimer waits d or until ctx is done, with Go's timers, and reports
// whether it waited all of d.
func waitTimer(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryAfterSeconds is the Retry-After value: d rounded up to whole seconds,
// at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 1
	}
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
