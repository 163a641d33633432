package mapping

import (
	"errors"
	"io"
	"runtime"
	"testing"
)

// The stages of BenchmarkSource* apart: reading the table alone, and
// mapping and validating rows already read. Each reports rows/s and
// allocations per row (make bench).
//
//	go test -run='^$' -bench='Stage' -benchtime=1x ./mapping/

func BenchmarkStageReadXLSX(b *testing.B) { benchRead(b, writeBenchXLSX(b, benchRows)) }
func BenchmarkStageReadCSV(b *testing.B)  { benchRead(b, writeBenchCSV(b, benchRows)) }

// BenchmarkStageMap maps and validates rows held in memory.
func BenchmarkStageMap(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	src := openBench(b, path)
	type row struct {
		line  int
		cells []string
	}
	var rows []row
	for {
		line, cells, err := src.Row()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, row{line, cells})
	}
	src.Close()
	if len(rows) != benchRows {
		b.Fatalf("%d rows", len(rows))
	}
	measure(b, len(rows), func() {
		for _, r := range rows {
			if rec := src.Mapper.Map(r.line, r.cells); rec.Invalid {
				b.Fatalf("row %d invalid: %q", rec.Line, rec.Messages)
			}
		}
	})
}

// benchRead reads every row of path past the header, without mapping.
func benchRead(b *testing.B, path string) {
	measure(b, benchRows, func() {
		src := openBench(b, path)
		defer src.Close()
		n := 0
		for {
			_, _, err := src.Row()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRows {
			b.Fatalf("%d rows, want %d", n, benchRows)
		}
	})
}

func openBench(b *testing.B, path string) *Source {
	b.Helper()
	m, err := Parse("bench.yaml", []byte(benchMapping))
	if err != nil {
		b.Fatal(err)
	}
	src, err := OpenSource(path, m, SourceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// measure runs one pass of rows rows b.N times and reports rows/s,
// allocations and bytes per row.
func measure(b *testing.B, rows int, pass func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		pass()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(rows * b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
}
