package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Errors callers may test with errors.Is.
var (
	// ErrLocked: another mipimport run holds the state file. The error that
	// wraps it names the file and, when known, the holder's PID.
	ErrLocked = errors.New("the state file is in use by another mipimport run")
	// ErrNotFound: no such run.
	ErrNotFound = errors.New("not found")
)

// Options tune Open.
type Options struct {
	Wait    bool          // wait for the lock instead of failing (--wait-lock)
	WaitMax time.Duration // how long to wait at most; 0 = forever
	// OnWait, when set, is called once if Open has to wait for the lock,
	// with the holder's PID (0 when unknown), so the caller can say why
	// nothing happens.
	OnWait func(pid int)
	Now    func() time.Time // clock for recorded times; default time.Now
	// ReadOnly opens an existing file for the history commands: no lock,
	// no migration, no writes, so an auditor can read while a run imports
	// (WAL lets readers beside the writer). BeginRun fails on such a Store.
	ReadOnly bool
}

// Batching of saves: a transaction per batchMax rows, or when the oldest
// queued row is batchAge old, committed by a goroutine of the Session so
// the caller does not wait. batchMax and batchAge are copied into each Store so
// tests can tune them.
const (
	defaultBatchMax = 256
	defaultBatchAge = 100 * time.Millisecond
	lockPoll        = 100 * time.Millisecond
	busyTimeoutMS   = 10000
	readConns       = 4
	maxMessageIDs   = 4096 // message lists a run remembers the ids of
	backlogBatches  = 4    // queued batches at which Save commits itself
)

// Store is an open state file. Its methods are safe for concurrent use.
type Store struct {
	path string // as the caller gave it, for messages
	now  func() time.Time
	lock *fileLock

	wdb *sql.DB // the single writer connection
	rdb *sql.DB // readers (query_only); WAL lets them run beside the writer

	getMessages *sql.Stmt // wdb
	insMessages *sql.Stmt // wdb
	getPatient  *sql.Stmt // rdb

	batchMu sync.Mutex
	batch   map[int]*sql.Stmt // attempts inserts, by rows per statement

	batchMax int
	batchAge time.Duration

	readOnly bool   // opened for the history commands only
	version  int    // schema version of the file: len(migrations()) unless read-only
	salt     []byte // the file's own salt of the identity fingerprints

	mu     sync.Mutex
	closed bool
	active map[*Session]struct{} // begun, not finished: flushed by Close
}

// DefaultPath is the state file used when --state is not given, for this
// system and environment: see DefaultPathFor.
func DefaultPath() string { return DefaultPathFor(runtime.GOOS, os.Getenv) }

// DefaultPathFor is the default state file on the system goos (a
// runtime.GOOS value) with the environment getenv:
//
//   - Windows: %LOCALAPPDATA%\mipimport\state.db (the user's local, not
//     roaming, application data: the file is large and per machine), else
//     %USERPROFILE%\AppData\Local\mipimport\state.db;
//   - elsewhere: $XDG_STATE_HOME/mipimport/state.db when XDG_STATE_HOME is
//     an absolute path, else ~/.local/state/mipimport/state.db (the same
//     file for a clerk's shell and for that user's cron job).
//
// Without any of these it is mipimport-state.db in the working directory.
// It takes goos and getenv rather than reading them so that the choice for
// each system is tested on any.
func DefaultPathFor(goos string, getenv func(string) string) string {
	const file = "mipimport-state.db"
	if goos == "windows" {
		if d := getenv("LOCALAPPDATA"); windowsAbs(d) {
			return joinPath(`\`, d, "mipimport", "state.db")
		}
		if h := getenv("USERPROFILE"); windowsAbs(h) {
			return joinPath(`\`, h, "AppData", "Local", "mipimport", "state.db")
		}
		return file
	}
	if d := getenv("XDG_STATE_HOME"); strings.HasPrefix(d, "/") {
		return joinPath("/", d, "mipimport", "state.db")
	}
	if h := getenv("HOME"); strings.HasPrefix(h, "/") {
		return joinPath("/", h, ".local", "state", "mipimport", "state.db")
	}
	return file
}

// joinPath joins a directory and names with sep, as filepath.Join does on
// the system whose separator sep is.
func joinPath(sep, dir string, names ...string) string {
	trim := sep
	if sep == `\` {
		trim = `\/`
	}
	return strings.TrimRight(dir, trim) + sep + strings.Join(names, sep)
}

// windowsAbs reports whether p is an absolute Windows path: a drive letter
// with a separator (C:\…) or a UNC path (\\server\share…).
func windowsAbs(p string) bool {
	if strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, "//") {
		return len(p) > 2
	}
	return len(p) >= 3 && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// Open opens or creates the state file, migrates its schema, and takes the
// run lock. A second process (or a second Open in this one) on the same
// file gets an error wrapping ErrLocked, or waits when opts.Wait. A missing
// directory is created with mode 0700, a new file with mode 0600.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: no state file path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("state file %s: creating its directory: %w", path, err)
		}
	}
	// The lock is on the real path, so a symlinked name locks the same file.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if real, err := filepath.EvalSymlinks(dir); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	if opts.ReadOnly {
		return openReadOnly(path, abs, opts)
	}
	lk, err := acquireLock(path, abs+".lock", opts.Wait, opts.WaitMax, opts.OnWait)
	if err != nil {
		return nil, err
	}
	s := &Store{
		path:     path,
		now:      opts.Now,
		lock:     lk,
		batchMax: defaultBatchMax,
		batchAge: defaultBatchAge,
		active:   make(map[*Session]struct{}),
		batch:    make(map[int]*sql.Stmt),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.open(abs); err != nil {
		s.closeDBs()
		lk.release()
		return nil, err
	}
	return s, nil
}

func openReadOnly(path, abs string, opts Options) (*Store, error) {
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("state file %s: %w (no import has used it yet)", path, err)
	}
	s := &Store{path: path, now: opts.Now, readOnly: true, active: make(map[*Session]struct{}), batch: make(map[int]*sql.Stmt)}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.rdb, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		return nil, s.errorf("opening: %w", err)
	}
	s.rdb.SetMaxOpenConns(readConns)
	ctx := context.Background()
	var app, version int64
	if err := s.rdb.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		s.rdb.Close()
		return nil, s.errorf("reading: %w", err)
	}
	if err := s.rdb.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		s.rdb.Close()
		return nil, s.errorf("reading: %w", err)
	}
	if app != applicationID || version < readableFrom || version > int64(len(migrations())) {
		s.rdb.Close()
		return nil, s.errorf("not a state file of this mipimport version (schema %d, this version reads %d to %d); an import with this version upgrades an older one", version, readableFrom, len(migrations()))
	}
	s.version = int(version)
	if s.getPatient, err = s.rdb.PrepareContext(ctx, getPatientSQL(s.version)); err != nil {
		s.rdb.Close()
		return nil, s.errorf("preparing a statement: %w", err)
	}
	return s, nil
}

func (s *Store) open(abs string) error {
	// SQLite would create the file with the umask's mode (0644); create it
	// ourselves so it is 0600 from the start. Its -wal and -shm files copy
	// the database file's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	f.Close()

	s.wdb, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return s.errorf("opening: %w", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	ctx := context.Background()
	if err := s.wdb.PingContext(ctx); err != nil {
		return s.errorf("opening: %w", err)
	}
	if err := migrate(ctx, s.wdb, len(migrations())); err != nil {
		return s.errorf("%w", err)
	}
	s.version = len(migrations())
	// WAL only now that the file is known to be ours: the setting is
	// persistent, and a refused file must be left as it was.
	var mode string
	if err := s.wdb.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return s.errorf("switching to WAL: %w", err)
	}
	if mode != "wal" {
		return s.errorf("switching to WAL: the journal mode stayed %q", mode)
	}

	s.rdb, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return s.errorf("opening: %w", err)
	}
	s.rdb.SetMaxOpenConns(readConns)
	s.rdb.SetMaxIdleConns(readConns)

	prep := func(db *sql.DB, q string) (*sql.Stmt, error) {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, s.errorf("preparing a statement: %w", err)
		}
		return st, nil
	}
	if s.getMessages, err = prep(s.wdb, sqlGetMessages); err != nil {
		return err
	}
	if s.insMessages, err = prep(s.wdb, sqlInsertMessages); err != nil {
		return err
	}
	if s.getPatient, err = prep(s.rdb, sqlGetPatient); err != nil {
		return err
	}
	if err := s.wdb.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'identity_salt'`).Scan(&s.salt); err != nil || len(s.salt) == 0 {
		return s.errorf("reading the identity salt: %v", err)
	}
	return nil
}

// dsn is the driver's name for the file: a file: URI (so any character in
// the path is escaped) with the connection settings. The writer runs with
// synchronous=NORMAL, which in WAL mode (set by Open after the migration)
// means a commit survives a killed process and only a power loss may undo
// the last ones, and with BEGIN IMMEDIATE; readers are query_only.
func dsn(abs string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	q.Set("_foreign_keys", "1")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
		// The merge at a run's end sorts every row of the run; a helper
		// thread shortens it on a machine with two cores or more.
		q.Set("_pragma", "threads = 2")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close flushes the saves of sessions not finished (their runs stay
// recorded without an end time, like a killed run), closes the file and
// releases the lock. Call it after Finish, or to abandon a run, but not
// while another goroutine is still calling the session's Save or Known. Close after Close
// does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	runs := make([]*Session, 0, len(s.active))
	for r := range s.active {
		runs = append(runs, r)
	}
	clear(s.active)
	s.mu.Unlock()

	var errs []error
	for _, r := range runs {
		r.mu.Lock()
		r.done = true
		r.mu.Unlock()
		r.stopLoop()
		if err := r.flush(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.closeDBs(); err != nil {
		errs = append(errs, s.errorf("closing: %w", err))
	}
	if s.lock != nil {
		if err := s.lock.release(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) closeDBs() error {
	var errs []error
	s.batchMu.Lock()
	for _, b := range s.batch {
		errs = append(errs, b.Close())
	}
	clear(s.batch)
	s.batchMu.Unlock()
	for _, st := range []*sql.Stmt{s.getMessages, s.insMessages, s.getPatient} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	// Readers first: the last connection to close checkpoints the WAL
	// into the main file and removes it.
	for _, db := range []*sql.DB{s.rdb, s.wdb} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *Store) errorf(format string, a ...any) error {
	return fmt.Errorf("state file %s: "+format, append([]any{s.path}, a...)...)
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

// insertAttempts returns the statement that inserts n attempts, prepared
// once. Not to be called inside a write transaction: preparing needs the
// connection.
func (s *Store) insertAttempts(n int) (*sql.Stmt, error) {
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	if st, ok := s.batch[n]; ok {
		return st, nil
	}
	st, err := s.wdb.PrepareContext(context.Background(), insertAttemptsSQL(n))
	if err != nil {
		return nil, s.errorf("preparing a statement: %w", err)
	}
	s.batch[n] = st
	return st, nil
}
