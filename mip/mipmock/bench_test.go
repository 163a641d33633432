package mipmock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkServer posts valid patients, each with its own guid and polis,
// from parallel clients over loopback, and reports requests per second.
//
//	go test -run=^$ -bench=Server -benchtime=3s ./mip/mipmock/
func BenchmarkServer(b *testing.B) {
	s, ts := start(b, Config{})
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
	}}
	defer client.CloseIdleConnections()
	url := ts.URL + "/patients"
	var seq atomic.Int64

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			body := fmt.Appendf(nil, `{"guid":%q,"family":"Иванова","name":"Мария","patronymic":"Петровна",`+
				`"birthday":"1990-01-01","polis":{"type":{"code":"3"},"number":"%016d"},"mcod":"777777",`+
				`"phone":"89990000000","gender":2}`, uuid.NewString(), n)
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth(testUser, testPass)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if st := s.Stats(); st.Created != int64(st.Cards) || st.Uploaded != st.Requests {
		b.Errorf("stats %+v", st)
	}
}

// BenchmarkSleepLateness keeps 64 sleepers of 20 ms each going, as mipmock
// --latency 20ms does under a 64-connection load, and reports by how much
// a sleep overshoots on average (late-us) with what times it: Linux's
// timerfd (alarm, what mipmock uses there) or Go's timers (timer, used
// elsewhere), both without the sleeper's running correction.
//
//	go test -run=^$ -bench=SleepLateness -benchtime=2000x ./mip/mipmock/
func BenchmarkSleepLateness(b *testing.B) {
	const d = 20 * time.Millisecond
	for _, w := range []struct {
		name string
		wait func(context.Context, time.Duration) bool
	}{{"alarm", wait}, {"timer", waitTimer}} {
		b.Run(w.name, func(b *testing.B) {
			var late atomic.Int64
			b.SetParallelism(32) // 64 sleepers on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				// Requests arrive spread out, not all at the same instant.
				time.Sleep(rand.N(d))
				for pb.Next() {
					began := time.Now()
					w.wait(context.Background(), d)
					late.Add(int64(time.Since(began) - d))
				}
			})
			b.ReportMetric(float64(late.Load())/float64(b.N)/1e3, "late-us")
		})
	}
}
