package mipmock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"mipimport/mip"
)

// uniquePatient is a valid patient with its own guid and identifiers.
func uniquePatient(i int) map[string]any {
	p := patient()
	p["guid"] = uuid.NewString()
	p["polis"] = map[string]any{"type": map[string]any{"code": "3"}, "number": fmt.Sprintf("50700000%08d", i)}
	delete(p, "snils")
	delete(p, "identityDocument")
	return p
}

func TestFault503(t *testing.T) {
	s, ts := start(t, Config{Rate5xx: 1})
	resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", patient(), testUser, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HTTP %d, want 503", resp.StatusCode)
	}
	if st := s.Stats(); st.Injected5xx != 1 || st.Cards != 0 || st.Created != 0 || st.Requests != 1 {
		t.Errorf("stats %+v: a 503 must store nothing", st)
	}
}

func TestFault429(t *testing.T) {
	for _, tc := range []struct {
		retryAfter time.Duration
		want       string
	}{
		{0, "1"},
		{2 * time.Second, "2"},
		{1500 * time.Millisecond, "2"},
	} {
		s, ts := start(t, Config{Rate429: 1, RetryAfter: tc.retryAfter})
		resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", patient(), testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != tc.want {
			t.Errorf("RetryAfter %v: HTTP %d Retry-After %q, want 429 %q",
				tc.retryAfter, resp.StatusCode, resp.Header.Get("Retry-After"), tc.want)
		}
		if st := s.Stats(); st.Injected429 != 1 || st.Cards != 0 {
			t.Errorf("stats %+v: a 429 must store nothing", st)
		}
	}
}

func TestFaultDropStoresTheCard(t *testing.T) {
	s, ts := start(t, Config{RateDrop: 1})
	p := patient()
	guid := uuid.NewString()
	p["guid"] = guid
	resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", p, testUser, testPass)
	if err == nil {
		t.Fatalf("got HTTP %d, want a transport error", resp.StatusCode)
	}
	cards := s.Cards()
	if len(cards) != 1 || cards[0].GUID != guid {
		t.Fatalf("cards %+v: the dropped request's card must be stored", cards)
	}
	if st := s.Stats(); st.InjectedDrops != 1 || st.Uploaded != 1 || st.Created != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFaultRatesHalf sends 200 sequential requests with each fault at 0.5.
func TestFaultRatesHalf(t *testing.T) {
	const n = 200
	for _, tc := range []struct {
		name    string
		cfg     Config
		faulted func(resp *http.Response, err error) bool
		counted func(Stats) int64
		stored  func(faulted int) int // cards expected
	}{
		{"5xx", Config{Rate5xx: 0.5, Seed: 42},
			func(r *http.Response, err error) bool {
				return err == nil && r.StatusCode == http.StatusServiceUnavailable
			},
			func(s Stats) int64 { return s.Injected5xx },
			func(f int) int { return n - f }},
		{"429", Config{Rate429: 0.5, Seed: 42},
			func(r *http.Response, err error) bool {
				return err == nil && r.StatusCode == http.StatusTooManyRequests
			},
			func(s Stats) int64 { return s.Injected429 },
			func(f int) int { return n - f }},
		{"drop", Config{RateDrop: 0.5, Seed: 42},
			func(r *http.Response, err error) bool { return err != nil },
			func(s Stats) int64 { return s.InjectedDrops },
			func(int) int { return n }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := start(t, tc.cfg)
			faulted := 0
			for i := range n {
				resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", uniquePatient(i), testUser, testPass)
				switch {
				case tc.faulted(resp, err):
					faulted++
				case err != nil:
					t.Fatalf("request %d: %v", i, err)
				case resp.StatusCode != http.StatusOK:
					t.Fatalf("request %d: HTTP %d", i, resp.StatusCode)
				}
			}
			if faulted < n*35/100 || faulted > n*65/100 {
				t.Errorf("%d of %d faulted, want about half", faulted, n)
			}
			st := s.Stats()
			if tc.counted(st) != int64(faulted) || st.Cards != tc.stored(faulted) || st.Requests != n {
				t.Errorf("%d faulted; stats %+v", faulted, st)
			}
		})
	}
}

func TestFaultsReproducibleWithSeed(t *testing.T) {
	run := func() []int {
		_, ts := start(t, Config{Rate5xx: 0.3, Rate429: 0.3, Seed: 7})
		var codes []int
		for i := range 40 {
			resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", uniquePatient(i), testUser, testPass)
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, resp.StatusCode)
		}
		return codes
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
}

func TestLatencyIsApplied(t *testing.T) {
	const latency, jitter = 100 * time.Millisecond, 50 * time.Millisecond
	s, ts := start(t, Config{Latency: latency, Jitter: jitter})
	for range 3 {
		began := time.Now()
		post(t, ts, patient())
		if el := time.Since(began); el < latency || el > latency+jitter+2*time.Second {
			t.Errorf("request took %v, want %v..%v (+ slack)", el, latency, latency+jitter)
		}
	}
	// The stats say how true the latency was: three delays, each ended
	// within the slack allowed above.
	st := s.Stats()
	if st.Delayed != 3 || st.MeanLateMicros < -float64(maxLateness/1e3) || st.MeanLateMicros > 2e6 {
		t.Errorf("delayed %d, mean late %.0f µs; want 3 and within -2 ms..2 s", st.Delayed, st.MeanLateMicros)
	}
	s.Reset()
	if st := s.Stats(); st.Delayed != 0 || st.MeanLateMicros != 0 {
		t.Errorf("after a reset: delayed %d, mean late %.0f µs", st.Delayed, st.MeanLateMicros)
	}
}

// Without a latency nothing is delayed, and the stats say so.
func TestNoLatencyNoDelay(t *testing.T) {
	s, ts := start(t, Config{})
	post(t, ts, patient())
	if st := s.Stats(); st.Delayed != 0 || st.MeanLateMicros != 0 {
		t.Errorf("delayed %d, mean late %.0f µs; want none", st.Delayed, st.MeanLateMicros)
	}
}

func TestLatencyEndsWhenTheClientGoesAway(t *testing.T) {
	s, ts := start(t, Config{Latency: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/patients", nil)
	req.SetBasicAuth(testUser, testPass)
	if _, err := ts.Client().Do(req); err == nil {
		t.Fatal("want a timeout")
	}
	deadline := time.Now().Add(3 * time.Second)
	for s.Stats().InFlight != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the handler kept sleeping after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.Stats(); st.Cards != 0 || st.Uploaded+st.NotValid+st.BadRequests != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrentRequests(t *testing.T) {
	const workers, each = 50, 20
	s, ts := start(t, Config{Latency: 2 * time.Millisecond, Jitter: 2 * time.Millisecond})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()

	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				resp, body, err := send(t, client, http.MethodPost, ts.URL+"/patients", uniquePatient(n), testUser, testPass)
				switch {
				case err != nil:
					errs <- err
				case resp.StatusCode != http.StatusOK:
					errs <- fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
				}
				if i == each/2 {
					s.Stats() // read the store while requests run
					if w%10 == 0 {
						s.Cards()
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := s.Stats()
	const total = workers * each
	if st.Requests != total || st.Created != total || st.Uploaded != total || st.Cards != total ||
		st.Persons != total || st.DuplicatePersons != 0 || st.InFlight != 0 || st.SameGUIDOverlaps != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.MaxInFlight <= 1 || st.MaxInFlight > workers {
		t.Errorf("MaxInFlight %d, want 2..%d", st.MaxInFlight, workers)
	}
}

func TestSameGUIDOverlapDetected(t *testing.T) {
	s, ts := start(t, Config{Latency: 500 * time.Millisecond})
	p := patient()
	p["guid"] = uuid.NewString()
	var wg sync.WaitGroup
	answers := make([]wireAnswer, 2)
	errs := make([]error, 3)
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = tryPost(t, ts, p) })
		time.Sleep(50 * time.Millisecond) // the first is surely in flight
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.SameGUIDOverlaps != 1 {
		t.Errorf("SameGUIDOverlaps %d, want 1", st.SameGUIDOverlaps)
	}
	if st.Created != 1 || st.Updated != 1 || answers[0].MkabGuid != answers[1].MkabGuid {
		t.Errorf("stats %+v answers %+v", st, answers)
	}
	// One after the other is no overlap; neither is another guid at once.
	post(t, ts, p)
	q := other()
	q["guid"] = uuid.NewString()
	wg.Go(func() { _, errs[2] = tryPost(t, ts, q) })
	post(t, ts, p)
	wg.Wait()
	if errs[2] != nil {
		t.Fatal(errs[2])
	}
	if got := s.Stats().SameGUIDOverlaps; got != 1 {
		t.Errorf("SameGUIDOverlaps %d after sequential requests, want 1", got)
	}
	wantStatus(t, answers[1], mip.MkabUploaded, mip.AttachmentNone)
}

// waitTimer (what mipmock sleeps with where there is no timerfd) waits the
// whole duration, or stops when the context ends.
func TestWaitTimer(t *testing.T) {
	began := time.Now()
	if !waitTimer(context.Background(), 5*time.Millisecond) {
		t.Fatal("a plain 5 ms wait did not complete")
	}
	if el := time.Since(began); el < 5*time.Millisecond {
		t.Errorf("5 ms wait ended after %v", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if waitTimer(ctx, time.Hour) {
		t.Error("a wait past its context's deadline reported a full sleep")
	}
}
