//go:build unix

package state

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mipimport/importer"
)

const (
	testTarget = "https://mip.example.ru/api"
	mcod       = "770001"
)

// clock is a test clock: every reading is one millisecond after the last.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), "state.db") }

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: newClock().Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func begin(t testing.TB, s *Store, target string) *Session {
	t.Helper()
	r, err := s.BeginRun(RunInfo{Target: target, Input: "patients.xlsx", InputHash: strings.Repeat("ab", 32), Settings: `{"concurrency":8}`})
	if err != nil {
		t.Fatalf("BeginRun: %v", err)
	}
	return r
}

func finish(t testing.TB, r *Session) {
	t.Helper()
	if err := r.Finish(importer.Summary{}); err != nil {
		t.Fatalf("Finish: %v", err)
	}
}

func save(t testing.TB, r *Session, res importer.Result, hash string) {
	t.Helper()
	if err := r.Save(res, mcod, hash); err != nil {
		t.Fatalf("Save row %d: %v", res.Row, err)
	}
}

func known(t testing.TB, r *Session, key string) importer.Known {
	t.Helper()
	k, err := r.Known(mcod, key)
	if err != nil {
		t.Fatalf("Known: %v", err)
	}
	return k
}

func guid(n int) string { return fmt.Sprintf("c180af82-b7bb-477c-a6de-%012d", n) }

func hash(n int) string { return fmt.Sprintf("%064x", n) }

func uploaded(row int, key string, n int) importer.Result {
	return importer.Result{Row: row, Key: key, Outcome: importer.Uploaded, MkabStatus: "Uploaded", AttachmentStatus: "Uploaded",
		MkabGUID: guid(n), PersonGUID: guid(n + 1), AttachmentGUID: guid(n + 2), HTTPStatus: 200, Attempts: 1}
}

// countRows reads the file through a connection of its own, so it sees
// only what was committed.
func countRows(t testing.TB, path, table string) int {
	t.Helper()
	abs, _ := filepath.Abs(path)
	db, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows waits until table holds want committed rows.
func waitRows(t testing.TB, path, table string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := countRows(t, path, table)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows committed in %s, want %d", n, table, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSaveThenKnown(t *testing.T) {
	up := uploaded(2, "key-1", 10)
	withOutcome := func(o importer.Outcome) importer.Result {
		r := up
		r.Outcome = o
		return r
	}
	tests := []struct {
		name   string
		res    importer.Result
		dryRun bool
		want   importer.Known
	}{
		{"uploaded remembers GUIDs and hash", up, false,
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(1)}},
		{"partial remembers GUIDs, not the hash", withOutcome(importer.Partial), false,
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12)}},
		{"rejected", withOutcome(importer.Rejected), false, importer.Known{}},
		{"error", withOutcome(importer.Errored), false, importer.Known{}},
		{"failed", withOutcome(importer.Failed), false, importer.Known{}},
		{"not sent", withOutcome(importer.NotSent), false, importer.Known{}},
		{"invalid", withOutcome(importer.Invalid), false, importer.Known{}},
		{"duplicate", withOutcome(importer.Duplicate), false, importer.Known{}},
		{"unchanged", withOutcome(importer.Unchanged), false, importer.Known{}},
		{"uploaded in a dry run", up, true, importer.Known{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, tempPath(t))
			r, err := s.BeginRun(RunInfo{Target: testTarget, DryRun: tt.dryRun})
			if err != nil {
				t.Fatal(err)
			}
			save(t, r, tt.res, hash(1))
			finish(t, r)
			if got := known(t, begin(t, s, testTarget), "key-1"); got != tt.want {
				t.Errorf("Known = %+v, want %+v", got, tt.want)
			}
			// Whatever the outcome, the attempt is recorded.
			if n := countRows(t, s.path, "attempts"); n != 1 {
				t.Errorf("%d attempts recorded, want 1", n)
			}
		})
	}
}

func TestSaveSequenceKeepsGUIDs(t *testing.T) {
	first := uploaded(2, "key-1", 10)
	noGUIDs := first
	noGUIDs.MkabGUID, noGUIDs.PersonGUID, noGUIDs.AttachmentGUID = "", "", ""
	newCard := uploaded(2, "key-1", 50)
	partial := first
	partial.Outcome, partial.AttachmentStatus, partial.AttachmentGUID = importer.Partial, "NotValid", ""
	rejected := first
	rejected.Outcome, rejected.MkabStatus = importer.Rejected, "NotValid"
	rejected.MkabGUID, rejected.PersonGUID, rejected.AttachmentGUID = "", "", ""

	type step struct {
		res  importer.Result
		hash string
	}
	tests := []struct {
		name  string
		steps []step
		want  importer.Known
	}{
		{"empty GUIDs never overwrite stored ones", []step{{first, hash(1)}, {noGUIDs, hash(2)}},
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(2)}},
		{"new GUIDs replace old ones", []step{{first, hash(1)}, {newCard, hash(2)}},
			importer.Known{Found: true, MkabGUID: guid(50), PersonGUID: guid(51), AttachmentGUID: guid(52), Hash: hash(2)}},
		{"partial after uploaded clears the hash, keeps the attachment GUID", []step{{first, hash(1)}, {partial, hash(2)}},
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12)}},
		{"rejected after uploaded leaves it as it was", []step{{first, hash(1)}, {rejected, hash(2)}},
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(1)}},
		{"uploaded after partial remembers the hash", []step{{partial, hash(1)}, {first, hash(2)}},
			importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(2)}},
	}
	for _, tt := range tests {
		// A run per step, and all steps in one run: its answers are merged
		// into patients in the order they came.
		for _, oneRun := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/one-run=%v", tt.name, oneRun), func(t *testing.T) {
				s := open(t, tempPath(t))
				var r *Session
				for _, st := range tt.steps {
					if r == nil {
						r = begin(t, s, testTarget)
					}
					save(t, r, st.res, st.hash)
					if !oneRun {
						finish(t, r)
						r = nil
					}
				}
				if r != nil {
					finish(t, r)
				}
				if got := known(t, begin(t, s, testTarget), "key-1"); got != tt.want {
					t.Errorf("Known = %+v, want %+v", got, tt.want)
				}
			})
		}
	}
}

func TestKnownIsPerTargetAndClinic(t *testing.T) {
	s := open(t, tempPath(t))
	r := begin(t, s, "https://clerk:secret-password@mip.example.ru/api/")
	save(t, r, uploaded(2, "key-1", 10), hash(1))
	finish(t, r)

	tests := []struct {
		target, mcod string
		found        bool
	}{
		{testTarget, mcod, true}, // the credentials and the slash are not part of the identity
		{testTarget + "/", mcod, true},
		{"https://test-mip.example.ru/api", mcod, false},
		{testTarget, "770002", false},
	}
	for _, tt := range tests {
		k, err := begin(t, s, tt.target).Known(tt.mcod, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		if k.Found != tt.found {
			t.Errorf("target %s, mcod %s: Found = %v, want %v", tt.target, tt.mcod, k.Found, tt.found)
		}
	}
	runs, err := s.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range runs {
		if strings.Contains(rec.Target, "secret") || strings.Contains(rec.Target, "clerk") {
			t.Errorf("run %d remembers the credentials: %q", rec.ID, rec.Target)
		}
	}
	s.Close()
	b, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret-password") {
		t.Error("the password is in the state file")
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := tempPath(t)
	s := open(t, path)
	r := begin(t, s, testTarget)
	save(t, r, uploaded(2, "key-1", 10), hash(1))
	if err := r.Finish(importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := open(t, path)
	if k := known(t, begin(t, s2, testTarget), "key-1"); !k.Found || k.Hash != hash(1) || k.MkabGUID != guid(10) {
		t.Errorf("after reopening, Known = %+v", k)
	}
	rec, err := s2.RunByID(r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Finished() || rec.Counts[importer.Uploaded] != 1 {
		t.Errorf("after reopening, run = %+v", rec)
	}
}

func TestCloseFlushesAnUnfinishedRun(t *testing.T) {
	path := tempPath(t)
	s := open(t, path)
	s.batchAge = time.Hour // only Close can commit them
	r := begin(t, s, testTarget)
	for i := range 10 {
		save(t, r, uploaded(i+2, "key-"+strconv.Itoa(i), i*10), hash(i))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(uploaded(20, "late", 1), mcod, hash(1)); err == nil {
		t.Error("Save after Close succeeded")
	}
	s2 := open(t, path)
	rows, err := s2.RunRows(r.ID(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Errorf("%d rows after Close, want 10", len(rows))
	}
	rec, err := s2.RunByID(r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Finished() || rec.Counts != nil {
		t.Errorf("an unfinished run shows as finished: %+v", rec)
	}
	// Its answers are not in patients yet: history finds its attempts
	// anyway, and the next run merges them, so Known sees them.
	attemptsOnce := func(when string) {
		t.Helper()
		atts, err := s2.Attempts("key-3")
		if err != nil || len(atts) != 1 || atts[0].RunID != r.ID() || atts[0].MkabGUID != guid(30) {
			t.Errorf("%s: Attempts(key-3) = %+v, %v; want the one of run %d", when, atts, err, r.ID())
		}
	}
	attemptsOnce("before the merge")
	if n := countRows(t, path, "patients"); n != 0 {
		t.Errorf("%d patients before the merge, want 0", n)
	}
	want := importer.Known{Found: true, MkabGUID: guid(30), PersonGUID: guid(31), AttachmentGUID: guid(32), Hash: hash(3)}
	if k := known(t, begin(t, s2, testTarget), "key-3"); k != want {
		t.Errorf("Known(key-3) in the next run = %+v, want %+v", k, want)
	}
	if n := countRows(t, path, "patients"); n != 10 {
		t.Errorf("%d patients after the merge, want 10", n)
	}
	attemptsOnce("after the merge")
}

// A run's answers reach patients when it finishes, not while it goes: a
// second run begun meanwhile in the same process does not merge it.
func TestRunIsMergedByItsFinish(t *testing.T) {
	path := tempPath(t)
	s := open(t, path)
	r := begin(t, s, testTarget)
	save(t, r, uploaded(2, "key-1", 10), hash(1))
	waitRows(t, path, "attempts", 1)
	other := begin(t, s, testTarget)
	if k := known(t, other, "key-1"); k.Found {
		t.Errorf("a run still going was merged by another's BeginRun: %+v", k)
	}
	finish(t, r)
	want := importer.Known{Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(1)}
	if k := known(t, begin(t, s, testTarget), "key-1"); k != want {
		t.Errorf("Known after Finish = %+v, want %+v", k, want)
	}
	if n := countRows(t, path, "patients"); n != 1 {
		t.Errorf("%d patients, want 1", n)
	}
}

// history key must not read every attempt ever recorded: one index seek
// per run in key_attempts, and only unmerged runs' attempts are read.
func TestAttemptsByKeyUsesTheIndex(t *testing.T) {
	s := open(t, tempPath(t))
	rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+sqlKeyAttemptIDs, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "SEARCH k USING PRIMARY KEY (run_id=? AND key=?)") ||
		!strings.Contains(text, "SEARCH a2 USING INDEX attempts_by_run_row (run_id=?)") ||
		strings.Contains(text, "SCAN k") || strings.Contains(text, "SCAN a2") {
		t.Errorf("query plan:\n%s", text)
	}
}

func TestSavesAreBatched(t *testing.T) {
	s := open(t, tempPath(t))
	s.batchAge = time.Hour // only the batch size commits
	r := begin(t, s, testTarget)
	for i := range defaultBatchMax - 1 {
		save(t, r, uploaded(i+2, "key-"+strconv.Itoa(i), i), hash(i))
	}
	if n := countRows(t, s.path, "attempts"); n != 0 {
		t.Fatalf("%d attempts committed before the batch was full, want 0", n)
	}
	save(t, r, uploaded(1000, "last", 1), hash(1))
	waitRows(t, s.path, "attempts", defaultBatchMax)
	if n := countRows(t, s.path, "attempts WHERE payload_hash IS NOT NULL"); n != defaultBatchMax {
		t.Fatalf("%d attempts with a hash committed once the batch was full, want %d", n, defaultBatchMax)
	}
}

func TestSavesAreCommittedAfterTheInterval(t *testing.T) {
	s := open(t, tempPath(t))
	s.batchAge = 300 * time.Millisecond
	r := begin(t, s, testTarget)
	start := time.Now()
	for i := range 10 {
		save(t, r, uploaded(i+2, "key-"+strconv.Itoa(i), i), hash(i))
	}
	n := countRows(t, s.path, "attempts")
	if time.Since(start) < s.batchAge/2 && n != 0 {
		t.Fatalf("%d attempts committed at once, want them batched", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n != 10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 10 attempts committed %s after the last Save (run not finished)", n, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
		n = countRows(t, s.path, "attempts")
	}
	if d := time.Since(start); d < s.batchAge {
		t.Errorf("committed after %s, before the interval %s", d, s.batchAge)
	}
	// The timer starts again for the next batch.
	save(t, r, uploaded(100, "key-100", 100), hash(100))
	for n != 11 {
		if time.Now().After(deadline) {
			t.Fatal("the second batch was never committed")
		}
		time.Sleep(20 * time.Millisecond)
		n = countRows(t, s.path, "attempts")
	}
}

func TestTenThousandSaves(t *testing.T) {
	s := open(t, tempPath(t))
	r := begin(t, s, testTarget)
	const rows = 10000
	for i := range rows {
		save(t, r, uploaded(i+2, "key-"+strconv.Itoa(i), i*3), hash(i))
	}
	finish(t, r)
	if n := countRows(t, s.path, "attempts"); n != rows {
		t.Errorf("%d attempts, want %d", n, rows)
	}
	got, err := s.RunRows(r.ID(), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range got {
		if a.Row != i+2 || a.Key != "key-"+strconv.Itoa(i) {
			t.Fatalf("row %d of the run is row %d key %q", i, a.Row, a.Key)
		}
	}
	r2 := begin(t, s, testTarget)
	for _, i := range []int{0, 4999, rows - 1} {
		if k := known(t, r2, "key-"+strconv.Itoa(i)); !k.Found || k.Hash != hash(i) || k.MkabGUID != guid(i*3) {
			t.Errorf("key-%d: Known = %+v", i, k)
		}
	}
}

// The importer calls Known from its reader goroutine while its writer
// goroutine saves: run under -race.
func TestKnownWhileSaving(t *testing.T) {
	s := open(t, tempPath(t))
	s.batchMax = 16
	first := begin(t, s, testTarget) // so that the next run looks keys up
	save(t, first, uploaded(1, "key-0", 0), hash(0))
	finish(t, first)
	r := begin(t, s, testTarget)
	const rows = 2000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range rows {
			if _, err := r.Known(mcod, "key-"+strconv.Itoa(i)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range rows {
		save(t, r, uploaded(i+2, "key-"+strconv.Itoa(i), i), hash(i))
	}
	wg.Wait()
	finish(t, r)
	if k := known(t, begin(t, s, testTarget), "key-1999"); !k.Found {
		t.Error("the last key was not remembered")
	}
}

func TestFinishAndSaveAfterFinish(t *testing.T) {
	s := open(t, tempPath(t))
	r := begin(t, s, testTarget)
	finish(t, r)
	if err := r.Finish(importer.Summary{}); err == nil {
		t.Error("a second Finish succeeded")
	}
	if err := r.Save(uploaded(2, "k", 1), mcod, hash(1)); err == nil {
		t.Error("Save after Finish succeeded")
	}
}

func TestBeginRunChecksSettings(t *testing.T) {
	s := open(t, tempPath(t))
	if _, err := s.BeginRun(RunInfo{Target: testTarget, Settings: "{concurrency: 8"}); err == nil {
		t.Error("BeginRun accepted settings that are not JSON")
	}
}

func TestLockInProcess(t *testing.T) {
	path := tempPath(t)
	first := open(t, path)

	start := time.Now()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Open took %s to refuse", d)
	}
	for _, want := range []string{path, "PID " + strconv.Itoa(os.Getpid()), "another mipimport run"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}

	start = time.Now()
	_, err = Open(path, Options{Wait: true, WaitMax: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open with WaitMax: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("Open with WaitMax 300ms gave up after %s", d)
	}

	// A waiting Open gets the file once the holder closes it.
	closed := make(chan time.Time, 1)
	time.AfterFunc(200*time.Millisecond, func() {
		first.Close()
		closed <- time.Now()
	})
	second, err := Open(path, Options{Wait: true})
	if err != nil {
		t.Fatalf("waiting Open: %v", err)
	}
	if got := time.Now(); got.Before(<-closed) {
		t.Error("the waiting Open returned before the holder closed")
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	third.Close()
}

func TestLockFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	open(t, path)
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Skip(err)
	}
	if _, err := Open(link, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("Open through a symlink: %v, want ErrLocked", err)
	}
}

// TestHelperProcess is not a test: the tests below start the test binary
// again to run it as a second mipimport process.
func TestHelperProcess(t *testing.T) {
	mode, path := os.Getenv("MIPIMPORT_STATE_HELPER"), os.Getenv("MIPIMPORT_STATE_PATH")
	if mode == "" {
		t.Skip("run by other tests as a child process")
	}
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	switch mode {
	case "hold":
	case "save":
		r, err := s.BeginRun(RunInfo{Target: testTarget})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		for i := range 1000 {
			if err := r.Save(uploaded(i+2, "key-"+strconv.Itoa(i), i), mcod, hash(i)); err != nil {
				fmt.Println("error:", err)
				os.Exit(3)
			}
		}
		// The last partial batch is committed by the timer, not by Finish.
		for !r.committed() {
			time.Sleep(10 * time.Millisecond)
		}
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin or kills us
	s.Close()
	os.Exit(0)
}

// startHelper runs TestHelperProcess in a child and waits until it is ready.
func startHelper(t *testing.T, mode, path string) (*exec.Cmd, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "MIPIMPORT_STATE_HELPER="+mode, "MIPIMPORT_STATE_PATH="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		cancel()
		cmd.Wait()
		t.Fatalf("helper process said %q (%v)", line, err)
	}
	stop := func() {
		stdin.Close()
		cmd.Wait()
		cancel()
	}
	t.Cleanup(stop)
	return cmd, stop
}

func TestLockAcrossProcesses(t *testing.T) {
	path := tempPath(t)
	cmd, stop := startHelper(t, "hold", path)
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while another process holds the file: %v, want ErrLocked", err)
	}
	if want := "PID " + strconv.Itoa(cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not name the holder (%s)", err, want)
	}
	// Waiting, the caller is told once whom it waits for.
	var waitedFor []int
	_, err = Open(path, Options{Wait: true, WaitMax: 300 * time.Millisecond, OnWait: func(pid int) { waitedFor = append(waitedFor, pid) }})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open with a short wait: %v, want ErrLocked", err)
	}
	if len(waitedFor) != 1 || waitedFor[0] != cmd.Process.Pid {
		t.Errorf("OnWait called with %v, want once with %d", waitedFor, cmd.Process.Pid)
	}
	stop()
	s, err := Open(path, Options{OnWait: func(int) { t.Error("OnWait called for a free lock") }})
	if err != nil {
		t.Fatalf("Open after the other process ended: %v", err)
	}
	s.Close()
}

// A killed run keeps every answer committed before the kill, and its lock
// goes with it.
func TestKillNineKeepsCommittedSaves(t *testing.T) {
	path := tempPath(t)
	cmd, _ := startHelper(t, "save", path)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	s := open(t, path)
	runs, err := s.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Finished() {
		t.Fatalf("runs after the kill: %+v", runs)
	}
	rows, err := s.RunRows(runs[0].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1000 {
		t.Errorf("%d rows after the kill, want 1000", len(rows))
	}
	if k := known(t, begin(t, s, testTarget), "key-999"); !k.Found || k.Hash != hash(999) {
		t.Errorf("the last key after the kill: %+v", k)
	}
}

// makeOldFile creates a state file at schema version 1 with some data in
// it, as the first release of the schema would have left it.
func makeOldFile(t *testing.T, path string) {
	t.Helper()
	abs, _ := filepath.Abs(path)
	db, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrate(context.Background(), db, 1); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO targets(id, url) VALUES (1, '` + testTarget + `')`,
		`INSERT INTO runs(id, started_at, ended_at, target_id, input, input_hash, settings, dry_run, counts, aborted)
			VALUES (1, 1700000000000, 1700000060000, 1, 'old.csv', '` + hash(7) + `', '{}', 0, '{"uploaded":1,"rejected":1}', '')`,
		`INSERT INTO patients VALUES (1, '` + mcod + `', 'old-key', '` + guid(1) + `', '` + guid(2) + `', '', '` + hash(9) + `', 1700000001000, 1)`,
		`INSERT INTO messages(id, json) VALUES (1, '["МИП: не заполнено поле phone"]')`,
		`INSERT INTO attempts(run_id, at, row, mcod, key, outcome, mkab_status, attachment_status, person_guid, mkab_guid, attachment_guid, messages, http_status, attempts)
			VALUES (1, 1700000001000, 2, '` + mcod + `', 'old-key', 'uploaded', 'Uploaded', 'None', '` + guid(2) + `', '` + guid(1) + `', '', NULL, 200, 1),
			       (1, 1700000002000, 3, '` + mcod + `', 'bad-key', 'rejected', 'NotValid', 'None', '', '', '', 1, 200, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func schemaVersion(t *testing.T, path string) (version int, indexes []string) {
	t.Helper()
	abs, _ := filepath.Abs(path)
	db, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		rows.Scan(&n)
		indexes = append(indexes, n)
	}
	return version, indexes
}

func TestOpenUpgradesAnOlderFile(t *testing.T) {
	path := tempPath(t)
	makeOldFile(t, path)
	if v, idx := schemaVersion(t, path); v != 1 || len(idx) != 0 {
		t.Fatalf("the old file is at version %d with indexes %v", v, idx)
	}

	s := open(t, path)
	if v, idx := schemaVersion(t, path); v != len(migrations()) || !reflect.DeepEqual(idx, []string{"attempts_by_run_row"}) {
		t.Errorf("after Open: version %d, indexes %v", v, idx)
	}
	want := importer.Known{Found: true, MkabGUID: guid(1), PersonGUID: guid(2), Hash: hash(9)}
	if k := known(t, begin(t, s, testTarget), "old-key"); k != want {
		t.Errorf("Known(old-key) = %+v, want %+v", k, want)
	}
	rec, err := s.RunByID(1)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Input != "old.csv" || rec.Counts[importer.Rejected] != 1 || !rec.End.Equal(time.UnixMilli(1700000060000)) {
		t.Errorf("old run = %+v", rec)
	}
	bad, err := s.RunRows(1, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].Key != "bad-key" || !reflect.DeepEqual(bad[0].Messages, []string{"МИП: не заполнено поле phone"}) {
		t.Errorf("old rejected rows = %+v", bad)
	}
	// The upgrade indexed the old attempts by key.
	if atts, err := s.Attempts("old-key"); err != nil || len(atts) != 1 || atts[0].RunID != 1 || atts[0].MkabGUID != guid(1) {
		t.Errorf("Attempts(old-key) after the upgrade = %+v, %v", atts, err)
	}
	// New runs number on from the old ones.
	if r := begin(t, s, testTarget); r.ID() <= 1 {
		t.Errorf("a new run got id %d", r.ID())
	}
}

// A run records its requests. A file of the schema before that (3) still
// reads in the history commands, which open it read-only and cannot upgrade
// it, with its runs' requests unknown (0); an import upgrades it.
func TestRunRequestsAndAnOlderFileRead(t *testing.T) {
	path := tempPath(t)
	makeOldFile(t, path)
	abs, _ := filepath.Abs(path)
	db, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), db, readableFrom); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open of a schema %d file: %v", readableFrom, err)
	}
	rec, err := ro.RunByID(1)
	if err != nil || rec.Input != "old.csv" || rec.Requests != 0 || rec.Counts[importer.Rejected] != 1 {
		t.Errorf("old run read-only = %+v, %v", rec, err)
	}
	if runs, err := ro.Runs(0); err != nil || len(runs) != 1 {
		t.Errorf("Runs = %+v, %v", runs, err)
	}
	ro.Close()
	if v, _ := schemaVersion(t, path); v != readableFrom {
		t.Fatalf("the read-only Open changed the schema to %d", v)
	}

	s := open(t, path)
	r := begin(t, s, testTarget)
	if err := r.Finish(importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: 3}, Rows: 3, Requests: 7}); err != nil {
		t.Fatal(err)
	}
	rec, err = s.RunByID(r.ID())
	if err != nil || rec.Requests != 7 || rec.Counts[importer.Uploaded] != 3 {
		t.Errorf("new run = %+v, %v", rec, err)
	}
	if old, err := s.RunByID(1); err != nil || old.Requests != 0 {
		t.Errorf("old run after the upgrade = %+v, %v", old, err)
	}
	s.Close()
	ro, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if runs, err := ro.Runs(1); err != nil || len(runs) != 1 || runs[0].Requests != 7 {
		t.Errorf("Runs(1) read-only after the upgrade = %+v, %v", runs, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		wantErr error
		wantMsg string
	}{
		{"a newer schema", func(t *testing.T, path string) {
			s := open(t, path)
			s.Close()
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations())+1)); err != nil {
				t.Fatal(err)
			}
		}, errNewerSchema, "newer mipimport"},
		{"another program's database", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`CREATE TABLE invoices(id INTEGER)`); err != nil {
				t.Fatal(err)
			}
		}, errNotStateFile, "not a mipimport state file"},
		{"a file that is not a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("ФИО;СНИЛС\n"+strings.Repeat("x", 200)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, nil, "not a database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t)
			tt.prepare(t, path)
			before, _ := os.ReadFile(path)
			for range 2 { // the failed Open releases its lock
				s, err := Open(path, Options{})
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name the file and say %q", err, tt.wantMsg)
				}
			}
			if after, _ := os.ReadFile(path); string(before) != string(after) {
				t.Error("the refused file was changed")
			}
		})
	}
}

func TestHistory(t *testing.T) {
	s := open(t, tempPath(t))
	r1, err := s.BeginRun(RunInfo{Target: testTarget, Input: "a.xlsx", InputHash: hash(1), Settings: `{"rate":10}`})
	if err != nil {
		t.Fatal(err)
	}
	rejected := importer.Result{Row: 3, Key: "key-2", Outcome: importer.Rejected, MkabStatus: "NotValid", AttachmentStatus: "None",
		Messages: []string{"МИП: не заполнено поле phone", "Колонка «Телефон»: пусто"}, HTTPStatus: 200, Attempts: 2}
	invalid := importer.Result{Row: 4, Outcome: importer.Invalid, Messages: []string{"Колонка «СНИЛС»: неверная контрольная сумма"}}
	save(t, r1, uploaded(2, "key-1", 10), hash(1))
	save(t, r1, rejected, hash(2))
	save(t, r1, invalid, "")
	counts1 := map[importer.Outcome]int{importer.Uploaded: 1, importer.Rejected: 1, importer.Invalid: 1, importer.Failed: 0}
	end := time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC)
	if err := r1.Finish(importer.Summary{End: end, Counts: counts1}); err != nil {
		t.Fatal(err)
	}

	r2, err := s.BeginRun(RunInfo{Target: testTarget, Input: "b.csv", InputHash: hash(2), DryRun: false})
	if err != nil {
		t.Fatal(err)
	}
	unchanged := uploaded(2, "key-1", 10)
	unchanged.Outcome, unchanged.MkabStatus, unchanged.AttachmentStatus, unchanged.HTTPStatus, unchanged.Attempts = importer.Unchanged, "", "", 0, 0
	save(t, r2, unchanged, "")
	fixed := uploaded(3, "key-2", 20)
	if err := r2.Save(fixed, "770002", hash(3)); err != nil {
		t.Fatal(err)
	}
	if err := r2.Finish(importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: 1, importer.Unchanged: 1},
		Aborted: errors.New("МИП недоступен")}); err != nil {
		t.Fatal(err)
	}

	runs, err := s.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != r2.ID() || runs[1].ID != r1.ID() {
		t.Fatalf("Runs(0) = %+v, want run %d then %d", runs, r2.ID(), r1.ID())
	}
	if latest, _ := s.Runs(1); len(latest) != 1 || latest[0].ID != r2.ID() {
		t.Errorf("Runs(1) = %+v", latest)
	}
	rec, err := s.RunByID(r1.ID())
	if err != nil {
		t.Fatal(err)
	}
	want := RunRecord{ID: r1.ID(), Start: rec.Start, End: end, Target: testTarget, Input: "a.xlsx", InputHash: hash(1), Settings: `{"rate":10}`,
		Counts: map[importer.Outcome]int{importer.Uploaded: 1, importer.Rejected: 1, importer.Invalid: 1}}
	if rec.Start.IsZero() || !rec.End.Equal(end) {
		t.Errorf("run times %s – %s", rec.Start, rec.End)
	}
	rec.End = end
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("RunByID = %+v\nwant %+v", rec, want)
	}
	if runs[0].Aborted != "МИП недоступен" {
		t.Errorf("Aborted = %q", runs[0].Aborted)
	}
	if _, err := s.RunByID(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("RunByID(999): %v, want ErrNotFound", err)
	}

	// Every attempt for a key, whatever the clinic, oldest first.
	atts, err := s.Attempts("key-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 || atts[0].RunID != r1.ID() || atts[0].Outcome != importer.Rejected || atts[1].Mcod != "770002" || atts[1].Outcome != importer.Uploaded {
		t.Fatalf("Attempts(key-2) = %+v", atts)
	}
	wantRejected := Attempt{RunID: r1.ID(), Time: atts[0].Time, Row: 3, Mcod: mcod, Key: "key-2", Outcome: importer.Rejected,
		MkabStatus: "NotValid", AttachmentStatus: "None", Messages: rejected.Messages, HTTPStatus: 200, Attempts: 2}
	if !reflect.DeepEqual(atts[0], wantRejected) || atts[0].Time.IsZero() {
		t.Errorf("attempt = %+v\nwant %+v", atts[0], wantRejected)
	}
	if !atts[0].Time.Before(atts[1].Time) {
		t.Errorf("attempt times %s, %s not in order", atts[0].Time, atts[1].Time)
	}
	if _, err := s.Attempts(""); err == nil {
		t.Error("Attempts(\"\") succeeded")
	}

	all, err := s.RunRows(r1.ID(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(all); !reflect.DeepEqual(got, []int{2, 3, 4}) {
		t.Errorf("RunRows(all) rows %v", got)
	}
	if all[0].Messages != nil || all[0].MkabGUID != guid(10) || all[0].AttachmentGUID != guid(12) {
		t.Errorf("uploaded row = %+v", all[0])
	}
	bad, err := s.RunRows(r1.ID(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(bad); !reflect.DeepEqual(got, []int{3, 4}) {
		t.Errorf("RunRows(notOK) rows %v, want 3 4", got)
	}
	if bad[1].Key != "" || bad[1].Outcome != importer.Invalid || len(bad[1].Messages) != 1 {
		t.Errorf("invalid row = %+v", bad[1])
	}
	if ok, _ := s.RunRows(r2.ID(), true); len(ok) != 0 {
		t.Errorf("RunRows(notOK) of a clean run = %+v", ok)
	}
	if _, err := s.RunRows(999, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("RunRows(999): %v, want ErrNotFound", err)
	}
}

func rowsOf(as []Attempt) []int {
	var rows []int
	for _, a := range as {
		rows = append(rows, a.Row)
	}
	return rows
}

func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "mipimport")
	path := filepath.Join(dir, "state.db")
	s := open(t, path)
	r := begin(t, s, testTarget)
	save(t, r, uploaded(2, "key-1", 1), hash(1))
	finish(t, r)

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o700 {
		t.Errorf("created directory has mode %o, want 700", m)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("%v (the file should exist while the state is open)", err)
			continue
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(f), m)
		}
	}
	var mode string
	if err := s.rdb.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
}

func TestGUIDsAndHashesReadBackAsGiven(t *testing.T) {
	tests := []struct {
		name, guid, hash string
		packed           bool // stored in binary
	}{
		{"canonical", "c180af82-b7bb-477c-a6de-e1625b49a21f", hash(42), true},
		{"upper case", "C180AF82-B7BB-477C-A6DE-E1625B49A21F", strings.ToUpper(hash(42)), false},
		{"braces", "{c180af82-b7bb-477c-a6de-e1625b49a21f}", "sha256:" + hash(42), false},
		{"not a UUID", "12345", "abc", false},
		{"36 characters, not a UUID", strings.Repeat("x", 36), strings.Repeat("z", 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, tempPath(t))
			r := begin(t, s, testTarget)
			res := importer.Result{Row: 2, Key: "key-1", Outcome: importer.Uploaded, MkabGUID: tt.guid, PersonGUID: tt.guid, AttachmentGUID: tt.guid}
			save(t, r, res, tt.hash)
			finish(t, r)
			want := importer.Known{Found: true, MkabGUID: tt.guid, PersonGUID: tt.guid, AttachmentGUID: tt.guid, Hash: tt.hash}
			if got := known(t, begin(t, s, testTarget), "key-1"); got != want {
				t.Errorf("Known = %+v, want %+v", got, want)
			}
			atts, err := s.Attempts("key-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(atts) != 1 || atts[0].MkabGUID != tt.guid || atts[0].PersonGUID != tt.guid || atts[0].AttachmentGUID != tt.guid {
				t.Errorf("attempts = %+v", atts)
			}
			var guidType, hashType string
			if err := s.rdb.QueryRow(`SELECT typeof(mkab_guid), typeof(payload_hash) FROM patients`).Scan(&guidType, &hashType); err != nil {
				t.Fatal(err)
			}
			if (guidType == "blob") != tt.packed || (hashType == "blob") != tt.packed {
				t.Errorf("stored as %s and %s, want binary: %v", guidType, hashType, tt.packed)
			}
		})
	}
}

func TestMessageListsAreStoredOnce(t *testing.T) {
	s := open(t, tempPath(t))
	s.batchMax = 10
	common := []string{"Без изменений: эти данные уже загружены в МИП, строка не отправлялась"}
	for run := range 2 { // the second run finds the lists in the file
		r := begin(t, s, testTarget)
		for i := range 35 { // within a batch, and across batches
			res := importer.Result{Row: i + 2, Key: "key-" + strconv.Itoa(i), Outcome: importer.Unchanged, Messages: common}
			if i%5 == 0 {
				res.Messages = []string{"Повтор: строка " + strconv.Itoa(i%10)}
			}
			if i == 7 {
				res.Messages = nil
			}
			save(t, r, res, "")
		}
		finish(t, r)
		if n := countRows(t, s.path, "messages"); n != 3 {
			t.Errorf("after run %d: %d message lists stored, want 3", run+1, n)
		}
		rows, err := s.RunRows(r.ID(), false)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range rows {
			want := common
			switch {
			case i%5 == 0:
				want = []string{"Повтор: строка " + strconv.Itoa(i%10)}
			case i == 7:
				want = nil
			}
			if !reflect.DeepEqual(a.Messages, want) {
				t.Errorf("run %d row %d: messages %q, want %q", run+1, a.Row, a.Messages, want)
			}
		}
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"XDG_STATE_HOME": "/var/lib/x", "HOME": "/home/clerk"}, "/var/lib/x/mipimport/state.db"},
		{"linux", map[string]string{"HOME": "/home/clerk"}, "/home/clerk/.local/state/mipimport/state.db"},
		{"linux", map[string]string{"XDG_STATE_HOME": "/var/lib/x/", "HOME": "/home/clerk"}, "/var/lib/x/mipimport/state.db"},
		// XDG: relative paths are ignored.
		{"linux", map[string]string{"XDG_STATE_HOME": "relative/dir", "HOME": "/home/clerk"}, "/home/clerk/.local/state/mipimport/state.db"},
		{"linux", map[string]string{"HOME": "/"}, "/.local/state/mipimport/state.db"},
		{"linux", map[string]string{}, "mipimport-state.db"},
		// Windows ignores the XDG and HOME variables a Git Bash may set.
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\Клерк\AppData\Local`, "USERPROFILE": `C:\Users\Клерк`, "XDG_STATE_HOME": "/x", "HOME": "/home/x"},
			`C:\Users\Клерк\AppData\Local\mipimport\state.db`},
		{"windows", map[string]string{"LOCALAPPDATA": `D:\Profiles\ivanova\`}, `D:\Profiles\ivanova\mipimport\state.db`},
		{"windows", map[string]string{"LOCALAPPDATA": `\\srv\home$\ivanova\AppData\Local`}, `\\srv\home$\ivanova\AppData\Local\mipimport\state.db`},
		{"windows", map[string]string{"USERPROFILE": `C:\Users\Petrov Ivan`}, `C:\Users\Petrov Ivan\AppData\Local\mipimport\state.db`},
		{"windows", map[string]string{"LOCALAPPDATA": `AppData`, "USERPROFILE": `C:\Users\p`}, `C:\Users\p\AppData\Local\mipimport\state.db`},
		{"windows", map[string]string{"HOME": "/home/x"}, "mipimport-state.db"},
	}
	for _, tt := range tests {
		if got := DefaultPathFor(tt.goos, func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%s %v: %s, want %s", tt.goos, tt.env, got, tt.want)
		}
	}
	// DefaultPath is DefaultPathFor this system and environment.
	t.Setenv("XDG_STATE_HOME", "/var/lib/y")
	t.Setenv("LOCALAPPDATA", `C:\L`)
	if got, want := DefaultPath(), DefaultPathFor(runtime.GOOS, os.Getenv); got != want {
		t.Errorf("DefaultPath() = %s, want %s", got, want)
	}
}

// The history commands read while an import holds the lock.
func TestReadOnlyOpenBesideARun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run, err := w.BeginRun(RunInfo{Target: "http://127.0.0.1:1/api", Input: "in.xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Save(importer.Result{Row: 2, Key: "k", Outcome: importer.Uploaded, MkabGUID: "c180af82-b7bb-477c-a6de-e1625b49a21f"}, "770001", ""); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: 1}}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open while the writer holds the lock: %v", err)
	}
	defer r.Close()
	got, err := r.Attempts("k")
	if err != nil || len(got) != 1 || got[0].MkabGUID != "c180af82-b7bb-477c-a6de-e1625b49a21f" {
		t.Fatalf("attempts %+v, %v", got, err)
	}
	if _, err := r.BeginRun(RunInfo{Target: "x"}); err == nil {
		t.Fatal("a run began on a read-only store")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.db"), Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing file succeeded")
	}
}

// Known answers the same whether the key filter decides a miss or the
// database is asked: every saved key is found with its GUIDs, no other key
// is, and a key saved under another clinic is not found for this one.
func TestKnownFilter(t *testing.T) {
	s := open(t, tempPath(t))
	r := begin(t, s, testTarget)
	for i := range 500 {
		save(t, r, uploaded(i+2, fmt.Sprint("key-", i), i), hash(i))
	}
	if err := r.Save(uploaded(600, "only-there", 600), "770099", hash(600)); err != nil {
		t.Fatal(err)
	}
	finish(t, r)
	defer func(n int) { maxFilterKeys = n }(maxFilterKeys)
	for _, limit := range []int{maxFilterKeys, 100} {
		maxFilterKeys = limit
		r := begin(t, s, testTarget)
		if want := limit > 501; r.filtered != want {
			t.Fatalf("limit %d: filtered = %v, want %v", limit, r.filtered, want)
		}
		for i := range 500 {
			k := known(t, r, fmt.Sprint("key-", i))
			if !k.Found || k.MkabGUID != uploaded(0, "", i).MkabGUID || k.Hash != hash(i) {
				t.Fatalf("limit %d: key-%d: %+v", limit, i, k)
			}
			if k := known(t, r, fmt.Sprint("new-", i)); k.Found {
				t.Fatalf("limit %d: new-%d found: %+v", limit, i, k)
			}
		}
		if k := known(t, r, "only-there"); k.Found {
			t.Fatalf("limit %d: a key of another clinic found: %+v", limit, k)
		}
		if k, err := r.Known("770099", "only-there"); err != nil || !k.Found {
			t.Fatalf("limit %d: a key of another clinic not found there: %+v, %v", limit, k, err)
		}
		finish(t, r)
	}
}

// Prune deletes the rows of old runs and nothing a re-run needs: the keys'
// GUIDs and hashes stay, a killed run is merged before its rows go, and a
// message list still used by a kept run stays.
func TestPrune(t *testing.T) {
	path := tempPath(t)
	c := newClock()
	openAt := func() *Store {
		s, err := Open(path, Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := openAt()
	old := begin(t, s, testTarget)
	first := uploaded(2, "key-1", 10)
	first.Messages = []string{"only in the old run"}
	save(t, old, first, hash(1))
	rejected := importer.Result{Row: 3, Key: "key-2", Outcome: importer.Rejected, Messages: []string{"shared"}, HTTPStatus: 200, Attempts: 1}
	save(t, old, rejected, "")
	if err := old.Finish(importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: 1, importer.Rejected: 1}}); err != nil {
		t.Fatal(err)
	}
	killed := begin(t, s, testTarget)
	save(t, killed, uploaded(2, "key-3", 30), hash(3))
	s.Close() // as if killed: not finished, not merged

	s = openAt()
	c.mu.Lock()
	c.t = c.t.Add(10 * 24 * time.Hour)
	cutoff := c.t
	c.mu.Unlock()
	kept := begin(t, s, testTarget)
	again := rejected
	again.Row = 2
	save(t, kept, again, "")
	finish(t, kept)

	busy := begin(t, s, testTarget)
	if _, err := s.Prune(cutoff, false); err == nil {
		t.Error("Prune while a run is going succeeded")
	}
	finish(t, busy)

	res, err := s.Prune(cutoff, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs != 2 || res.Attempts != 3 {
		t.Errorf("Prune = %+v, want 2 runs and 3 attempts", res)
	}
	if rows, err := s.RunRows(old.ID(), false); err != nil || len(rows) != 0 {
		t.Errorf("rows of the pruned run: %+v, %v", rows, err)
	}
	rec, err := s.RunByID(old.ID())
	if err != nil || rec.Pruned.IsZero() || rec.Counts[importer.Uploaded] != 1 {
		t.Errorf("pruned run record = %+v, %v; want its counts kept and Pruned set", rec, err)
	}
	if rec, _ := s.RunByID(kept.ID()); !rec.Pruned.IsZero() {
		t.Errorf("a kept run is marked pruned: %+v", rec)
	}
	if atts, err := s.Attempts("key-2"); err != nil || len(atts) != 1 || atts[0].RunID != kept.ID() {
		t.Errorf("Attempts(key-2) after pruning = %+v, %v; want only run %d's", atts, err, kept.ID())
	}
	r := begin(t, s, testTarget)
	for key, want := range map[string]importer.Known{
		"key-1": {Found: true, MkabGUID: guid(10), PersonGUID: guid(11), AttachmentGUID: guid(12), Hash: hash(1)},
		"key-3": {Found: true, MkabGUID: guid(30), PersonGUID: guid(31), AttachmentGUID: guid(32), Hash: hash(3)},
	} {
		if k := known(t, r, key); k != want {
			t.Errorf("Known(%s) after pruning = %+v, want %+v", key, k, want)
		}
	}
	finish(t, r)
	if n := countRows(t, path, "messages"); n != 1 {
		t.Errorf("%d message lists after pruning, want 1 (the one the kept run uses)", n)
	}
	if res, err := s.Prune(cutoff, true); err != nil || res.Runs != 0 {
		t.Errorf("a second Prune (with vacuum) = %+v, %v; want nothing to do", res, err)
	}
}

// TestIdentityFingerprints: per key the state keeps who it was uploaded
// for as salted hashes, never the names or the date; a file of an older
// schema gives its keys a fingerprint when a run uploads them or finds
// them unchanged (issue 17 item 5).
func TestIdentityFingerprints(t *testing.T) {
	path := tempPath(t)
	makeOldFile(t, path) // "old-key" is known, without a fingerprint
	s := open(t, path)
	r := begin(t, s, testTarget)
	id := importer.Identity{Family: "иванова", Name: "мария", Birthday: "1990-02-01"}
	who := r.Fingerprint(id)
	if who.Family == 0 || who.Name == 0 || who.Birthday == 0 || who == r.Fingerprint(importer.Identity{Family: "иванова", Name: "мария", Birthday: "1990-02-02"}) {
		t.Fatalf("fingerprint %+v", who)
	}
	if f := r.Fingerprint(importer.Identity{Family: "иванова"}); f.Name != 0 || f.Birthday != 0 || f.Family != who.Family {
		t.Fatalf("an unknown part must be 0 and the others the same: %+v", f)
	}
	if k := known(t, r, "old-key"); !k.Found || !k.Who.IsZero() {
		t.Fatalf("old-key before: %+v", k)
	}
	res := uploaded(2, "K-1", 10)
	res.MatchKey, res.Who = "k-1", who
	save(t, r, res, hash(1))
	unchanged := importer.Result{Row: 3, Key: "old-key", Outcome: importer.Unchanged, Who: who}
	save(t, r, unchanged, "")
	finish(t, r)

	r = begin(t, s, testTarget)
	if k := known(t, r, "k-1"); k.Who != who || k.Hash != hash(1) {
		t.Errorf("k-1: %+v, want who %+v", k, who)
	}
	if k := known(t, r, "old-key"); k.Who != who || k.Hash != hash(9) {
		t.Errorf("old-key after a run found it unchanged: %+v", k)
	}
	finish(t, r)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// No name and no date in the file, only hashes.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"иванова", "мария", "1990-02-01"} {
		if strings.Contains(string(b), v) {
			t.Errorf("the state file holds %q", v)
		}
	}
	// Another file, another salt: the same person hashes otherwise.
	other := begin(t, open(t, tempPath(t)), testTarget)
	if other.Fingerprint(id) == who {
		t.Error("two state files share their salt")
	}
}

// TestKeysShownAsTyped: an attempt keeps the key as the clerk typed it,
// shown by the history and found by it under either spelling; the state
// matches on the folded key.
func TestKeysShownAsTyped(t *testing.T) {
	s := open(t, tempPath(t))
	r := begin(t, s, testTarget)
	res := uploaded(2, "A-1003", 1)
	res.MatchKey = "a-1003"
	save(t, r, res, hash(1))
	// Before the run is merged, and after.
	for _, merged := range []bool{false, true} {
		if merged {
			finish(t, r)
		} else if err := r.flush(); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"A-1003", "a-1003"} {
			atts, err := s.Attempts(k)
			if err != nil || len(atts) != 1 || atts[0].Key != "A-1003" {
				t.Errorf("merged %v: Attempts(%q) = %+v, %v", merged, k, atts, err)
			}
		}
	}
	rows, err := s.RunRows(r.ID(), false)
	if err != nil || len(rows) != 1 || rows[0].Key != "A-1003" {
		t.Errorf("RunRows = %+v, %v", rows, err)
	}
	if k := known(t, begin(t, s, testTarget), "a-1003"); !k.Found || k.MkabGUID != guid(1) {
		t.Errorf("Known(a-1003) = %+v", k)
	}
}
