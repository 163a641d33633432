package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"mipimport/mapping"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		done, failed, total int64
		rate                float64
		want                string
	}{
		{0, 0, 0, 0, "строк: 0"},
		{1234, 0, 0, 0, "строк: 1 234"},
		{1234, 3, 0, 420.4, "строк: 1 234 · не загружено: 3 · 420 строк/с"},
		{150, 0, 30000, 2.5, "[----------]   0%  строк: 150 из 30 000 · осталось 3 ч 19 мин · 2,5 строк/с"},
		{15000, 1200, 30000, 250, "[#####-----]  50%  строк: 15 000 из 30 000 · не загружено: 1 200 · осталось 1 мин · 250 строк/с"},
		{29990, 0, 30000, 250, "[#########-]  99%  строк: 29 990 из 30 000 · осталось несколько секунд · 250 строк/с"},
		{30000, 0, 30000, 250, "[##########] 100%  строк: 30 000 из 30 000 · 250 строк/с"},
		{1200000, 0, 1048576, 1000, "строк: 1 200 000 · 1 000 строк/с"}, // a count gone wrong shows no bar
		{10, 0, 100, 0.2, "[#---------]  10%  строк: 10 из 100 · осталось 7 мин 30 с · 0,2 строк/с"},
		{10, 0, 100, 0, "[#---------]  10%  строк: 10 из 100"},
	}
	for _, tt := range tests {
		got := progressLine(tt.done, tt.failed, tt.total, tt.rate)
		if got != tt.want {
			t.Errorf("progressLine(%d, %d, %d, %v)\n= %q\nwant %q", tt.done, tt.failed, tt.total, tt.rate, got, tt.want)
		}
		for _, bad := range []string{"/s", "/hr", "/min", "it"} {
			if strings.Contains(got, bad) {
				t.Errorf("%q holds %q", got, bad)
			}
		}
	}
}

func TestRateMeter(t *testing.T) {
	var m rateMeter
	t0 := time.Unix(1000, 0)
	if r := m.add(t0, 0); r != 0 {
		t.Fatalf("first sample: rate %v", r)
	}
	// 100 rows per second for 20 s, then a stall: the rate falls to 0
	// within the window (rateWindow draws).
	var r float64
	i := 1
	for ; i <= 80; i++ {
		r = m.add(t0.Add(time.Duration(i)*drawEvery), int64(i*25))
	}
	if r < 99 || r > 101 {
		t.Fatalf("steady rate %v, want 100", r)
	}
	for j := 0; j < rateWindow; j++ {
		r = m.add(t0.Add(time.Duration(i+j)*drawEvery), 80*25)
	}
	if r != 0 {
		t.Fatalf("rate %v after a stall of a whole window, want 0", r)
	}
}

// A log line written while the progress line is shown wipes it first and
// draws it again below: the log line is never drawn over.
func TestConsoleLogAroundProgress(t *testing.T) {
	var out bytes.Buffer
	c := &console{w: &out, terminal: true, cols: func() int { return 40 }}
	log := zap.New(newTestCore(c))
	c.show("строк: 10 · 5 строк/с")
	log.Warn("row not imported")
	c.show("строк: 11")
	c.show(strings.Repeat("я", 60))
	c.clear()
	want := "\rстрок: 10 · 5 строк/с" +
		"\r" + strings.Repeat(" ", 21) + "\r" + "WARN\trow not imported\n" + "\rстрок: 10 · 5 строк/с" +
		"\rстрок: 11" + strings.Repeat(" ", 12) +
		"\r" + strings.Repeat("я", 38) + "…" +
		"\r" + strings.Repeat(" ", 39) + "\r"
	if got := out.String(); got != want {
		t.Errorf("console wrote\n%q\nwant\n%q", got, want)
	}
	// Not a terminal: no progress line, writes pass through.
	out.Reset()
	c = &console{w: &out, cols: func() int { return 0 }}
	c.Write([]byte("line\n"))
	if out.String() != "line\n" {
		t.Errorf("pass-through wrote %q", out.String())
	}
}

func TestRuDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "0 с",
		45 * time.Second:                "45 с",
		3*time.Minute + 20*time.Second:  "3 мин 20 с",
		5 * time.Minute:                 "5 мин",
		time.Hour + 5*time.Minute + 9e9: "1 ч 05 мин",
		26 * time.Hour:                  "26 ч",
		1500 * time.Millisecond:         "2 с",
	} {
		if got := ruDuration(d); got != want {
			t.Errorf("ruDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// A run's files are named by its start time, by the second when the
// minute is taken, then numbered; a name is never reused.
func TestRunNames(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 7, 21, 30, 15, 0, time.Local)
	report, fix := filepath.Join(dir, "пациенты.result.xlsx"), filepath.Join(dir, "пациенты.to-fix.xlsx")
	want := [][2]string{
		{"пациенты.result-2026-12-07T2130.xlsx", "пациенты.to-fix-2026-12-07T2130.xlsx"},
		{"пациенты.result-2026-12-07T213015.xlsx", "пациенты.to-fix-2026-12-07T213015.xlsx"},
		{"пациенты.result-2026-12-07T213015-2.xlsx", "пациенты.to-fix-2026-12-07T213015-2.xlsx"},
		{"пациенты.result-2026-12-07T213015-3.xlsx", "пациенты.to-fix-2026-12-07T213015-3.xlsx"},
	}
	for i, w := range want {
		r, f := runNames(start, report, fix)
		if filepath.Base(r) != w[0] || filepath.Base(f) != w[1] || filepath.Dir(r) != dir {
			t.Fatalf("run %d: %s, %s; want %s, %s", i, r, f, w[0], w[1])
		}
		// Taking either name takes the pair.
		p := r
		if i%2 == 1 {
			p = f
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// newTestCore logs «LEVEL\tmessage» lines to w, as the console encoder
// does without the time.
func newTestCore(w *console) zapcore.Core {
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey, enc.CallerKey = "", ""
	enc.EncodeLevel = zapcore.CapitalLevelEncoder
	return zapcore.NewCore(zapcore.NewConsoleEncoder(enc), w, zapcore.DebugLevel)
}

// The rows counted for the time left are the rows the import reads.
func TestCountRows(t *testing.T) {
	m, err := mapping.Load("../../samples/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, input := range []string{"../../samples/patients.xlsx", "../../samples/patients.csv"} {
		src, err := mapping.OpenSource(input, m, mapping.SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var read int64
		for {
			if _, err := src.Next(); err != nil {
				break
			}
			read++
		}
		n, ok := countRows(context.Background(), input, m, src)
		src.Close()
		if !ok || n != read || n != 33 {
			t.Errorf("%s: counted %d (%v), the import reads %d", input, n, ok, read)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, ok := countRows(ctx, input, m, src); ok {
			t.Errorf("%s: a cancelled count finished", input)
		}
	}
}

func TestRuElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{
		29 * time.Millisecond:               "0,03 с",
		940 * time.Millisecond:              "0,94 с",
		12500 * time.Millisecond:            "12,5 с",
		3*time.Minute + 20*time.Second:      "3 мин 20 с",
		2*time.Hour + 3*time.Minute + 4*1e9: "2 ч 03 мин",
	} {
		if got := ruElapsed(d); got != want {
			t.Errorf("ruElapsed(%v) = %q, want %q", d, got, want)
		}
	}
}
