package mipmock

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

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
