package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"mipimport/importer"
	"mipimport/mapping"
	"mipimport/mapping/reader"
	"mipimport/mip/pace"
	"mipimport/report"
)

// sinks are the result files of a run, opened before anything is sent so
// that an unwritable path stops the run before the first request.
//
// The report and the fix file are written under names that carry the run's
// start time (patients.result-2026-12-07T2130.xlsx) and take the usual
// names (patients.result.xlsx) only when the run completes: so the usual
// names always hold the last complete run, and a run that ends early (МИП
// unreachable, a wrong password, Ctrl+C, --max-duration) leaves them as
// they were and keeps its own files beside them. The JSON Lines file, for
// machines, is written where --results says, row by row, whatever the end.
type sinks struct {
	xlsx  *report.XLSX
	jsonl *report.JSONL
	fix   *report.FixFile

	xlsxPath, fixPath string // the usual names: the last complete run's files
	xlsxRun, fixRun   string // this run's files while it goes
	jsonlPath         string
	fixRows           int
	dryRun            bool

	// After close: where this run's files are, and why not under the usual
	// names.
	xlsxOut, fixOut string
	early           bool     // the run ended early
	kept            []string // usual files an early run left as they were
	busy            []string // usual files that could not be replaced (open in Excel?)
}

func openSinks(f importFlags, input string, src *mapping.Source, m *mapping.Mapping, start time.Time, conc concurrency, lim *pace.Limiter) (*sinks, error) {
	s := &sinks{xlsxPath: f.report, jsonlPath: f.results, fixPath: f.fix}
	if s.xlsxPath == "" {
		s.xlsxPath = report.DefaultReportPath(input)
	}
	if s.fixPath == "" {
		s.fixPath = report.DefaultFixPath(input)
	}
	s.xlsxRun, s.fixRun = runNames(start, s.xlsxPath, s.fixPath)
	meta := report.Meta{
		Input: input, Sheet: src.Table.Sheet(), Mapping: mappingLabel(m.File),
		URL: redact(f.url), Concurrency: conc.n, Rate: f.rate,
		DryRun: f.dryRun, Version: version,
	}
	if conc.auto {
		meta.ConcurrencyAuto = func() (int, int) {
			if lim == nil { // a dry run sends nothing
				return 0, 0
			}
			st := lim.Stats()
			return st.Limit, st.MaxLimit
		}
	}
	var err error
	if s.xlsx, err = report.NewXLSX(s.xlsxRun, src.Header.Titles, meta); err != nil {
		return nil, err
	}
	if s.fix, err = report.NewFixFile(s.fixRun, src.Header.Titles); err != nil {
		s.xlsx.Close(importer.Summary{Aborted: err}) // releases its temporary files
		os.Remove(s.xlsxRun)
		return nil, err
	}
	if s.jsonlPath != "" {
		if s.jsonl, err = report.NewJSONL(s.jsonlPath); err != nil {
			s.xlsx.Close(importer.Summary{Aborted: err})
			os.Remove(s.xlsxRun)
			s.fix.Close()
			return nil, err
		}
	}
	s.dryRun = f.dryRun
	return s, nil
}

// mappingLabel is how the report names the mapping: its file, or in words
// that it was guessed from the header.
func mappingLabel(file string) string {
	if file == guessedMapping {
		return "не указан — подобрано по заголовкам столбцов"
	}
	return file
}

// stampLayouts name a run's files by its start time, in local time and
// without the colons Windows forbids in names: by the minute, or by the
// second when two runs start within a minute.
var stampLayouts = []string{"2006-01-02T1504", "2006-01-02T150405"}

// runNames are the names of this run's report and fix file while it goes:
// the usual names with the start time before the extension, taken by no
// file yet.
func runNames(start time.Time, paths ...string) (string, string) {
	for i := 0; ; i++ {
		stamp := start.Format(stampLayouts[min(i, len(stampLayouts)-1)])
		if i >= len(stampLayouts) {
			stamp += "-" + strconv.Itoa(i-len(stampLayouts)+2)
		}
		out := make([]string, len(paths))
		free := true
		for j, p := range paths {
			out[j] = stamped(p, stamp)
			if _, err := os.Lstat(out[j]); err == nil {
				free = false
			}
		}
		if free {
			return out[0], out[1]
		}
	}
}

// stamped puts "-stamp" before path's extension.
func stamped(path, stamp string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + stamp + ext
}

// discard closes the files of a run that did not start, leaving no file
// behind but the JSON Lines one (truncated when it was opened).
func (s *sinks) discard() {
	s.xlsx.Close(importer.Summary{})
	os.Remove(s.xlsxRun)
	s.fix.Close() // no rows: it writes nothing
	if s.jsonl != nil {
		s.jsonl.Close()
	}
}

// fixSink feeds the fix file; in a dry run the rows that would have been
// sent are not rows to fix.
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

func (s *sinks) list() []importer.Sink {
	out := []importer.Sink{s.xlsx, fixSink{s.fix, s.dryRun}}
	if s.jsonl != nil {
		out = append(out, s.jsonl)
	}
	return out
}

// close writes the files. A complete run's report and fix file take the
// usual names; an early one's keep the names with its start time.
func (s *sinks) close(sum importer.Summary, complete bool) error {
	xerr := s.xlsx.Close(sum)
	errs := []error{xerr}
	var err error
	s.fixRows, err = s.fix.Close()
	if errors.Is(err, report.ErrFixFileFull) {
		err = nil // the file holds what fits; the report lists every row
	}
	errs = append(errs, err)
	if s.jsonl != nil {
		errs = append(errs, s.jsonl.Close())
	}
	if xerr == nil {
		s.xlsxOut = s.xlsxRun
	}
	if s.fixRows > 0 && err == nil {
		s.fixOut = s.fixRun
	}
	if !complete {
		s.early = true
		for _, p := range []string{s.xlsxPath, s.fixPath} {
			if _, err := os.Stat(p); err == nil {
				s.kept = append(s.kept, p)
			}
		}
		return errors.Join(errs...)
	}
	if s.xlsxOut != "" {
		s.xlsxOut = s.promote(s.xlsxRun, s.xlsxPath)
	}
	switch {
	case s.fixOut != "":
		s.fixOut = s.promote(s.fixRun, s.fixPath)
	case s.fixRows == 0:
		// A fix file left by an earlier run would send the clerk to fix
		// rows that went through this time.
		if rmErr := os.Remove(s.fixPath); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			s.busy = append(s.busy, s.fixPath)
		}
	}
	return errors.Join(errs...)
}

// promote renames a complete run's file to its usual name and returns
// where it is. On Windows a file open in Excel cannot be replaced: then the
// run's file keeps its own name and the clerk is told.
func (s *sinks) promote(from, to string) string {
	if err := os.Rename(from, to); err != nil {
		s.busy = append(s.busy, to)
		return from
	}
	return to
}

// console is stderr, shared by the log and the progress line. On a
// terminal the progress line is drawn in place: a carriage return, the
// text, and spaces over what is left of the previous one (no escape codes,
// which an old Windows console prints as text). A log line first wipes the
// progress line; the progress line is drawn again under it. When stderr is
// not a terminal, writes pass through.
type console struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	cols     func() int // the terminal's width; 0 when unknown
	line     string     // the progress line on screen; "" when none
	width    int        // its width in columns
}

func newConsole(f *os.File) *console {
	fd := int(f.Fd())
	return &console{w: f, terminal: term.IsTerminal(fd), cols: func() int {
		w, _, err := term.GetSize(fd)
		if err != nil {
			return 0
		}
		return w
	}}
}

// Write writes log output, around the progress line.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line == "" {
		return c.w.Write(p)
	}
	c.wipe()
	n, err := c.w.Write(p)
	c.draw(c.line)
	return n, err
}

// Sync is for zap: the writes are not buffered.
func (c *console) Sync() error { return nil }

// show draws the progress line in place of the previous one. It is cut to
// the terminal's width: a line that wrapped could not be drawn over.
func (c *console) show(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cols := c.cols(); cols > 1 && utf8.RuneCountInString(line) > cols-1 {
		r := []rune(line)
		line = string(r[:cols-2]) + "…"
	}
	c.draw(line)
}

// clear wipes the progress line for good.
func (c *console) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line != "" {
		c.wipe()
		c.line = ""
	}
}

func (c *console) draw(line string) {
	w := utf8.RuneCountInString(line)
	pad := ""
	if w < c.width {
		pad = strings.Repeat(" ", c.width-w)
	}
	io.WriteString(c.w, "\r"+line+pad)
	c.line, c.width = line, w
}

func (c *console) wipe() {
	io.WriteString(c.w, "\r"+strings.Repeat(" ", c.width)+"\r")
	c.width = 0
}

// newLogger builds the run's logger: console or JSON, to stderr (through
// con, around the progress line) or to a file.
func newLogger(format, file, level string, con *console) (*zap.Logger, func(), error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, nil, failSay(fmt.Errorf("--log-level %q: want debug, info, warn or error", level),
			"неверное значение --log-level «%s»: допустимы debug, info, warn, error", level)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder
	switch format {
	case "console":
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	case "json":
		encoder = zapcore.NewJSONEncoder(enc)
	default:
		return nil, nil, failSay(fmt.Errorf("--log-format %q: want console or json", format),
			"неверное значение --log-format «%s»: допустимы console, json", format)
	}
	var out zapcore.WriteSyncer = con
	closeFn := func() {}
	if file != "" {
		fh, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, failSay(err, "не удалось открыть файл журнала %s (--log-file): %s", file, sayOutput(err))
		}
		out = zapcore.Lock(fh)
		closeFn = func() { fh.Close() }
	}
	log := zap.New(zapcore.NewCore(encoder, out, lvl))
	return log, func() { _ = log.Sync(); closeFn() }, nil
}

// progress shows how far the run is: a line drawn in place on a terminal,
// or a log line every few seconds when stderr is not a terminal (cron,
// systemd). It is fed by the importer's results and never slows them: a
// result only counts; the line is drawn by a ticker.
type progress struct {
	done, failed atomic.Int64
	total        atomic.Int64 // data rows in the input; 0 until counted
	limit        func() int   // the adaptive concurrency limit now; nil: fixed
	con          *console     // nil: no line drawn
	cancel       context.CancelFunc
	stop         chan struct{}
	finished     chan struct{}
}

const (
	progressEvery = 10 * time.Second       // log lines
	drawEvery     = 250 * time.Millisecond // the terminal's line
	rateWindow    = 40                     // draws the rate is taken over (10 s)
)

// newProgress starts the progress display. count, when the line is drawn,
// counts the input's data rows in the background for the remaining time;
// it gives up when its context is cancelled. limit, when not nil, is the
// adaptive concurrency limit, shown too.
func newProgress(enabled bool, con *console, log *zap.Logger, count func(context.Context) (int64, bool), limit func() int) *progress {
	p := &progress{stop: make(chan struct{}), finished: make(chan struct{}), cancel: func() {}, limit: limit}
	start := time.Now()
	if enabled && con.terminal {
		p.con = con
		var ctx context.Context
		ctx, p.cancel = context.WithCancel(context.Background())
		if count != nil {
			go func() {
				if n, ok := count(ctx); ok {
					p.total.Store(n)
				}
			}()
		}
		go func() {
			defer close(p.finished)
			t := time.NewTicker(drawEvery)
			defer t.Stop()
			var rate rateMeter
			for {
				select {
				case <-p.stop:
					con.clear()
					return
				case now := <-t.C:
					done := p.done.Load()
					line := progressLine(done, p.failed.Load(), p.total.Load(), rate.add(now, done))
					if p.limit != nil {
						line += fmt.Sprintf(" · параллельно: %d", p.limit())
					}
					con.show(line)
				}
			}
		}()
		return p
	}
	go func() {
		defer close(p.finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				n := p.done.Load()
				fields := []zap.Field{zap.Int64("rows", n), zap.Int64("notOK", p.failed.Load()),
					zap.Float64("rowsPerSecond", float64(n)/time.Since(start).Seconds())}
				if p.limit != nil {
					fields = append(fields, zap.Int("concurrency", p.limit()))
				}
				log.Info("progress", fields...)
			}
		}
	}()
	return p
}

func (p *progress) add(r importer.Result) {
	p.done.Add(1)
	if !r.Outcome.OK() {
		p.failed.Add(1)
	}
}

// finish stops the display; the line is wiped before the summary.
func (p *progress) finish() {
	p.cancel()
	close(p.stop)
	<-p.finished
}

// rateMeter is the recent rate: rows per second over the last rateWindow
// samples, so a pause shows within seconds.
type rateMeter struct {
	at   [rateWindow]time.Time
	rows [rateWindow]int64
	n    int
}

func (m *rateMeter) add(now time.Time, rows int64) float64 {
	i := m.n % rateWindow
	oldest := 0
	if m.n >= rateWindow {
		oldest = i // the slot about to be overwritten
	}
	t0, r0 := m.at[oldest], m.rows[oldest]
	m.at[i], m.rows[i] = now, rows
	m.n++
	if m.n == 1 {
		return 0
	}
	if d := now.Sub(t0).Seconds(); d > 0 {
		return float64(rows-r0) / d
	}
	return 0
}

// progressLine is the terminal's progress line, in Russian: rows done (of
// how many, when counted), the rows that did not go through, the time left
// and the recent rate — in the order a narrow window keeps them, as the
// line is cut at its width.
func progressLine(done, failed, total int64, rate float64) string {
	var b strings.Builder
	if total > 0 && done <= total {
		const width = 10
		fill := int(done * width / total)
		fmt.Fprintf(&b, "[%s%s] %3d%%  строк: %s из %s", strings.Repeat("#", fill), strings.Repeat("-", width-fill),
			done*100/total, groupDigits(done), groupDigits(total))
	} else {
		fmt.Fprintf(&b, "строк: %s", groupDigits(done))
	}
	if failed > 0 {
		fmt.Fprintf(&b, " · не загружено: %s", groupDigits(failed))
	}
	if rate <= 0 {
		return b.String()
	}
	if total > done {
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		if left < 5*time.Second {
			b.WriteString(" · осталось несколько секунд")
		} else {
			fmt.Fprintf(&b, " · осталось %s", ruDuration(roughly(left)))
		}
	}
	if rate < 10 {
		fmt.Fprintf(&b, " · %s строк/с", strings.Replace(strconv.FormatFloat(rate, 'f', 1, 64), ".", ",", 1))
	} else {
		fmt.Fprintf(&b, " · %s строк/с", groupDigits(int64(rate+0.5)))
	}
	return b.String()
}

// roughly rounds a time left to what can be promised: whole minutes past
// ten minutes, tens of seconds past a minute.
func roughly(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Minute:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(10 * time.Second)
	}
	return d.Round(time.Second)
}

// groupDigits writes n with its thousands apart: 1 234 567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// countLimit bounds the .xlsx counted for the remaining time: a second
// reader holds its own shared strings table, and a workbook past this is
// read for minutes while the import also reads it.
const countLimit = 64 << 20

// countRows counts the input's data rows (the non-blank rows below the
// header) with a reader of its own, for the time left. Not for an .xls
// that LibreOffice converted (a second conversion), nor an .xlsx past
// countLimit.
func countRows(ctx context.Context, input string, m *mapping.Mapping, src *mapping.Source) (int64, bool) {
	if src.ConvertedBy != "" {
		return 0, false
	}
	st, err := os.Stat(input)
	if err != nil {
		return 0, false
	}
	if ext := strings.ToLower(filepath.Ext(input)); (ext == ".xlsx" || ext == ".xlsm") && st.Size() > countLimit {
		return 0, false
	}
	t, err := reader.Open(input, reader.ReadOptions{Sheet: src.Table.Sheet(), Encoding: m.Encoding, Delimiter: m.Delimiter})
	if err != nil {
		return 0, false
	}
	defer t.Close()
	var n int64
	for i := 0; ; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return 0, false
		}
		line, cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		if line > src.Header.Line && !blankRow(cells) {
			n++
		}
	}
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func logSummary(log *zap.Logger, sum importer.Summary) {
	fields := []zap.Field{
		zap.Int("rows", sum.Rows), zap.Int("requests", sum.Requests),
		zap.Duration("duration", sum.End.Sub(sum.Start)),
	}
	for _, o := range importer.Outcomes {
		fields = append(fields, zap.Int(string(o), sum.Counts[o]))
	}
	if sum.Aborted != nil {
		fields = append(fields, zap.String("aborted", sum.Aborted.Error()))
	}
	if len(sum.Skipped) > 0 {
		rows := make([]int, len(sum.Skipped))
		for i, s := range sum.Skipped {
			rows[i] = s.Row
		}
		fields = append(fields, zap.Ints("skippedRows", rows))
	}
	log.Info("run finished", fields...)
}

// printSummary writes, in Russian, what a person reads at the end of a
// run: the counts, the time, why it stopped early, where the files are.
// sum.Aborted, when set, says why in Russian.
func printSummary(w io.Writer, sum importer.Summary, s *sinks) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nИтог\tстрок")
	for _, o := range importer.Outcomes {
		if n := sum.Counts[o]; n > 0 {
			title := report.OutcomeTitle(o)
			if s.dryRun && o == importer.NotSent {
				title = "Прошли проверку, были бы отправлены"
			}
			fmt.Fprintf(tw, "%s\t%d\n", title, n)
		}
	}
	fmt.Fprintf(tw, "Всего\t%d\n", sum.Rows)
	tw.Flush()
	if len(sum.Skipped) > 0 {
		fmt.Fprintf(w, "Пропущены строки (не пациенты): %s\n", report.SkippedList(sum.Skipped))
	}
	d := sum.End.Sub(sum.Start)
	fmt.Fprintf(w, "Время: %s", ruElapsed(d))
	if d > 0 {
		fmt.Fprintf(w, ", %s строк/с", groupDigits(int64(float64(sum.Rows)/d.Seconds()+0.5)))
	}
	fmt.Fprintln(w)
	if sum.Aborted != nil {
		fmt.Fprintf(w, "Запуск прерван: %v\n", sum.Aborted)
	}
	report := "Отчёт"
	if s.early {
		report = "Отчёт этого запуска"
	}
	if s.xlsxOut != "" {
		fmt.Fprintf(w, "%s: %s\n", report, s.xlsxOut)
	}
	if s.jsonlPath != "" {
		fmt.Fprintf(w, "Результаты (JSON Lines): %s\n", s.jsonlPath)
	}
	if s.fixOut != "" {
		fmt.Fprintf(w, "Строки для исправления (%d): %s\n", s.fixRows, s.fixOut)
	}
	if s.early {
		fmt.Fprint(w, "Запуск не завершён, поэтому его файлы названы по времени начала")
		if len(s.kept) > 0 {
			fmt.Fprintf(w, "; %s не изменены — в них итоги последнего завершённого запуска", strings.Join(baseNames(s.kept), " и "))
		}
		fmt.Fprintln(w, ".")
	}
	for _, p := range s.busy {
		fmt.Fprintf(w, "Файл %s открыт в другой программе (Excel?) и остался прежним; закройте его — итоги этого запуска в файлах, названных выше.\n", p)
	}
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// ruElapsed is a run's duration: «0,03 с» under a second, «12,5 с» under a
// minute, else «3 мин 20 с».
func ruElapsed(d time.Duration) string {
	digits := 1
	if d < time.Second {
		digits = 2
	}
	if d < time.Minute {
		return strings.Replace(strconv.FormatFloat(d.Seconds(), 'f', digits, 64), ".", ",", 1) + " с"
	}
	return ruDuration(d)
}
