package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"mipimport/importer"
	"mipimport/mapping"
	"mipimport/mip/pace"
	"mipimport/report"
)

// sinks are the result files of a run, opened before anything is sent so
// that an unwritable path stops the run before the first request.
type sinks struct {
	xlsx      *report.XLSX
	jsonl     *report.JSONL
	fix       *report.FixFile
	xlsxPath  string
	jsonlPath string
	fixPath   string
	fixRows   int
	dryRun    bool
}

func openSinks(f importFlags, input string, src *mapping.Source, m *mapping.Mapping, conc concurrency, lim *pace.Limiter) (*sinks, error) {
	s := &sinks{xlsxPath: f.report, jsonlPath: f.results, fixPath: f.fix}
	if s.xlsxPath == "" {
		s.xlsxPath = report.DefaultReportPath(input)
	}
	if s.fixPath == "" {
		s.fixPath = report.DefaultFixPath(input)
	}
	meta := report.Meta{
		Input: input, Sheet: src.Table.Sheet(), Mapping: m.File,
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
	if s.xlsx, err = report.NewXLSX(s.xlsxPath, src.Header.Titles, meta); err != nil {
		return nil, err
	}
	if s.fix, err = report.NewFixFile(s.fixPath, src.Header.Titles); err != nil {
		s.xlsx.Close(importer.Summary{Aborted: err}) // releases its temporary files
		return nil, err
	}
	if s.jsonlPath != "" {
		if s.jsonl, err = report.NewJSONL(s.jsonlPath); err != nil {
			s.xlsx.Close(importer.Summary{Aborted: err})
			s.fix.Close()
			return nil, err
		}
	}
	s.dryRun = f.dryRun
	return s, nil
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

func (s *sinks) close(sum importer.Summary) error {
	errs := []error{s.xlsx.Close(sum)}
	var err error
	s.fixRows, err = s.fix.Close()
	if errors.Is(err, report.ErrFixFileFull) {
		err = nil // the file holds what fits; the report lists every row
	}
	errs = append(errs, err)
	if s.fixRows == 0 {
		// A to-fix file left by an earlier run would send the clerk to fix
		// rows that went through this time.
		if rmErr := os.Remove(s.fixPath); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			errs = append(errs, rmErr)
		}
	}
	if s.jsonl != nil {
		errs = append(errs, s.jsonl.Close())
	}
	return errors.Join(errs...)
}

// newLogger builds the run's logger: console or JSON, to stderr or a file.
func newLogger(format, file, level string) (*zap.Logger, func(), error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
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
		return nil, nil, fmt.Errorf("--log-format %q: want console or json", format)
	}
	var out zapcore.WriteSyncer = zapcore.Lock(os.Stderr)
	closeFn := func() {}
	if file != "" {
		fh, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("--log-file: %w", err)
		}
		out = zapcore.Lock(fh)
		closeFn = func() { fh.Close() }
	}
	log := zap.New(zapcore.NewCore(encoder, out, lvl))
	return log, func() { _ = log.Sync(); closeFn() }, nil
}

// progress shows how far the run is: a bar on a terminal, or a log line
// every few seconds when stderr is not a terminal (cron, systemd).
type progress struct {
	done, failed atomic.Int64
	limit        func() int // the adaptive concurrency limit now; nil: fixed
	bar          *progressbar.ProgressBar
	stop         chan struct{}
	finished     chan struct{}
}

const progressEvery = 10 * time.Second

func newProgress(enabled bool, log *zap.Logger, limit func() int) *progress {
	p := &progress{stop: make(chan struct{}), finished: make(chan struct{}), limit: limit}
	if enabled && term.IsTerminal(int(os.Stderr.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("строк обработано"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("строк"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		close(p.finished)
		return p
	}
	start := time.Now()
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
	if p.bar != nil {
		desc := fmt.Sprintf("строк обработано (не загружено: %d)", p.failed.Load())
		if p.limit != nil {
			desc += fmt.Sprintf(", параллельно: %d", p.limit())
		}
		p.bar.Describe(desc)
		_ = p.bar.Add(1)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	close(p.stop)
	<-p.finished
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
	log.Info("run finished", fields...)
}

// printSummary writes the table a person reads at the end of a run.
func printSummary(w io.Writer, sum importer.Summary, s *sinks) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nИтог\tстрок")
	for _, o := range importer.Outcomes {
		if n := sum.Counts[o]; n > 0 {
			title := report.OutcomeTitle(o)
			if s.dryRun && o == importer.NotSent {
				title = "Прошли проверку, были бы отправлены"
			}
			fmt.Fprintf(tw, "%s (%s)\t%d\n", title, o, n)
		}
	}
	fmt.Fprintf(tw, "Всего\t%d\n", sum.Rows)
	tw.Flush()
	d := sum.End.Sub(sum.Start)
	fmt.Fprintf(w, "Время: %s", d.Round(time.Millisecond))
	if d > 0 {
		fmt.Fprintf(w, ", %.0f строк/с", float64(sum.Rows)/d.Seconds())
	}
	fmt.Fprintln(w)
	if sum.Aborted != nil {
		fmt.Fprintf(w, "Запуск остановлен: %v\n", sum.Aborted)
	}
	fmt.Fprintf(w, "Отчёт: %s\n", s.xlsxPath)
	if s.jsonlPath != "" {
		fmt.Fprintf(w, "Результаты (JSON Lines): %s\n", s.jsonlPath)
	}
	if s.fixRows > 0 {
		fmt.Fprintf(w, "Строки для исправления (%d): %s\n", s.fixRows, s.fixPath)
	}
}
