package main

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"mipimport/importer"
	"mipimport/mip/mipmock"
	"mipimport/report"
)

// runWithState runs an import of input with a given state file.
func runWithState(t *testing.T, url, stateFile, input string, extra ...string) runResult {
	t.Helper()
	args := append([]string{"--mapping", "../../samples/mapping.yaml"}, extra...)
	args = append(args, "--state", stateFile, input)
	return run(t, url, "demo", args...)
}

func count(r runResult, outcome string) int {
	n := 0
	for _, l := range r.lines {
		if l.Outcome == outcome {
			n++
		}
	}
	return n
}

// changedSample writes the sample CSV with the phone of three patients changed.
func changedSample(t *testing.T, phones map[string]string) string {
	t.Helper()
	raw, err := os.ReadFile("../../samples/patients.csv")
	if err != nil {
		t.Fatal(err)
	}
	text, err := charmap.Windows1251.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	for old, repl := range phones {
		if !bytes.Contains(text, []byte(old)) {
			t.Fatalf("phone %q is not in the sample", old)
		}
		text = bytes.Replace(text, []byte(old), []byte(repl), 1)
	}
	out, err := charmap.Windows1251.NewEncoder().Bytes(text)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "changed.csv")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStateReimportSendsNothingThenOnlyChanges(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{})
	stateFile := filepath.Join(t.TempDir(), "state.db")
	first := runWithState(t, url, stateFile, "../../samples/patients.csv")
	checkSample(t, first)
	sent := mock.Stats().Requests

	second := runWithState(t, url, stateFile, "../../samples/patients.csv")
	if n := mock.Stats().Requests - sent; n != 1 {
		// The partial row (attachment refused) is sent again on purpose:
		// its attachment is still to be uploaded.
		t.Fatalf("second run sent %d requests, want only the partial row", n)
	}
	if u := count(second, "unchanged"); u != count(first, "uploaded") {
		t.Fatalf("second run: %d unchanged, want %d", u, count(first, "uploaded"))
	}
	guids := map[int]string{}
	for _, l := range first.lines {
		guids[l.Row] = l.MkabGUID
	}
	for _, l := range second.lines {
		if l.Outcome == "unchanged" && l.MkabGUID != guids[l.Row] {
			t.Fatalf("row %d unchanged with GUID %s, first run gave %s", l.Row, l.MkabGUID, guids[l.Row])
		}
	}

	changed := changedSample(t, map[string]string{
		"8 (912) 345-67-89": "8 (912) 345-67-00",
		"8-916-123-45-67":   "8-916-123-45-00",
		"8 (917) 333-44-55": "8 (917) 333-44-00",
	})
	sent = mock.Stats().Requests
	third := runWithState(t, url, stateFile, changed)
	if n := mock.Stats().Requests - sent; n != 4 {
		t.Fatalf("third run sent %d requests, want the 3 changed rows and the partial one", n)
	}
	if u := count(third, "uploaded"); u != 3 {
		t.Fatalf("third run uploaded %d, want 3", u)
	}
	for _, l := range third.lines {
		if l.Outcome == "uploaded" && l.MkabGUID != guids[l.Row] {
			t.Fatalf("changed row %d sent with GUID %s, the first run gave %s", l.Row, l.MkabGUID, guids[l.Row])
		}
	}
	if st := mock.Stats(); st.DuplicatePersons != 0 || int(st.Created) != st.Cards {
		t.Fatalf("mock: %+v", st)
	}
}

func TestStateLostStillNoDuplicates(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	runWithState(t, url, filepath.Join(dir, "a.db"), "../../samples/patients.xlsx")
	created := mock.Stats().Created
	r := runWithState(t, url, filepath.Join(dir, "b.db"), "../../samples/patients.xlsx") // a lost state
	checkSample(t, r)
	if st := mock.Stats(); st.Created != created || st.DuplicatePersons != 0 || st.Updated == 0 {
		t.Fatalf("after losing the state: created %d (was %d), updated %d, duplicates %d", st.Created, created, st.Updated, st.DuplicatePersons)
	}
}

func TestStateSecondProcessIsRefused(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{Latency: 200 * time.Millisecond})
	stateFile := filepath.Join(t.TempDir(), "state.db")
	first, stderr1, dir1 := command(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--concurrency", "1", "--state", stateFile, "../../samples/patients.xlsx")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { finish(t, first, stderr1, dir1, first.Wait()) }()
	// The first run holds the state once it sends.
	deadline := time.Now().Add(10 * time.Second)
	for mock.Stats().Requests == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	second, stderr2, _ := command(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--state", stateFile, "../../samples/patients.xlsx")
	err := second.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(stderr2.String(), "in use") {
		t.Fatalf("second run on the same state: %v\n%s", err, stderr2)
	}
}

// kill -9 in the middle of a run, then run again: every row ends uploaded
// or unchanged, and МИП holds one card per patient.
func TestStateSurvivesKill9(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{Latency: 100 * time.Millisecond})
	stateFile := filepath.Join(t.TempDir(), "state.db")
	cmd, stderr, _ := command(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--concurrency", "2", "--state", stateFile, "../../samples/patients.xlsx")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for mock.Stats().Uploaded < 8 {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	_ = stderr
	before := mock.Stats()
	if before.Uploaded >= 23 {
		t.Fatalf("the run finished before the kill (%d uploaded)", before.Uploaded)
	}
	r := runWithState(t, url, stateFile, "../../samples/patients.xlsx")
	_, want := expected(t)
	for _, l := range r.lines {
		w := want[l.Row]
		if w == "uploaded" && l.Outcome != "uploaded" && l.Outcome != "unchanged" {
			t.Errorf("row %d: %s after the resume", l.Row, l.Outcome)
		}
	}
	st := mock.Stats()
	if st.DuplicatePersons != 0 || int(st.Created) != st.Cards || st.Cards != 23 {
		t.Fatalf("after kill -9 and resume: %+v", st)
	}
	// Rows already answered before the kill are not sent again, except the
	// last batch not yet committed (at most ~100 ms of answers) and those in flight.
	resent := st.Requests - before.Requests - int64(count(r, "uploaded")) - int64(count(r, "partial"))
	if unchanged := count(r, "unchanged"); unchanged == 0 {
		t.Fatalf("nothing was remembered from the killed run (resent %d)", resent)
	}
}

func TestHistoryCommands(t *testing.T) {
	_, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	r := runWithState(t, url, stateFile, "../../samples/patients.xlsx")
	var key string
	for _, l := range r.lines {
		if l.Outcome == "uploaded" {
			key = l.Key
			break
		}
	}
	hist := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binPath, append([]string{"history", "--state", stateFile}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("history %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := hist(); !strings.Contains(out, "patients.xlsx") || !strings.Contains(out, "uploaded 22") || !strings.Contains(out, "invalid 9") {
		t.Fatalf("history:\n%s", out)
	}
	if out := hist("run", "1"); !strings.Contains(out, "sha256") || !strings.Contains(out, "duplicate") || !strings.Contains(out, "СНИЛС") {
		t.Fatalf("history run 1:\n%s", out)
	}
	if out := hist("key", key); !strings.Contains(out, "uploaded") || !strings.Contains(out, "Uploaded") {
		t.Fatalf("history key %s:\n%s", key, out)
	}
	export := filepath.Join(dir, "rejected.xlsx")
	if out := hist("export", "1", "-o", export); !strings.Contains(out, "Строк запуска 1, не загруженных в МИП: 11 из 33 — записаны в "+export) {
		t.Fatalf("history export:\n%s", out)
	}
	if text := fileText(t, export); !strings.Contains(text, report.OutcomeTitle(importer.Invalid)) || strings.Contains(text, "Иванов") {
		t.Fatal("the export should list the rejected rows by key, without names")
	}
	// Its summary describes the whole run as recorded, not the rows listed.
	sum, _ := summarySheet(t, export)
	for label, want := range map[string]string{
		report.OutcomeTitle(importer.Uploaded): "22",
		report.OutcomeTitle(importer.Invalid):  "9",
		"Всего":                                "33",
		"Параллельность":                       "авто (до 64)", // the default; the limit it came to is not kept
		"Лист":                                 sampleSheet(t),
		"Файл сопоставления":                   "../../samples/mapping.yaml",
		"Входной файл":                         "../../samples/patients.xlsx",
	} {
		if sum[label] != want {
			t.Errorf("export summary: %s = %q, want %q", label, sum[label], want)
		}
	}
	if !slices.Contains(slices.Collect(maps.Values(sum)), url) {
		t.Errorf("export summary lacks the МИП address %s: %v", url, sum)
	}
	if !strings.Contains(fileText(t, export), "11 из 33") {
		t.Error("the export summary does not say the sheet lists 11 of the run's 33 rows")
	}
	all := filepath.Join(dir, "all.xlsx")
	if out := hist("export", "1", "--all", "-o", all); !strings.Contains(out, "Строк запуска 1: 33 — записаны в "+all) {
		t.Fatalf("history export --all:\n%s", out)
	}
	if sumAll, _ := summarySheet(t, all); sumAll["Всего"] != "33" || strings.Contains(fileText(t, all), "11 из 33") {
		t.Errorf("export --all summary: %v", sumAll)
	}
	if n, _ := strconv.Atoi(sum["Запросов к МИП"]); n < 23 {
		t.Errorf("export summary: %q requests, want those of the run", sum["Запросов к МИП"])
	}

	// Pruning: the run's rows go, its record and what re-runs need stay.
	if out, err := exec.Command(binPath, "history", "prune", "--state", stateFile).CombinedOutput(); err == nil || !strings.Contains(string(out), "keep-days") {
		t.Fatalf("prune without --keep-days: %v\n%s", err, out)
	}
	if out := hist("prune", "--keep-days", "1"); !strings.Contains(out, "deleted 0 rows of 0 run(s)") {
		t.Fatalf("prune --keep-days 1 of today's run:\n%s", out)
	}
	if out := hist("prune", "--keep-days", "0"); !strings.Contains(out, "deleted 33 rows of 1 run(s)") {
		t.Fatalf("prune --keep-days 0:\n%s", out)
	}
	if out := hist(); !strings.Contains(out, "uploaded 22") || !strings.Contains(out, "(rows pruned)") {
		t.Fatalf("history after pruning:\n%s", out)
	}
	if out := hist("run", "1"); !strings.Contains(out, "uploaded 22") || !strings.Contains(out, "deleted by history prune") || strings.Contains(out, "СНИЛС") {
		t.Fatalf("history run 1 after pruning:\n%s", out)
	}
	if out, err := exec.Command(binPath, "history", "--state", stateFile, "export", "1", "-o", export+"2").CombinedOutput(); err == nil || !strings.Contains(lastLine(string(out)), "строки запуска 1 удалены командой history prune") {
		t.Fatalf("export of a pruned run: %v\n%s", err, out)
	}
	again := runWithState(t, url, stateFile, "../../samples/patients.xlsx")
	if n, up := count(again, "unchanged"), count(again, "uploaded"); n != 22 || up != 0 {
		t.Fatalf("a re-run after pruning: %d unchanged, %d uploaded; want the 22 uploaded rows unchanged", n, up)
	}
}

// sampleSheet is the name of the bundled sample's first sheet.
func sampleSheet(t *testing.T) string {
	t.Helper()
	f, err := excelize.OpenFile("../../samples/patients.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.GetSheetName(0)
}
