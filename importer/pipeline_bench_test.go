//go:build unix

package importer_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"mipimport/importer"
	"mipimport/mapping"
	"mipimport/mip"
	"mipimport/mip/mipmock"
	"mipimport/report"
)

// BenchmarkPipeline runs what `mipimport import` runs, wired the same way:
// the mapping's source over a real big file, the importer, the real client
// against an in-process mipmock at zero latency (or a dry run), and the
// three result files. To see where the CPU goes:
//
//	make samples-big ROWS=100000
//	go test -run='^$' -bench=Pipeline/send -benchtime=1x -cpuprofile=cpu.prof ./importer/
//	go tool pprof -top importer.test cpu.prof
//
// The input is $MIPIMPORT_BENCH_FILE, default samples/big/patients-100000.xlsx;
// the benchmark is skipped when the file is missing. With
// $MIPIMPORT_BENCH_URL (and MIP_USER, MIP_PASSWORD) it sends to a mipmock
// started apart, so that the profile holds the importer's side only:
//
//	bin/mipmock --listen 127.0.0.1:0 --addr-file /tmp/addr &
//	MIPIMPORT_BENCH_URL=http://$(cat /tmp/addr) MIP_USER=demo MIP_PASSWORD=demo \
//	  go test -run='^$' -bench=Pipeline/send -benchtime=1x -cpuprofile=cpu.prof ./importer/
func BenchmarkPipeline(b *testing.B) {
	in := os.Getenv("MIPIMPORT_BENCH_FILE")
	if in == "" {
		in = "../samples/big/patients-100000.xlsx"
	}
	if _, err := os.Stat(in); err != nil {
		b.Skipf("%s: %v (make samples-big ROWS=100000)", in, err)
	}
	m, err := mapping.Load("../samples/mapping.yaml")
	if err != nil {
		b.Fatal(err)
	}
	conc := 64
	for _, mode := range []string{"dry", "send", "send-state"} {
		b.Run(mode, func(b *testing.B) {
			var snd importer.Sender
			var st importer.State
			if mode != "dry" {
				url, user, pass := os.Getenv("MIPIMPORT_BENCH_URL"), os.Getenv("MIP_USER"), os.Getenv("MIP_PASSWORD")
				if url == "" {
					user, pass = "u", "p"
					srv := httptest.NewServer(mipmock.New(mipmock.Config{User: user, Password: pass}))
					defer srv.Close()
					url = srv.URL
				}
				client, err := mip.NewClient(mip.Config{BaseURL: url, User: user, Password: pass, Concurrency: conc, Retries: 2})
				if err != nil {
					b.Fatal(err)
				}
				snd = client
			}
			if mode == "send-state" {
				st = missState{}
			}
			rows := 0
			cpu0 := cpuTime(b)
			for b.Loop() {
				dir := b.TempDir()
				src, err := mapping.OpenSource(in, m, mapping.SourceOptions{})
				if err != nil {
					b.Fatal(err)
				}
				meta := report.Meta{Input: in, Sheet: src.Table.Sheet(), Concurrency: conc, DryRun: mode == "dry"}
				x, err := report.NewXLSX(filepath.Join(dir, "r.xlsx"), src.Header.Titles, meta)
				if err != nil {
					b.Fatal(err)
				}
				fix, err := report.NewFixFile(filepath.Join(dir, "f.xlsx"), src.Header.Titles)
				if err != nil {
					b.Fatal(err)
				}
				j, err := report.NewJSONL(filepath.Join(dir, "r.jsonl"))
				if err != nil {
					b.Fatal(err)
				}
				cfg := importer.Config{Concurrency: conc, DryRun: mode == "dry", State: st}
				sum, err := importer.Import(context.Background(), cfg, itemSource{src}, snd, x, fixSink{fix, mode == "dry"}, j)
				if err != nil {
					b.Fatal(err)
				}
				if err := x.Close(sum); err != nil {
					b.Fatal(err)
				}
				if _, err := fix.Close(); err != nil && !errors.Is(err, report.ErrFixFileFull) {
					b.Fatal(err)
				}
				if err := j.Close(); err != nil {
					b.Fatal(err)
				}
				src.Close()
				want := importer.Uploaded
				if mode == "dry" {
					want = importer.NotSent
				}
				if sum.Counts[want] != sum.Rows || sum.Rows == 0 {
					b.Fatalf("counts %v of %d rows", sum.Counts, sum.Rows)
				}
				rows += sum.Rows
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			// CPU time per row is steadier than rows/s on a shared
			// machine; with MIPIMPORT_BENCH_URL it is the importer's alone.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(rows), "cpu-µs/row")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
		})
	}
}

// itemSource adapts the mapping's records, as cmd/mipimport does.
type itemSource struct{ src *mapping.Source }

func (s itemSource) Next(context.Context) (importer.Item, error) {
	rec, err := s.src.Next()
	if err != nil {
		return importer.Item{}, err
	}
	return importer.Item{Row: rec.Line, Key: rec.Key, Patient: rec.Patient, Invalid: rec.Invalid, Messages: rec.Messages, Cells: rec.Cells}, nil
}

// fixSink skips the rows a dry run would have sent, as cmd/mipimport does.
type fixSink struct {
	fix    *report.FixFile
	dryRun bool
}

func (f fixSink) Write(r importer.Result) error {
	if f.dryRun && r.Outcome == importer.NotSent {
		return nil
	}
	return f.fix.Write(r)
}

// missState knows no key and records nothing: the importer still hashes
// every payload, as it does with a real state, without SQLite's own cost.
type missState struct{}

func (missState) Known(string, string) (importer.Known, error) { return importer.Known{}, nil }
func (missState) Save(importer.Result, string, string) error   { return nil }
func (missState) Fingerprint(importer.Identity) importer.Fingerprint {
	return importer.Fingerprint{}
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
