package mip

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"mipimport/mip/pace"
)

// changes records a limiter's changes of the limit.
type changes struct {
	mu  sync.Mutex
	all []pace.Change
}

func (c *changes) add(ch pace.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, ch)
}

func (c *changes) reasons() []pace.Reason {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []pace.Reason
	for _, ch := range c.all {
		out = append(out, ch.Reason)
	}
	return out
}

// Every way an attempt can end reaches the limiter as the outcome that
// tells what it says about МИП's load: an answer is a latency sample (the
// floor), a refusal for load or a lost request backs off, the rest tells
// nothing; and the attempt's slot is given back every time.
func TestPaceOutcomeOfEachAnswer(t *testing.T) {
	withRetryAfter := func(status int, secs string) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", secs)
			w.WriteHeader(status)
		}
	}
	const (
		ok = iota
		backoff
		nothing
	)
	tests := []struct {
		name    string
		answer  func(int, http.ResponseWriter, *http.Request)
		timeout time.Duration
		cancel  bool
		want    int
		reason  pace.Reason
		pause   time.Duration // the Retry-After the limiter must hold to
	}{
		{"200", reply(200, answerPascal), 0, false, ok, "", 0},
		{"200 not an answer", reply(200, "<html>"), 0, false, ok, "", 0},
		{"503", reply(503, ""), 0, false, backoff, pace.ReasonOverload, 0},
		{"503 Retry-After", withRetryAfter(503, "3"), 0, false, backoff, pace.ReasonOverload, 3 * time.Second},
		{"429", reply(429, ""), 0, false, backoff, pace.ReasonOverload, 0},
		{"429 Retry-After", withRetryAfter(429, "2"), 0, false, backoff, pace.ReasonOverload, 2 * time.Second},
		{"502", reply(502, ""), 0, false, backoff, pace.ReasonOverload, 0},
		{"504", reply(504, ""), 0, false, backoff, pace.ReasonOverload, 0},
		{"dropped", drop, 0, false, backoff, pace.ReasonDropped, 0},
		{"no answer in time", hang, 50 * time.Millisecond, false, backoff, pace.ReasonTimeout, 0},
		{"500", reply(500, ""), 0, false, nothing, "", 0},
		{"401", reply(401, ""), 0, false, nothing, "", 0},
		{"400", reply(400, ""), 0, false, nothing, "", 0},
		{"408", reply(408, ""), 0, false, nothing, "", 0},
		{"redirect", reply(302, ""), 0, false, nothing, "", 0},
		{"run stopped during the request", hang, 0, true, nothing, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ch changes
			lim := pace.New(pace.Config{Initial: 8, OnChange: ch.add})
			srv := newStub(t, tt.answer)
			c := testClient(t, srv.URL, func(cfg *Config) {
				cfg.Pace = lim
				if tt.timeout > 0 {
					cfg.Timeout = tt.timeout
				}
			})
			ctx := context.Background()
			if tt.cancel {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			before := time.Now()
			_, _ = c.Send(ctx, testPatient())
			st := lim.Stats()
			if st.InFlight != 0 {
				t.Errorf("%d slots still held after Send returned", st.InFlight)
			}
			switch tt.want {
			case ok:
				if st.Floor <= 0 || st.Backoffs != 0 {
					t.Errorf("floor %v, %d backoffs: want a latency sample and no backoff", st.Floor, st.Backoffs)
				}
			case backoff:
				if got := ch.reasons(); st.Backoffs != 1 || len(got) != 1 || got[0] != tt.reason || st.Limit >= 8 {
					t.Errorf("%d backoffs, changes %v, limit %d: want one backoff for %q below 8", st.Backoffs, got, st.Limit, tt.reason)
				}
			case nothing:
				if got := ch.reasons(); st.Floor != 0 || st.Backoffs != 0 || len(got) != 0 {
					t.Errorf("floor %v, %d backoffs, changes %v: want nothing learned", st.Floor, st.Backoffs, got)
				}
			}
			if tt.pause > 0 {
				if until := st.PausedUntil.Sub(before); until < tt.pause-100*time.Millisecond || until > tt.pause+time.Second {
					t.Errorf("paused until %v after the request, want the Retry-After %v", until, tt.pause)
				}
			} else if !st.PausedUntil.IsZero() {
				t.Errorf("paused until %v without a Retry-After", st.PausedUntil)
			}
		})
	}
}

// A connection refused (МИП restarting behind its balancer) is a lost
// request, as a dropped one.
func TestPaceOutcomeConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var ch changes
	lim := pace.New(pace.Config{Initial: 8, OnChange: ch.add})
	c := testClient(t, "http://"+addr, func(cfg *Config) { cfg.Pace = lim })
	_, _ = c.Send(context.Background(), testPatient())
	if got := ch.reasons(); len(got) != 1 || got[0] != pace.ReasonDropped {
		t.Errorf("changes %v, want one for %q", got, pace.ReasonDropped)
	}
}

// loadServer is a МИП whose behaviour a test switches while workers send:
// it counts the requests it serves at a time and keeps when each arrived.
type loadServer struct {
	*httptest.Server
	mode     atomic.Int32
	inFlight atomic.Int64
	maxSeen  atomic.Int64
	latency  time.Duration
	// over, when set, is checked at every arrival with the number of
	// requests being served, itself included.
	over func(n int64) bool
	bad  atomic.Int64 // arrivals over said yes to

	mu       sync.Mutex
	arrivals []time.Time
	refused  []time.Time
}

const (
	modeOK int32 = iota
	mode503
	mode429     // with Retry-After: 1
	mode429Once // one 429 with Retry-After: 1, then modeOK
	modeHang
)

func newLoadServer(t *testing.T, latency time.Duration) *loadServer {
	s := &loadServer{latency: latency}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for m := s.maxSeen.Load(); n > m && !s.maxSeen.CompareAndSwap(m, n); m = s.maxSeen.Load() {
		}
		if s.over != nil && s.over(n) {
			s.bad.Add(1)
		}
		now := time.Now()
		mode := s.mode.Load()
		s.mu.Lock()
		s.arrivals = append(s.arrivals, now)
		if mode == mode503 || mode == mode429 || mode == mode429Once {
			s.refused = append(s.refused, now)
		}
		s.mu.Unlock()
		switch mode {
		case mode503:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case mode429, mode429Once:
			s.mode.CompareAndSwap(mode429Once, modeOK)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case modeHang:
			<-r.Context().Done()
			return
		}
		time.Sleep(s.latency)
		io.WriteString(w, `{"MkabStatus":"Uploaded"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *loadServer) times() (arrivals, refused []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrivals...), append([]time.Time(nil), s.refused...)
}

// drive keeps workers sending until the test ends.
func drive(t *testing.T, c *Client, workers int) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _ = c.Send(ctx, testPatient())
			}
		})
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// eventually waits up to d for cond, then fails with what.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// With the client under a steady load, the limit grows to its cap, backs
// off when МИП refuses (503; 429 whose Retry-After every request then waits
// out) or stops answering in time, and grows back once it serves again.
func TestPaceBacksOffAndGrowsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode int32
	}{
		{"503", mode503},
		// A rate limit hit once: the whole round refused would set a
		// ceiling of what the round carried, which takes tens of seconds
		// of probing to lift (that is pace's own test).
		{"429 with Retry-After", mode429Once},
		{"timeouts", modeHang},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const maxLimit, workers = 32, 48
			srv := newLoadServer(t, 5*time.Millisecond)
			var ch changes
			// The latency's own signal is switched off (a generous slack):
			// on a loaded machine, under the race detector, the client's
			// own delays would look like queueing at a 5 ms server, and
			// this test is about refusals and timeouts.
			lim := pace.New(pace.Config{Initial: 4, Max: maxLimit, LatencySlack: time.Second,
				Hold: 200 * time.Millisecond, OnChange: ch.add})
			c := testClient(t, srv.URL, func(cfg *Config) {
				cfg.Pace = lim
				cfg.Timeout = time.Second
				cfg.Concurrency = workers
			})
			drive(t, c, workers)
			eventually(t, 20*time.Second, "the limit grows to its cap", func() bool { return lim.Limit() == maxLimit })

			srv.mode.Store(tc.mode)
			eventually(t, 20*time.Second, "the limit backs off", func() bool { return lim.Limit() <= maxLimit/2 })
			low := lim.Limit()
			if tc.mode == mode429Once {
				// Every worker waits out the Retry-After of the first
				// refusal: nothing arrives in that second but the
				// requests sent before the client read the refusal.
				time.Sleep(1500 * time.Millisecond)
				arrivals, refused := srv.times()
				first := refused[0]
				for _, at := range arrivals {
					if d := at.Sub(first); d > 300*time.Millisecond && d < 950*time.Millisecond {
						t.Fatalf("a request arrived %v after a 429 with Retry-After: 1", d)
					}
				}
			}

			srv.mode.Store(modeOK)
			eventually(t, 30*time.Second, "the limit grows back", func() bool { return lim.Limit() >= maxLimit-4 })
			st := lim.Stats()
			t.Logf("backed off to %d, back to %d; %d backoffs, %d pauses; changes %v", low, st.Limit, st.Backoffs, st.Pauses, ch.reasons())
			if n := srv.maxSeen.Load(); n > maxLimit {
				t.Errorf("the server served %d requests at once; the limit is at most %d", n, maxLimit)
			}
		})
	}
}

// The server never serves more requests at a time than the limit has been,
// however many workers send, while the limit moves (random refusals take
// it down, clean rounds up) — nor more than its cap.
func TestPaceBoundsRequestsInFlight(t *testing.T) {
	const maxLimit, workers = 6, 40
	srv := newLoadServer(t, 2*time.Millisecond)
	var highest atomic.Int64 // the highest limit so far
	lim := pace.New(pace.Config{Initial: 2, Max: maxLimit, OnChange: func(ch pace.Change) {
		if int64(ch.New) > highest.Load() {
			highest.Store(int64(ch.New))
		}
	}})
	highest.Store(2)
	srv.over = func(n int64) bool { return n > highest.Load() }
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.Pace = lim; cfg.Concurrency = workers })
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				if (w+i)%7 == 0 {
					srv.mode.Store(mode503)
				}
				_, _ = c.Send(context.Background(), testPatient())
				srv.mode.Store(modeOK)
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	if n := srv.bad.Load(); n != 0 {
		t.Errorf("%d requests arrived while more were being served than the limit had ever been", n)
	}
	if n := srv.maxSeen.Load(); n > maxLimit || n < 3 {
		t.Errorf("the server served at most %d requests at once; want between 3 and the cap %d", n, maxLimit)
	}
	t.Logf("%d sends, at most %d at once, limit %+v", sent.Load(), srv.maxSeen.Load(), lim.Stats())
}

// --rate and the adaptive limit together: requests never arrive faster
// than the rate, not even when a Retry-After pause ends with every worker
// waiting, and the pause holds every request, those that already waited
// for the rate included.
func TestPaceWithRateLimit(t *testing.T) {
	const perSecond, workers = 20, 8
	srv := newLoadServer(t, time.Millisecond)
	lim := pace.New(pace.Config{Initial: workers})
	c := testClient(t, srv.URL, func(cfg *Config) {
		cfg.Pace = lim
		cfg.Limiter = rate.NewLimiter(perSecond, 1)
		cfg.Retries = 3
		cfg.MaxBackoff = 2 * time.Second
	})
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for sent.Add(1) <= 40 {
				if _, err := c.Send(context.Background(), testPatient()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// The fifth request is refused with Retry-After: 1.
	eventually(t, 10*time.Second, "four requests served", func() bool { a, _ := srv.times(); return len(a) >= 4 })
	srv.mode.Store(mode429)
	eventually(t, 10*time.Second, "a request refused", func() bool { _, r := srv.times(); return len(r) > 0 })
	srv.mode.Store(modeOK)
	wg.Wait()

	arrivals, refused := srv.times()
	for i, at := range arrivals {
		if d := at.Sub(refused[0]); d > 300*time.Millisecond && d < 950*time.Millisecond {
			t.Errorf("request %d arrived %v after a 429 with Retry-After: 1", i+1, d)
		}
		// Half a second holds perSecond/2 requests, one more for the
		// limiter's burst, and two for the jitter of the scheduler.
		n := 0
		for _, later := range arrivals[i:] {
			if later.Sub(at) < 500*time.Millisecond {
				n++
			}
		}
		if n > perSecond/2+3 {
			t.Errorf("%d requests arrived within half a second from request %d; --rate is %d a second", n, i+1, perSecond)
		}
	}
}

// Under WithStop a patient that has not been sent when the stop comes is
// not sent, however it was waiting; one already sent finishes, retries
// included.
func TestSendWithStop(t *testing.T) {
	t.Run("stopped before", func(t *testing.T) {
		srv := newStub(t, reply(200, answerPascal))
		c := testClient(t, srv.URL, nil)
		stop, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Send(WithStop(context.Background(), stop), testPatient())
		if e := mipError(t, err); e.Kind != FailCanceled || e.Attempts != 0 || srv.count() != 0 {
			t.Errorf("got %v after %d requests; want canceled before any", err, srv.count())
		}
	})
	t.Run("waiting for a slot", func(t *testing.T) {
		srv := newStub(t, hang)
		lim := pace.New(pace.Config{Initial: 1, Max: 1})
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.Pace = lim })
		inFlight, cancelInFlight := context.WithCancel(context.Background())
		defer cancelInFlight()
		go func() { _, _ = c.Send(inFlight, testPatient()) }() // holds the only slot
		eventually(t, 5*time.Second, "the first request sent", func() bool { return srv.count() == 1 })
		stop, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Send(WithStop(context.Background(), stop), testPatient())
		if e := mipError(t, err); e.Kind != FailCanceled || e.Attempts != 0 || srv.count() != 1 {
			t.Errorf("got %v, %d requests; want canceled without a request", err, srv.count())
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned %v after the stop, want at once", d)
		}
		if st := lim.Stats(); st.Waiting != 0 || st.InFlight != 1 {
			t.Errorf("limiter %+v: want only the first request's slot held", st)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		stop, cancel := context.WithCancel(context.Background())
		srv := newStub(t, sequence(func(_ int, w http.ResponseWriter, _ *http.Request) {
			cancel() // the stop comes while the first attempt is at МИП
			w.WriteHeader(http.StatusServiceUnavailable)
		}, reply(200, answerPascal)))
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = 2; cfg.Pace = pace.New(pace.Config{}) })
		got, err := c.Send(WithStop(context.Background(), stop), testPatient())
		if err != nil || got.Attempts != 2 {
			t.Errorf("got %+v, %v; want the request in flight retried and answered", got, err)
		}
	})
}
