//go:build unix

package state

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"mipimport/importer"
	"mipimport/mip"
	"mipimport/mip/mipmock"
)

// genSource yields n valid patients without reading a file.
type genSource struct{ i, n int }

func (g *genSource) Next(context.Context) (importer.Item, error) {
	if g.i >= g.n {
		return importer.Item{}, io.EOF
	}
	g.i++
	p := &mip.Patient{
		Family: "Тестов", Name: "Тест", Patronymic: "Тестович",
		Birthday: mip.Date{Year: 1980, Month: 1, Day: 1 + g.i%28},
		// Keys in no order, as in a clerk's list sorted by name (an odd
		// multiplier not divisible by 5 keeps them unique mod 10^14).
		Polis: &mip.Polis{Type: &mip.CodeName{Code: "3"}, Number: fmt.Sprintf("77%014d", uint64(g.i)*2654435761%1e14)},
		Mcod:  mcod, Phone: "+79123456789",
	}
	return importer.Item{Row: g.i + 1, Key: p.Polis.Number, Patient: p}, nil
}

type nullSink struct{}

func (nullSink) Write(importer.Result) error { return nil }

// BenchmarkImportOverhead runs the importer against an in-process mipmock
// with zero latency (the worst case for the state's share), without a
// state, with a new state (every row sent and recorded), with a state that
// knows only other keys (every lookup made and missed), and again on the
// same state (every row unchanged, nothing sent), and reports rows/s.
//
//	go test -run='^$' -bench=ImportOverhead -benchtime=3x ./importer/state/
func BenchmarkImportOverhead(b *testing.B) {
	const rows, conc = 20000, 8
	mock := mipmock.New(mipmock.Config{User: "u", Password: "p"})
	srv := httptest.NewServer(mock)
	defer srv.Close()
	client, err := mip.NewClient(mip.Config{BaseURL: srv.URL, User: "u", Password: "p", Concurrency: conc, Retries: 2})
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, st importer.State, want importer.Outcome) importer.Summary {
		sum, err := importer.Import(context.Background(), importer.Config{Concurrency: conc, State: st}, &genSource{n: rows}, client, nullSink{})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Counts[want] != rows {
			b.Fatalf("counts %v, want %d %s", sum.Counts, rows, want)
		}
		return sum
	}
	for _, mode := range []string{"off", "new", "new-among-others", "rerun"} {
		b.Run("state="+mode, func(b *testing.B) {
			var n int
			var cpu time.Duration
			for b.Loop() {
				var st *Session
				if mode != "off" {
					b.StopTimer()
					path := tempPath(b)
					s := open(b, path)
					if mode == "new-among-others" {
						// The state knows as many keys of another clinic:
						// every lookup is made, and misses.
						r := begin(b, s, srv.URL)
						for i := range rows {
							res, h := realistic(i)
							if err := r.Save(res, "770099", h); err != nil {
								b.Fatal(err)
							}
						}
						finish(b, r)
					}
					if mode == "rerun" {
						r := begin(b, s, srv.URL)
						if err := r.Finish(run(b, r, importer.Uploaded)); err != nil {
							b.Fatal(err)
						}
					}
					// Reopened, so the setup's WAL is not checkpointed
					// in the measured run.
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					st = begin(b, open(b, path), srv.URL)
					b.StartTimer()
				}
				runtime.GC()
				want := importer.Uploaded
				if mode == "rerun" {
					want = importer.Unchanged
				}
				before := cpuTime(b)
				if st == nil {
					run(b, nil, want)
				} else if err := st.Finish(run(b, st, want)); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime(b) - before
				n += rows
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
			// CPU time (client, server and state together) is steadier
			// than wall time on a shared machine.
			b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/row")
		})
	}
}
