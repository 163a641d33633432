package pace_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mipimport/mip/mipmock"
	"mipimport/mip/pace"
)

// BenchmarkLoopback sends PACE_ROWS patients (default 6000) to an
// in-process mipmock with each load profile of issue 20, at fixed
// concurrencies and with the limiter, over real HTTP on loopback: the
// control law on a real clock, before it is wired into the tool (whose own
// figures come from samples/load/pace.sh). A refused request is sent again
// after its Retry-After, else after a random 0-100 ms, as the client does.
//
//	go test -run '^$' -bench Loopback -benchtime 1x ./mip/pace/
func BenchmarkLoopback(b *testing.B) {
	rows := 6000
	if v, err := strconv.Atoi(os.Getenv("PACE_ROWS")); err == nil && v > 0 {
		rows = v
	}
	const latency = 20 * time.Millisecond
	for _, p := range []struct {
		name string
		cfg  mipmock.Config
	}{
		{"capacity12", mipmock.Config{Latency: latency, Capacity: 12}},
		{"room64", mipmock.Config{Latency: latency, Capacity: 64}},
		{"rate500", mipmock.Config{Latency: latency, RateLimit: 500}},
		{"queue16", mipmock.Config{Latency: latency, LatencyKnee: 16, LatencyPerRequest: latency / 16}},
	} {
		for _, conc := range []int{8, 16, 32, 64, 0} {
			name := fmt.Sprintf("%s/c%d", p.name, conc)
			if conc == 0 {
				name = p.name + "/auto"
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					cfg := p.cfg
					cfg.User, cfg.Password = "u", "p"
					mock := mipmock.New(cfg)
					srv := httptest.NewServer(mock)
					r := sendAll(b, srv.URL+"/patients", rows, conc)
					srv.Close()
					st := mock.Stats()
					refused := st.Refused503 + st.Refused429
					b.ReportMetric(float64(rows)/r.elapsed.Seconds(), "rows/s")
					b.ReportMetric(100*float64(refused)/float64(st.Requests), "%refused")
					if conc == 0 {
						b.ReportMetric(float64(r.stats.Limit), "limit")
						b.ReportMetric(float64(r.stats.Pauses), "pauses")
					}
				}
			})
		}
	}
}

type sent struct {
	elapsed time.Duration
	stats   pace.Stats
}

// sendAll sends rows patients with conc workers, or with the limiter and
// 64 workers when conc is 0.
func sendAll(b *testing.B, url string, rows, conc int) sent {
	var lim *pace.Limiter
	workers := conc
	if conc == 0 {
		lim = pace.New(pace.Config{Max: 64})
		workers = 64
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for i := next.Add(1); i <= int64(rows); i = next.Add(1) {
				body := patientJSON(i)
				for {
					var tok *pace.Token
					if lim != nil {
						var err error
						if tok, err = lim.Acquire(context.Background()); err != nil {
							b.Error(err)
							return
						}
					}
					t0 := time.Now()
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.SetBasicAuth("u", "p")
					resp, err := client.Do(req)
					if err != nil {
						tok.Done(pace.Outcome{Kind: pace.Dropped})
						time.Sleep(time.Duration(rng.Int64N(int64(100 * time.Millisecond))))
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					rtt := time.Since(t0)
					if resp.StatusCode == http.StatusOK {
						tok.Done(pace.Outcome{Kind: pace.OK, Latency: rtt})
						break
					}
					if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusTooManyRequests {
						tok.Done(pace.Outcome{Kind: pace.Other})
						b.Errorf("HTTP %d", resp.StatusCode)
						return
					}
					wait := time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
					var ra time.Duration
					if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
						ra = time.Duration(s) * time.Second
						wait = ra
					}
					tok.Done(pace.Outcome{Kind: pace.Overload, RetryAfter: ra})
					time.Sleep(wait)
				}
			}
		})
	}
	wg.Wait()
	r := sent{elapsed: time.Since(began)}
	if lim != nil {
		r.stats = lim.Stats()
	}
	return r
}

// patientJSON is a valid patient with its own polis number.
func patientJSON(i int64) []byte {
	return fmt.Appendf(nil, `{"family":"Иванова","name":"Мария","patronymic":"Петровна","birthday":"1990-01-01",`+
		`"polis":{"type":{"code":"3"},"number":"50%014d"},"mcod":"777777","phone":"89990000000","gender":2}`, i)
}
