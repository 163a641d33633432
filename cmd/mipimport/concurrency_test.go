package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/mip/mipmock"
)

func TestParseConcurrency(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want concurrency
		bad  bool
	}{
		{in: "auto", want: concurrency{auto: true, n: autoCap}},
		{in: " AUTO ", want: concurrency{auto: true, n: autoCap}},
		{in: "1", want: concurrency{n: 1}},
		{in: "200", want: concurrency{n: 200}},
		{in: "0", bad: true},
		{in: "-4", bad: true},
		{in: "", bad: true},
		{in: "8x", bad: true},
		{in: "авто", bad: true},
	} {
		got, err := parseConcurrency(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseConcurrency(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
		if err != nil && !strings.Contains(err.Error(), "--concurrency") {
			t.Errorf("error %q does not name the flag", err)
		}
	}
}

// By default the tool finds МИП's pace by itself: against a МИП that
// serves 6 requests at a time (503 beyond) every row is uploaded, few
// requests are refused, the limit's changes are logged at debug level
// without personal data, the JSON log has the limit at the end, and the
// summary sheet shows what the limit came to.
func TestAutoConcurrencyFindsTheCapacity(t *testing.T) {
	const rows, capacity = 600, 6
	file := filepath.Join(t.TempDir(), "patients.csv")
	gen := exec.Command("go", "run", "../../samples/gen", "-rows", strconv.Itoa(rows), "-format", "csv", "-o", file)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generating the file: %v\n%s", err, out)
	}
	mock, url := startMock(t, mipmock.Config{Latency: 10 * time.Millisecond, Capacity: capacity})
	r := run(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--retries", "20",
		"--log-format", "json", "--log-level", "debug", file)
	if r.code != 0 || len(r.lines) != rows {
		t.Fatalf("exit %d, %d result lines for %d rows\n%s", r.code, len(r.lines), rows, r.stderr)
	}
	st := mock.Stats()
	if st.Cards != rows || st.DuplicatePersons != 0 || st.SameGUIDOverlaps != 0 {
		t.Errorf("%d cards for %d rows, %d duplicate persons, %d same-GUID overlaps", st.Cards, rows, st.DuplicatePersons, st.SameGUIDOverlaps)
	}
	if st.Refused503 == 0 || st.Refused503*10 > st.Requests {
		t.Errorf("%d of %d requests refused: want some (the limit found the capacity) and at most 10%%", st.Refused503, st.Requests)
	}

	var changes, overloads int
	var final map[string]any
	sc := bufio.NewScanner(strings.NewReader(r.stderr))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch l["msg"] {
		case "concurrency limit changed":
			changes++
			if l["level"] != "debug" {
				t.Errorf("limit change logged at %v", l["level"])
			}
			if l["reason"] == "overload" {
				overloads++
			}
			for k := range l {
				switch k {
				case "level", "ts", "msg", "from", "to", "reason", "floorLatency", "latency", "pausedFor", "ceiling":
				default:
					t.Errorf("limit change logged with %q: %s", k, sc.Text())
				}
			}
		case "adaptive concurrency at the end":
			final = l
		}
	}
	if changes == 0 || overloads == 0 {
		t.Errorf("%d limit changes logged, %d for overload; want some of each", changes, overloads)
	}
	limit, _ := final["limit"].(float64)
	highest, _ := final["maxLimit"].(float64)
	if final == nil || limit < 1 || limit > 2*capacity || highest < limit {
		t.Fatalf("limit at the end logged as %v; want near the capacity %d", final, capacity)
	}

	f, err := excelize.OpenFile(r.report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, err := f.GetRows("Итоги")
	if err != nil {
		t.Fatal(err)
	}
	want := "авто (до 64), в конце " + strconv.Itoa(int(limit)) + ", наибольшее " + strconv.Itoa(int(highest))
	var got string
	for _, row := range sheet {
		if len(row) >= 2 && row[0] == "Параллельность" {
			got = row[1]
		}
	}
	if got != want {
		t.Errorf("summary: Параллельность %q, want %q", got, want)
	}
}

// --concurrency N fixes it: no limiter, never more than N in flight.
func TestFixedConcurrency(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{Latency: 5 * time.Millisecond})
	r := run(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--concurrency", "2",
		"--log-format", "json", "--log-level", "debug", "../../samples/patients.xlsx")
	checkSample(t, r)
	if n := mock.Stats().MaxInFlight; n > 2 {
		t.Errorf("%d requests in flight with --concurrency 2", n)
	}
	if strings.Contains(r.stderr, "concurrency limit changed") || strings.Contains(r.stderr, "adaptive concurrency") {
		t.Errorf("a fixed concurrency logged an adaptive limit:\n%s", r.stderr)
	}
	cmd, stderr, _ := command(t, url, "demo", "--concurrency", "0", "../../samples/patients.xlsx")
	if ee, ok := cmd.Run().(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "--concurrency") {
		t.Errorf("--concurrency 0: %v\n%s", ee, stderr)
	}
}
