package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"mipimport/importer"
	"mipimport/importer/state"
	"mipimport/mapping"
	"mipimport/mapping/reader"
	"mipimport/mip"
	"mipimport/mip/pace"
)

type importFlags struct {
	url, user, passwordFile string
	insecureHTTP            bool
	caFile                  string
	logLevel                string
	mapping, sheet          string
	concurrency             string
	rate                    float64
	timeout                 time.Duration
	retries                 int
	report, results, fix    string
	logFormat, logFile      string
	noProgress, dryRun      bool
	maxDuration             time.Duration
	state                   string
	noState, force          bool
	waitLock                bool
	cpuProfile              string
}

func newImportCmd() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import [flags] INPUT",
		Short: "Read, map, validate and send every row of INPUT (.xlsx or .csv), then write the results",
		Long: `Read, map, validate and send every row of INPUT (.xlsx or .csv) to МИП, then write
a result spreadsheet (every row with its outcome, GUIDs and messages) and, with
--results, a JSON Lines file for machines.

The password is read from the MIP_PASSWORD environment variable or from
--password-file; it is never accepted as a flag value.

Requests go through Go's standard HTTP client: HTTPS_PROXY, HTTP_PROXY and
NO_PROXY apply, and HTTP/2 is used when МИП offers it.

Exit codes: 0 every row uploaded or unchanged; 1 the run finished but some rows
did not; 2 nothing could be done or the run was aborted (bad flags or mapping,
unreadable input, bad credentials, МИП unreachable); 130 interrupted (results
are still written for every row).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Read at run time, not as flag defaults: --help must not print
			// whatever the environment holds.
			if f.url == "" {
				f.url = os.Getenv("MIP_URL")
			}
			if f.user == "" {
				f.user = os.Getenv("MIP_USER")
			}
			return runImport(cmd.Context(), f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "МИП base URL; POST goes to URL/patients (default: env MIP_URL)")
	fl.StringVar(&f.user, "user", "", "МИП login (default: env MIP_USER)")
	fl.StringVar(&f.passwordFile, "password-file", "", "file holding the МИП password (mode 0600); default: env MIP_PASSWORD")
	fl.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow plain http:// to a host other than loopback")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM file of the certificate authority that signed МИП's certificate (a regional private CA)")
	fl.StringVar(&f.mapping, "mapping", "", "mapping file (YAML); default: guessed from the header row, as 'mipimport mapping init' prints it")
	fl.StringVar(&f.sheet, "sheet", "", "xlsx sheet to read (default: the mapping's, else the first visible sheet)")
	fl.StringVar(&f.concurrency, "concurrency", "auto", "requests in flight at most: auto (find what МИП sustains, up to 64; back off on 503, 429 and timeouts) or a fixed number")
	fl.Float64Var(&f.rate, "rate", 0, "requests per second at most, retries included (0 = unlimited)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit of one request attempt")
	fl.IntVar(&f.retries, "retries", 5, "extra attempts after a timeout, dropped connection, 5xx or 429")
	fl.StringVar(&f.report, "report", "", "result spreadsheet (default: INPUT_NAME.result.xlsx next to the input)")
	fl.StringVar(&f.results, "results", "", "also write one JSON object per row to this JSON Lines file")
	fl.StringVar(&f.fix, "fix-file", "", "spreadsheet of the rows that need fixing, in the input's own columns (default: INPUT_NAME.to-fix.xlsx)")
	fl.StringVar(&f.logFormat, "log-format", "console", "log format: console or json")
	fl.StringVar(&f.logFile, "log-file", "", "append the log to this file instead of stderr")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error (no level logs personal data)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fl.BoolVar(&f.dryRun, "dry-run", false, "do everything but send: read, map, validate and write the results")
	fl.DurationVar(&f.maxDuration, "max-duration", 0, "stop taking new rows after this long; every row still gets a result (0 = no limit)")
	fl.StringVar(&f.state, "state", state.DefaultPath(), "state file: what was uploaded (GUIDs, payload hashes) and the history of every run")
	fl.BoolVar(&f.noState, "no-state", false, "use no state file: every valid row is sent (GUIDs still come from the keys)")
	fl.BoolVar(&f.force, "force", false, "send rows the state says are unchanged")
	fl.BoolVar(&f.waitLock, "wait-lock", false, "wait for another run holding the state file instead of refusing")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof); it holds no personal data")
	return cmd
}

// errInterrupted is the cause of a run stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted by a signal")

func runImport(ctx context.Context, f importFlags, input string) error {
	log, closeLog, err := newLogger(f.logFormat, f.logFile, f.logLevel)
	if err != nil {
		return fatal("%w", err)
	}
	defer closeLog()
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return fatal("%w", err)
		}
		defer stop(log)
	}
	conc, err := parseConcurrency(f.concurrency)
	if err != nil {
		return fatal("%w", err)
	}
	if f.rate < 0 || f.retries < 0 || f.timeout <= 0 {
		return fatal("--rate and --retries must not be negative, --timeout must be positive")
	}

	var client *mip.Client
	var lim *pace.Limiter
	if !f.dryRun {
		if conc.auto {
			lim = pace.New(pace.Config{Max: conc.n, OnChange: logLimit(log)})
		}
		if client, err = newClient(f, conc.n, lim); err != nil {
			return fatal("%w", err)
		}
	}
	m, err := loadMapping(f, input, log)
	if err != nil {
		return fatal("%w", err)
	}
	src, err := mapping.OpenSource(input, m, mapping.SourceOptions{})
	if err != nil {
		return fatal("%w", err)
	}
	defer src.Close()
	if src.ConvertedBy != "" {
		log.Info("input converted to .xlsx with LibreOffice", zap.String("file", input), zap.String("libreoffice", src.ConvertedBy))
	}
	log.Info("input opened", zap.String("file", input), zap.String("sheet", src.Table.Sheet()),
		zap.Int("headerRow", src.Header.Line), zap.Int("columns", len(src.Header.Titles)))

	sinks, err := openSinks(f, input, src, m, conc, lim)
	if err != nil {
		return fatal("%w", err)
	}
	run, closeState, err := openState(f, conc, input, log)
	if err != nil {
		sinks.close(importer.Summary{Aborted: err})
		return fatal("%w", err)
	}
	defer closeState()

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopSignals := onSignals(cancel, log)
	defer stopSignals()
	if f.maxDuration > 0 {
		var cancelTimeout context.CancelFunc
		runCtx, cancelTimeout = context.WithTimeoutCause(runCtx, f.maxDuration, fmt.Errorf("--max-duration %s reached: %w", f.maxDuration, context.DeadlineExceeded))
		defer cancelTimeout()
	}

	var limit func() int // the progress shows it in auto mode
	if lim != nil {
		limit = lim.Limit
	}
	prog := newProgress(!f.noProgress, log, limit)
	cfg := importer.Config{
		// In auto mode the pool holds up to the cap of rows in flight and
		// the limiter, in the client, decides how many are sent at once.
		Concurrency: conc.n,
		DryRun:      f.dryRun,
		Force:       f.force,
		Grace:       f.timeout,
		Log:         log,
		OnResult:    prog.add,
	}
	var sender importer.Sender // stays nil in a dry run: nothing is sent
	if client != nil {
		sender = client
	}
	log.Info("run started", zap.String("input", input), zap.String("url", redact(f.url)),
		zap.String("concurrency", conc.String()), zap.Float64("rate", f.rate), zap.Bool("dryRun", f.dryRun))
	if run != nil {
		cfg.State = run
	}
	sum, runErr := importer.Import(runCtx, cfg, itemSource{src}, sender, sinks.list()...)
	prog.finish()
	if lim != nil {
		st := lim.Stats()
		log.Info("adaptive concurrency at the end", zap.Int("limit", st.Limit), zap.Int("maxLimit", st.MaxLimit),
			zap.Int("cap", conc.n), zap.Int64("backoffs", st.Backoffs), zap.Int64("pauses", st.Pauses))
	}
	// The state's end of run (merging a million rows takes seconds) and
	// saving the result files (compressing them, as long) are independent:
	// do them side by side.
	finished := make(chan error, 1)
	if run != nil {
		go func() { finished <- run.Finish(sum) }()
	} else {
		finished <- nil
	}
	closeErr := sinks.close(sum)
	if err := <-finished; err != nil {
		log.Error("recording the run in the state failed", zap.Error(err))
		runErr = errors.Join(runErr, err)
	}
	logSummary(log, sum)
	printSummary(os.Stderr, sum, sinks)
	if runErr != nil {
		return fatal("%w", runErr)
	}
	if closeErr != nil {
		return fatal("writing the results: %w", closeErr)
	}
	return exitFor(sum, f.dryRun)
}

// openState opens the state file and begins a run in it; nil without one.
func openState(f importFlags, conc concurrency, input string, log *zap.Logger) (*state.Session, func(), error) {
	if f.noState {
		log.Warn("no state file: unchanged rows are sent again (GUIDs still come from the keys, so no card is created twice)")
		return nil, func() {}, nil
	}
	if f.state == "" {
		return nil, nil, errors.New("--state is empty; use --no-state to run without one")
	}
	hash, err := fileHash(input)
	if err != nil {
		return nil, nil, err
	}
	store, err := state.Open(f.state, state.Options{Wait: f.waitLock, OnWait: func(pid int) {
		log.Info("waiting for another mipimport run to release the state file (--wait-lock)",
			zap.String("state", f.state), zap.Int("pid", pid))
	}})
	if err != nil {
		return nil, nil, err
	}
	settings, _ := json.Marshal(map[string]any{
		"mapping": f.mapping, "sheet": f.sheet, "concurrency": conc.setting(), "rate": f.rate,
		"timeout": f.timeout.String(), "retries": f.retries, "dryRun": f.dryRun, "force": f.force,
		"maxDuration": f.maxDuration.String(), "version": version,
	})
	target := redact(f.url)
	if f.dryRun && f.url == "" {
		target = "dry-run"
	}
	run, err := store.BeginRun(state.RunInfo{Target: target, Input: input, InputHash: hash, Settings: string(settings), DryRun: f.dryRun})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	log.Info("state opened", zap.String("file", f.state), zap.Int64("run", run.ID()))
	return run, func() {
		if err := store.Close(); err != nil {
			log.Error("closing the state file failed", zap.Error(err))
		}
	}, nil
}

// fileHash is the hex SHA-256 of a file, recorded with each run so an
// auditor can tell which export a run read.
func fileHash(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// exitFor maps a finished run to the exit codes of SPEC §4.
func exitFor(sum importer.Summary, dryRun bool) error {
	switch {
	case errors.Is(sum.Aborted, mip.ErrUnauthorized):
		return fatal("МИП rejected the login or password: the run was stopped after the first answer")
	case errors.Is(sum.Aborted, mip.ErrUnreachable):
		return fatal("%v: the run was stopped", sum.Aborted)
	case errors.Is(sum.Aborted, errInterrupted):
		return &exitError{code: 130, err: errInterrupted}
	case sum.Aborted != nil && !errors.Is(sum.Aborted, context.DeadlineExceeded):
		return fatal("the run was aborted: %v", sum.Aborted)
	}
	for _, o := range importer.Outcomes {
		if sum.Counts[o] == 0 || o.OK() || (dryRun && o == importer.NotSent) {
			continue
		}
		return &exitError{code: 1, err: fmt.Errorf("some rows were not imported; see the report")}
	}
	return nil
}

// newClient builds the МИП client: its connection pool sized for conc
// requests, held to lim when it is not nil (--concurrency auto).
func newClient(f importFlags, conc int, lim *pace.Limiter) (*mip.Client, error) {
	if f.url == "" {
		return nil, errors.New("no МИП URL: set --url or MIP_URL (or use --dry-run)")
	}
	u, err := url.Parse(f.url)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--url %q: want http(s)://host[:port]/path", redact(f.url))
	}
	if u.User != nil {
		return nil, errors.New("--url must not contain a login or password; use --user and MIP_PASSWORD")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && !f.insecureHTTP {
		return nil, fmt.Errorf("--url %s sends patient data and the password unencrypted; use https://, or --insecure-http if you really mean it", f.url)
	}
	if f.user == "" {
		return nil, errors.New("no МИП login: set --user or MIP_USER")
	}
	pass, err := readPassword(f.passwordFile)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", f.caFile)
		}
	}
	return mip.NewClient(mip.Config{
		BaseURL:     f.url,
		User:        f.user,
		Password:    pass,
		Timeout:     f.timeout,
		Retries:     f.retries,
		Concurrency: conc,
		UserAgent:   "mipimport/" + version,
		Limiter:     limiter(f.rate),
		Pace:        lim,
		RootCAs:     roots,
	})
}

// limiter paces every request attempt, retries included, to at most
// perSecond; a burst of one keeps any one-second window at the limit.
func limiter(perSecond float64) mip.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readPassword takes the password from --password-file or MIP_PASSWORD. A
// file others can read is refused, as ssh refuses such keys.
func readPassword(path string) (string, error) {
	if path == "" {
		p, ok := os.LookupEnv("MIP_PASSWORD")
		if !ok || p == "" {
			return "", errors.New("no МИП password: set MIP_PASSWORD or --password-file")
		}
		return p, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("--password-file %s can be read by other users (mode %04o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", fmt.Errorf("--password-file %s is empty", path)
	}
	return p, nil
}

// loadMapping reads --mapping, or guesses one from the header and logs it.
func loadMapping(f importFlags, input string, log *zap.Logger) (*mapping.Mapping, error) {
	if f.mapping != "" {
		m, err := mapping.Load(f.mapping)
		if err != nil {
			return nil, err
		}
		if f.sheet != "" {
			m.Sheet = f.sheet
		}
		return m, nil
	}
	h, sheet, err := mapping.ReadHeader(input, reader.ReadOptions{Sheet: f.sheet}, 0)
	if err != nil {
		return nil, err
	}
	g := mapping.GuessMapping(h)
	if len(g.Missing) > 0 {
		var names []string
		for _, m := range g.Missing {
			names = append(names, m.Path)
		}
		return nil, fmt.Errorf("no --mapping given and the header of %s has no column for the required field(s) %s; write a mapping: mipimport mapping init %s > mapping.yaml", input, strings.Join(names, ", "), input)
	}
	var buf bytes.Buffer
	if err := mapping.WriteGuess(&buf, input, sheet, h, g); err != nil {
		return nil, err
	}
	for _, path := range g.Order {
		log.Info("mapping guessed", zap.String("field", path), zap.String("column", g.Matched[path]))
	}
	if len(g.Key) == 0 {
		log.Warn("no key column recognised: МИП assigns every card's GUID, so a re-run may create duplicates")
	}
	return mapping.Parse("(guessed mapping)", buf.Bytes())
}

// itemSource adapts the mapping's records to the importer's items.
type itemSource struct{ src *mapping.Source }

func (s itemSource) Next(context.Context) (importer.Item, error) {
	rec, err := s.src.Next()
	if err != nil {
		return importer.Item{}, err
	}
	return importer.Item{Row: rec.Line, Key: rec.Key, Patient: rec.Patient, Invalid: rec.Invalid, Messages: rec.Messages, Cells: rec.Cells}, nil
}

// onSignals makes the first SIGINT/SIGTERM stop the run gracefully and a
// second one exit at once.
func onSignals(cancel context.CancelCauseFunc, log *zap.Logger) func() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			log.Warn("signal received: no new rows are sent; waiting for requests in flight, then writing the results (a second signal exits at once)", zap.String("signal", s.String()))
			cancel(errInterrupted)
		case <-done:
			return
		}
		select {
		case <-ch:
			log.Error("second signal: exiting at once; the result files are incomplete")
			_ = log.Sync()
			os.Exit(130)
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
