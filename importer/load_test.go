package importer

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"mipimport/mip"
	"mipimport/mip/mipmock"
)

// nullSink discards results.
type nullSink struct{}

func (nullSink) Write(Result) error { return nil }

// genSource yields n valid patients without reading a file, so the load
// benchmark measures the pool, the client and the server.
type genSource struct{ i, n int }

func (g *genSource) Next(context.Context) (Item, error) {
	if g.i >= g.n {
		return Item{}, io.EOF
	}
	g.i++
	p := &mip.Patient{
		Family: "Тестов", Name: "Тест", Patronymic: "Тестович",
		Birthday: mip.Date{Year: 1980, Month: 1, Day: 1 + g.i%28},
		Polis:    &mip.Polis{Type: &mip.CodeName{Code: "3"}, Number: fmt.Sprintf("77%014d", g.i)},
		Mcod:     "770001", Phone: "+79123456789",
	}
	return Item{Row: g.i + 1, Key: p.Polis.Number, Patient: p}, nil
}

// BenchmarkLoad runs the pool and the real client against mipmock with a
// fixed latency and reports rows/s and its ratio to the ideal C/L.
//
//	go test -run='^$' -bench=Load -benchtime=1x ./importer/
func BenchmarkLoad(b *testing.B) {
	for _, tc := range []struct {
		conc    int
		latency time.Duration
		rows    int
	}{
		{32, 20 * time.Millisecond, 8000},
		{64, 20 * time.Millisecond, 16000},
		{8, 0, 20000},
	} {
		b.Run(fmt.Sprintf("c%d-l%s", tc.conc, tc.latency), func(b *testing.B) {
			mock := mipmock.New(mipmock.Config{User: "u", Password: "p", Latency: tc.latency})
			srv := httptest.NewServer(mock)
			defer srv.Close()
			client, err := mip.NewClient(mip.Config{BaseURL: srv.URL, User: "u", Password: "p", Concurrency: tc.conc, Retries: 2})
			if err != nil {
				b.Fatal(err)
			}
			var rows int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sum, err := Import(context.Background(), Config{Concurrency: tc.conc}, &genSource{n: tc.rows}, client, nullSink{})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Counts[Uploaded] != tc.rows {
					b.Fatalf("counts %v", sum.Counts)
				}
				rows += tc.rows
			}
			b.StopTimer()
			rate := float64(rows) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "rows/s")
			if tc.latency > 0 {
				ideal := float64(tc.conc) / tc.latency.Seconds()
				b.ReportMetric(ideal, "ideal-rows/s")
				b.ReportMetric(rate/ideal, "ratio")
			}
			if st := mock.Stats(); st.MaxInFlight > int64(tc.conc) {
				b.Fatalf("max in flight %d > %d", st.MaxInFlight, tc.conc)
			}
		})
	}
}
