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
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
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
	allowIdentityChange     bool
	waitLock                bool
	cpuProfile              string

	urlFlag, userFlag bool // --url, --user given (not taken from MIP_URL, MIP_USER)
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
		Args: oneInput,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.urlFlag, f.userFlag = f.url != "", f.user != ""
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
	fl.BoolVar(&f.allowIdentityChange, "allow-identity-change", false, "send rows whose key the state knows for another person (another birthday, or another family and name); without it they end invalid")
	fl.BoolVar(&f.waitLock, "wait-lock", false, "wait for another run holding the state file instead of refusing")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof); it holds no personal data")
	return cmd
}

// errInterrupted is the cause of a run stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted by a signal")

func runImport(ctx context.Context, f importFlags, input string) error {
	con := newConsole(os.Stderr)
	log, closeLog, err := newLogger(f.logFormat, f.logFile, f.logLevel, con)
	if err != nil {
		return err
	}
	defer closeLog()
	err = importFile(ctx, f, input, log, con)
	// The English detail goes to the run's log (a file with --log-file);
	// the terminal's last line is the Russian one.
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil && !ee.logged {
		log.Error("import failed", zap.Error(ee.err))
		ee.logged = true
	}
	return err
}

func importFile(ctx context.Context, f importFlags, input string, log *zap.Logger, con *console) error {
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return failSay(err, "не удалось создать файл профиля %s (--cpuprofile)", f.cpuProfile)
		}
		defer stop(log)
	}
	conc, err := parseConcurrency(f.concurrency)
	if err != nil {
		return failSay(err, "--concurrency: укажите auto (подобрать самой программе) или целое число не меньше 1")
	}
	if f.rate < 0 || f.retries < 0 || f.timeout <= 0 {
		return failSay(nil, "--rate и --retries не могут быть отрицательными, а --timeout должен быть больше нуля")
	}

	var client *mip.Client
	var lim *pace.Limiter
	if !f.dryRun {
		if conc.auto {
			lim = pace.New(pace.Config{Max: conc.n, OnChange: logLimit(log)})
		}
		if client, err = newClient(f, conc.n, lim); err != nil {
			return err
		}
	}
	if err := checkInput(input); err != nil {
		return err
	}
	m, err := loadMapping(f, input, log)
	if err != nil {
		return err
	}
	src, err := mapping.OpenSource(input, m, mapping.SourceOptions{})
	if err != nil {
		var le *mapping.LineError
		if errors.As(err, &le) {
			return failSay(err, "%s", sayMapping(le))
		}
		return failSay(err, "%s", sayInput(input, err))
	}
	defer src.Close()
	if src.MissingSheet != "" {
		log.Info("the workbook has no sheet the mapping names; its only sheet is read", zap.String("mappingSheet", src.MissingSheet), zap.String("sheet", src.Table.Sheet()))
	}
	if src.ConvertedBy != "" {
		log.Info("input converted to .xlsx with LibreOffice", zap.String("file", input), zap.String("libreoffice", src.ConvertedBy))
	}
	log.Info("input opened", zap.String("file", input), zap.String("sheet", src.Table.Sheet()),
		zap.Int("headerRow", src.Header.Line), zap.Int("columns", len(src.Header.Titles)))
	repair, why := src.Mapper.ENPRepair()
	log.Info("polis numbers that lost their last digit to Excel", zap.Bool("repaired", repair), zap.String("because", why),
		zap.String("savedBy", reader.SavedBy(src.Table)))

	// The state's lock first, then the result files, then the run's record:
	// a run that cannot start leaves neither a file nor a record.
	store, err := openStore(f, log)
	if err != nil {
		if errors.Is(err, state.ErrLocked) {
			return failSay(err, "файл состояния %s занят другим запуском mipimport (какой процесс — в строке журнала выше): дождитесь его окончания или запустите с --wait-lock, чтобы подождать", f.state)
		}
		return failSay(err, "не удалось открыть файл состояния %s (подробности — в строке журнала выше); запустить без него можно с --no-state", f.state)
	}
	closeStore := func() {
		if store == nil {
			return
		}
		if err := store.Close(); err != nil {
			log.Error("closing the state file failed", zap.Error(err))
		}
	}
	defer closeStore()
	sinks, err := openSinks(f, input, src, m, time.Now(), conc, lim)
	if err != nil {
		return failSay(err, "%s", sayOutput(err))
	}
	run, err := beginRun(store, f, conc, input, src, m, log)
	if err != nil {
		sinks.discard()
		return failSay(err, "не удалось записать начало запуска в файл состояния %s (подробности — в строке журнала выше); запустить без него можно с --no-state", f.state)
	}

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
	prog := newProgress(!f.noProgress, con, log, func(ctx context.Context) (int64, bool) { return countRows(ctx, input, m, src) }, limit)
	cfg := importer.Config{
		// In auto mode the pool holds up to the cap of rows and the
		// limiter, in the client, decides how many are sent at once.
		Concurrency:         conc.n,
		DryRun:              f.dryRun,
		Force:               f.force,
		AllowIdentityChange: f.allowIdentityChange,
		Grace:               f.timeout,
		Log:                 log,
		OnResult:            prog.add,
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
	// The report reads the abort reason in Russian; the state and the log
	// keep the English one.
	forReport := sum
	var readErr *reader.ReadError
	switch {
	case sum.Aborted != nil:
		forReport.Aborted = ruAbort{say: abortSay(sum.Aborted, f), cause: sum.Aborted}
	case errors.As(runErr, &readErr):
		forReport.Aborted = ruAbort{say: "не удалось прочитать " + readPlace(readErr) + "; следующие строки не обработаны", cause: runErr}
	case runErr != nil:
		forReport.Aborted = ruAbort{say: "ошибка (подробности — в журнале)", cause: runErr}
	}
	closeErr := sinks.close(forReport, sum.Aborted == nil && runErr == nil)
	if err := <-finished; err != nil {
		log.Error("recording the run in the state failed", zap.Error(err))
		runErr = errors.Join(runErr, err)
	}
	logSummary(log, sum)
	printSummary(os.Stderr, forReport, sinks)
	if runErr != nil {
		if readErr != nil {
			return failSay(runErr, "%s; строки до этого места обработаны, остальные не отправлены", sayRead(readErr))
		}
		return failSay(runErr, "запуск прерван из-за ошибки (подробности — в строке журнала выше)")
	}
	if closeErr != nil {
		return failSay(closeErr, "не удалось записать результаты: %s", sayOutput(closeErr))
	}
	return exitFor(sum, f)
}

// sayOutput is the Russian sentence for a result file that cannot be
// written.
func sayOutput(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		dir := filepath.Dir(pe.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "папка " + dir + " не существует — проверьте путь в --report, --fix-file или --results"
		case errors.Is(err, fs.ErrPermission):
			return "нет прав на запись в папку " + dir + " или файл открыт в другой программе (Excel?) — закройте его или укажите другой путь"
		}
	}
	return "не удаётся записать файлы результатов (подробности — в строке журнала выше)"
}

// openStore opens the state file and takes its lock; nil without one.
func openStore(f importFlags, log *zap.Logger) (*state.Store, error) {
	if f.noState {
		log.Warn("no state file: unchanged rows are sent again (GUIDs still come from the keys, so no card is created twice)")
		return nil, nil
	}
	if f.state == "" {
		return nil, errors.New("--state is empty; use --no-state to run without one")
	}
	return state.Open(f.state, state.Options{Wait: f.waitLock, OnWait: func(pid int) {
		log.Info("waiting for another mipimport run to release the state file (--wait-lock)",
			zap.String("state", f.state), zap.Int("pid", pid))
	}})
}

// beginRun records the run in the state; nil without one. Its settings are
// recorded as the run used them (the sheet read, the mapping file or that
// it was guessed), for history export.
func beginRun(store *state.Store, f importFlags, conc concurrency, input string, src *mapping.Source, m *mapping.Mapping, log *zap.Logger) (*state.Session, error) {
	if store == nil {
		return nil, nil
	}
	hash, err := fileHash(input)
	if err != nil {
		return nil, err
	}
	settings, _ := json.Marshal(runSettings{
		Mapping: m.File, Sheet: src.Table.Sheet(), Concurrency: conc.n, ConcurrencyAuto: conc.auto, Rate: f.rate,
		Timeout: f.timeout.String(), Retries: f.retries, DryRun: f.dryRun, Force: f.force,
		AllowIdentityChange: f.allowIdentityChange,
		MaxDuration:         f.maxDuration.String(), Version: version,
	})
	target := redact(f.url)
	if f.dryRun && f.url == "" {
		target = "dry-run"
	}
	run, err := store.BeginRun(state.RunInfo{Target: target, Input: input, InputHash: hash, Settings: string(settings), DryRun: f.dryRun})
	if err != nil {
		return nil, err
	}
	log.Info("state opened", zap.String("file", f.state), zap.Int64("run", run.ID()))
	return run, nil
}

// runSettings are a run's settings as the state keeps them (JSON, no
// secrets). Runs of older versions recorded the --mapping and --sheet
// flags as given: empty for a guessed mapping or the first sheet.
type runSettings struct {
	Mapping     string  `json:"mapping"`
	Sheet       string  `json:"sheet"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate"`
	Timeout     string  `json:"timeout"`
	Retries     int     `json:"retries"`
	DryRun      bool    `json:"dryRun"`
	Force       bool    `json:"force"`
	// AllowIdentityChange: --allow-identity-change sent rows whose key the
	// state knew for another person.
	AllowIdentityChange bool   `json:"allowIdentityChange,omitempty"`
	MaxDuration         string `json:"maxDuration"`
	Version             string `json:"version"`
	// ConcurrencyAuto: --concurrency auto, with Concurrency its cap.
	ConcurrencyAuto bool `json:"concurrencyAuto,omitempty"`
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
func exitFor(sum importer.Summary, f importFlags) error {
	switch {
	case errors.Is(sum.Aborted, mip.ErrUnauthorized):
		return failSay(sum.Aborted, "%s; запуск остановлен после первого такого ответа", abortSay(sum.Aborted, f))
	case errors.Is(sum.Aborted, mip.ErrUnreachable):
		return failSay(sum.Aborted, "%s", abortSay(sum.Aborted, f))
	case errors.Is(sum.Aborted, errInterrupted):
		return &exitError{code: 130, say: "Запуск прерван (Ctrl+C или сигнал остановки). Итог записан для каждой строки; чтобы продолжить, запустите ту же команду снова — уже загруженные строки повторно не отправятся."}
	case sum.Aborted != nil && !errors.Is(sum.Aborted, context.DeadlineExceeded):
		return failSay(sum.Aborted, "запуск прерван из-за ошибки (подробности — в строке журнала выше)")
	}
	for _, o := range importer.Outcomes {
		if sum.Counts[o] == 0 || o.OK() || (f.dryRun && o == importer.NotSent) {
			continue
		}
		if f.dryRun {
			return &exitError{code: 1, say: "В файле есть строки с ошибками — они перечислены в отчёте и в файле для исправления (пути выше)."}
		}
		return &exitError{code: 1, say: "Загружены не все строки — какие и почему, сказано в отчёте и в файле для исправления (пути выше)."}
	}
	return nil
}

// newClient builds the МИП client from the flags, its connection pool
// sized for conc requests and held to lim when it is not nil
// (--concurrency auto); its errors are exitErrors that say in Russian what
// to set.
func newClient(f importFlags, conc int, lim *pace.Limiter) (*mip.Client, error) {
	if f.url == "" {
		return nil, failSay(errors.New("no МИП URL: set --url or MIP_URL (or use --dry-run)"),
			"не указан адрес МИП: задайте переменную MIP_URL или --url (чтобы только проверить файл, без отправки, добавьте --dry-run)")
	}
	u, err := url.Parse(f.url)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, failSay(fmt.Errorf("--url %q: want http(s)://host[:port]/path", redact(f.url)),
			"неверный адрес МИП «%s»: нужен вид https://сервер/путь, например https://mip.example.ru/api", redact(f.url))
	}
	if u.User != nil {
		return nil, failSay(errors.New("--url must not contain a login or password; use --user and MIP_PASSWORD"),
			"адрес МИП не должен содержать логин и пароль: логин задайте в MIP_USER (или --user), пароль — в MIP_PASSWORD")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && !f.insecureHTTP {
		return nil, failSay(fmt.Errorf("--url %s sends patient data and the password unencrypted; use https://, or --insecure-http if you really mean it", f.url),
			"адрес %s начинается с http:// — данные пациентов и пароль пошли бы без шифрования; укажите адрес https:// (или, если это действительно нужно, добавьте --insecure-http)", f.url)
	}
	if f.user == "" {
		return nil, failSay(errors.New("no МИП login: set --user or MIP_USER"),
			"не указан логин МИП: задайте переменную MIP_USER или --user")
	}
	pass, err := readPassword(f.passwordFile)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, failSay(err, "файл сертификата (--ca-file) не найден: %s", f.caFile)
		}
		if err != nil {
			return nil, failSay(err, "не удалось прочитать файл сертификата %s (--ca-file)", f.caFile)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, failSay(fmt.Errorf("--ca-file %s holds no PEM certificate", f.caFile),
				"в файле %s (--ca-file) нет сертификата в формате PEM (текст, начинающийся с «-----BEGIN CERTIFICATE-----»)", f.caFile)
		}
	}
	c, err := mip.NewClient(mip.Config{
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
	if err != nil {
		return nil, fatal("%w", err)
	}
	return c, nil
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
			return "", failSay(errors.New("no МИП password: set MIP_PASSWORD or --password-file"),
				"не задан пароль МИП: задайте переменную MIP_PASSWORD (или укажите файл с паролем: --password-file)")
		}
		return p, nil
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", failSay(err, "файл пароля (--password-file) не найден: %s", path)
	}
	if err != nil {
		return "", failSay(err, "не удалось прочитать файл пароля %s", path)
	}
	// Windows reports every writable file as 0666: access there is the
	// ACL's, and a file in the user's profile is the user's alone.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", failSay(fmt.Errorf("--password-file %s can be read by other users (mode %04o)", path, st.Mode().Perm()),
			"файл пароля %s могут читать другие пользователи (права %04o); закройте доступ: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", failSay(err, "не удалось прочитать файл пароля %s", path)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", failSay(nil, "файл пароля %s пуст", path)
	}
	return p, nil
}

// guessedMapping names the mapping guessed from the header, in messages
// and in the run's recorded settings.
const guessedMapping = "(guessed mapping)"

// loadMapping reads --mapping, or guesses one from the header and logs it.
// Its errors are exitErrors.
func loadMapping(f importFlags, input string, log *zap.Logger) (*mapping.Mapping, error) {
	if f.mapping != "" {
		if _, err := os.Stat(f.mapping); errors.Is(err, fs.ErrNotExist) {
			return nil, failSay(err, "файл сопоставления (--mapping) не найден: %s", f.mapping)
		}
		m, err := mapping.Load(f.mapping)
		if err != nil {
			var le *mapping.LineError
			if errors.As(err, &le) {
				return nil, failSay(err, "%s", sayMapping(le))
			}
			return nil, failSay(err, "не удалось прочитать файл сопоставления %s (подробности — в строке журнала выше)", f.mapping)
		}
		if f.sheet != "" {
			m.Sheet = f.sheet
		}
		return m, nil
	}
	p, err := mapping.Propose(input, reader.ReadOptions{Sheet: f.sheet}, 0)
	if err != nil {
		return nil, failSay(err, "%s", sayInput(input, err))
	}
	g := p.Guess
	if len(g.Missing) > 0 {
		var names []string
		for _, m := range g.Missing {
			names = append(names, m.Path)
		}
		return nil, failSay(fmt.Errorf("no --mapping given and the header of %s has no column for the required field(s) %s", input, strings.Join(names, ", ")),
			"файл сопоставления не указан, а в заголовке %s не нашлось столбцов для обязательных полей (%s); составьте его: mipimport mapping init \"%s\" -o mapping.yaml, допишите и запустите с --mapping mapping.yaml",
			input, strings.Join(names, ", "), input)
	}
	var buf bytes.Buffer
	if err := mapping.WriteGuess(&buf, input, p.Sheet, p.Pinned, g); err != nil {
		return nil, fatal("%w", err)
	}
	if p.Pinned {
		log.Info("the first sheet holds no patient list; reading another", zap.String("first", p.First), zap.String("sheet", p.Sheet))
	}
	for _, m := range g.Fields {
		log.Info("mapping guessed", zap.String("field", m.Field.Path), zap.String("column", m.Title))
	}
	if key := g.Key(); len(key) == 0 {
		log.Warn("no key column recognised: МИП assigns every card's GUID, so a re-run may create duplicates")
	} else {
		log.Info("key guessed", zap.String("key", key[0]))
	}
	m, err := mapping.Parse(guessedMapping, buf.Bytes())
	if err != nil {
		return nil, fatal("%w", err)
	}
	return m, nil
}

// itemSource adapts the mapping's records to the importer's items.
type itemSource struct{ src *mapping.Source }

func (s itemSource) Next(context.Context) (importer.Item, error) {
	rec, err := s.src.Next()
	if err != nil {
		return importer.Item{}, err
	}
	return importer.Item{Row: rec.Line, Key: rec.Key, KeyShown: rec.KeyShown, Patient: rec.Patient, Invalid: rec.Invalid, Messages: rec.Messages, Cells: rec.Cells, Skip: rec.Noise}, nil
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
