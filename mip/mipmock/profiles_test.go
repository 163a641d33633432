package mipmock

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The load model decides from the time it is given: exact, no sleeping.
func TestLoadCapacity(t *testing.T) {
	l := newLoad(Config{Capacity: 2})
	now := testNow
	a, b := l.arrive(now), l.arrive(now)
	if !a.admitted || !b.admitted {
		t.Fatalf("first two: %+v %+v, want both admitted", a, b)
	}
	if v := l.arrive(now); v.refuse != http.StatusServiceUnavailable || v.admitted || v.retryAfter != 0 {
		t.Fatalf("third: %+v, want 503 without Retry-After", v)
	}
	l.leave()
	if v := l.arrive(now); !v.admitted {
		t.Fatalf("after one left: %+v, want admitted", v)
	}
}

func TestLoadRate(t *testing.T) {
	l := newLoad(Config{RateLimit: 10, RateBurst: 3})
	now := testNow
	for i := range 3 {
		if v := l.arrive(now); !v.admitted {
			t.Fatalf("request %d of the burst: %+v", i+1, v)
		}
		l.leave()
	}
	v := l.arrive(now)
	if v.refuse != http.StatusTooManyRequests || v.retryAfter != 100*time.Millisecond {
		t.Fatalf("fourth at once: %+v, want 429 with the 100ms until the next token", v)
	}
	// A refused request takes no token: 100 ms later there is one.
	if v := l.arrive(now.Add(100 * time.Millisecond)); !v.admitted {
		t.Fatalf("100ms later: %+v, want admitted", v)
	}
	if v := l.arrive(now.Add(100 * time.Millisecond)); v.refuse != http.StatusTooManyRequests {
		t.Fatalf("again at once: %+v, want 429", v)
	}
	// A request refused for capacity takes no token either.
	c := newLoad(Config{Capacity: 1, RateLimit: 1, RateBurst: 2})
	c.arrive(now)
	if v := c.arrive(now); v.refuse != http.StatusServiceUnavailable {
		t.Fatalf("over capacity: %+v", v)
	}
	c.leave()
	if v := c.arrive(now); !v.admitted {
		t.Fatalf("second token: %+v, want admitted (the 503 took none)", v)
	}
}

func TestLoadRateDefaultBurst(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want int
	}{{500, 500}, {2.5, 3}, {0.2, 1}} {
		if got := newLoad(Config{RateLimit: tc.rate}).burst; got != tc.want {
			t.Errorf("RateLimit %v: burst %d, want %d (a second's worth)", tc.rate, got, tc.want)
		}
	}
	if l := newLoad(Config{RateBurst: 5}); l.bucket.Load() != nil {
		t.Error("a bucket without a RateLimit")
	}
}

func TestLoadLatency(t *testing.T) {
	l := newLoad(Config{LatencyPerRequest: 10 * time.Millisecond, LatencyKnee: 2})
	var got []time.Duration
	for range 4 {
		got = append(got, l.arrive(testNow).extra)
	}
	want := []time.Duration{0, 0, 10 * time.Millisecond, 20 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("extra latency %v, want %v", got, want)
		}
	}
	l.leave()
	l.leave()
	if e := l.arrive(testNow).extra; e != 10*time.Millisecond {
		t.Errorf("with 3 served: extra %v, want 10ms", e)
	}
	if e := newLoad(Config{LatencyPerRequest: 5 * time.Millisecond}).arrive(testNow).extra; e != 5*time.Millisecond {
		t.Errorf("knee 0, one request: extra %v, want 5ms", e)
	}
}

// Over HTTP: two requests sleep their latency, a third is refused 503 at
// once, nothing of it is stored, and Stats counts it.
func TestCapacityOverHTTP(t *testing.T) {
	s, ts := start(t, Config{Capacity: 2, Latency: 1500 * time.Millisecond})
	done := make(chan error, 2)
	for i := range 2 {
		go func() {
			_, err := tryPost(t, ts, uniquePatient(i))
			done <- err
		}()
	}
	waitUntil(t, func() bool { return s.Stats().InFlight == 2 })
	resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", uniquePatient(2), testUser, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "" {
		t.Fatalf("HTTP %d Retry-After %q, want 503 without", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	select {
	case <-done:
		t.Fatal("the 503 came after a request being served: it must come at once")
	default:
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Refused503 != 1 || st.Requests != 3 || st.Cards != 2 || st.Injected5xx != 0 {
		t.Errorf("stats %+v, want 1 refused, 3 requests, 2 cards", st)
	}
	post(t, ts, uniquePatient(3)) // room again
	s.Reset()
	if st := s.Stats(); st.Refused503 != 0 {
		t.Errorf("Refused503 %d after a reset", st.Refused503)
	}
}

// Over HTTP: beyond the burst a request is refused 429 with Retry-After;
// a reset fills the bucket again.
func TestRateLimitOverHTTP(t *testing.T) {
	// One token every 4 s: the third request comes well before the next.
	s, ts := start(t, Config{RateLimit: 0.25, RateBurst: 2})
	post(t, ts, uniquePatient(0))
	post(t, ts, uniquePatient(1))
	resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", uniquePatient(2), testUser, testPass)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 4 {
		t.Fatalf("HTTP %d Retry-After %q, want 429 with 1..4 seconds", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	st := s.Stats()
	if st.Refused429 != 1 || st.Injected429 != 0 || st.Cards != 2 || st.Requests != 3 {
		t.Errorf("stats %+v, want 1 refused, 2 cards", st)
	}
	s.Reset()
	post(t, ts, uniquePatient(3))
	if st := s.Stats(); st.Refused429 != 0 || st.Cards != 1 {
		t.Errorf("after a reset: stats %+v", st)
	}
}

// Unauthorized requests are never refused for load, and take no token.
func TestLoadLimitsAfterAuth(t *testing.T) {
	s, ts := start(t, Config{RateLimit: 0.25, RateBurst: 1})
	for range 3 {
		resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", patient(), testUser, "wrong")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("HTTP %d, want 401", resp.StatusCode)
		}
	}
	post(t, ts, patient())
	if st := s.Stats(); st.Refused429 != 0 || st.Unauthorized != 3 {
		t.Errorf("stats %+v", st)
	}
}

// Over HTTP: the latency of one request alone includes one step.
func TestLoadLatencyOverHTTP(t *testing.T) {
	s, ts := start(t, Config{LatencyPerRequest: 100 * time.Millisecond})
	began := time.Now()
	post(t, ts, patient())
	if el := time.Since(began); el < 100*time.Millisecond {
		t.Errorf("request took %v, want at least 100ms", el)
	}
	if st := s.Stats(); st.Delayed != 1 {
		t.Errorf("Delayed %d, want 1", st.Delayed)
	}
}

// waitUntil polls until cond holds (requests reached a known state).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
