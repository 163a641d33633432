package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"mipimport/importer"
)

// RunInfo describes a run as it starts.
type RunInfo struct {
	// Target is the МИП base URL. It is part of every key's identity, so a
	// state used against a test МИП never marks rows unchanged for
	// production. Credentials in it (user:password@) are dropped, and so
	// are trailing slashes.
	Target    string
	Input     string // input file path
	InputHash string // hex sha256 of the input file
	Settings  string // JSON of the run's settings, no secrets; "" = none
	DryRun    bool   // a dry run never changes what is remembered per key
}

// Session is one import run's open handle on the state file, from BeginRun
// to Finish: it looks keys up and records every row's result. It
// implements importer.State; Known and Save may be called concurrently
// (the importer calls them from its reader and from its senders).
type Session struct {
	s        *Store
	id       int64
	targetID int64
	dryRun   bool
	// keys holds a 64-bit hash of every (clinic, key) the state knew for
	// the run's МИП when the run began, sorted: a key not in it is
	// certainly unknown and Known answers without a query, so a nightly
	// run with new patients among many known ones does not pay a database
	// lookup for each new row. nil with filtered false when the state knew
	// too many keys to hold them.
	keys     []uint64
	filtered bool
	seed     maphash.Seed
	batchMax int
	batchAge time.Duration

	flushMu     sync.Mutex // one flush at a time, so batches commit in order
	attemptArgs []any      // reused by flushes

	mu      sync.Mutex
	pending []op
	spare   []op      // the last batch written, emptied: the next pending
	oldest  time.Time // when the first pending op was queued (monotonic)
	err     error     // the last flush failure; its batch is queued again
	done    bool      // finished: Save refuses

	msgIDs map[string]int64 // messages JSON → committed id; used by flushes only

	kick     chan struct{} // Save → loop: a batch has started
	stop     chan struct{} // closed by Finish/Close
	loopDone chan struct{}
	stopOnce sync.Once
}

var _ importer.State = (*Session)(nil)

// op is one queued Save: the attempt row, and the patients update if any.
type op struct {
	at               int64
	row              int
	mcod, key        string
	outcome          importer.Outcome
	mkabStatus       string
	attachmentStatus string
	personGUID       string
	mkabGUID         string
	attachmentGUID   string
	messages         string // JSON array, "" when none
	httpStatus       int
	attempts         int
	patient          bool   // store hash and GUIDs for the key
	hash             string // payload hash to remember ("" = send again)
	keyShown         string // the key as typed, "" when the same as key
	who              []byte // the row's fingerprint (packWho); nil when none
}

// BeginRun records the start of a run and returns its Session.
func (s *Store) BeginRun(info RunInfo) (*Session, error) {
	if s.readOnly {
		return nil, s.errorf("opened read-only: no run can begin")
	}
	target, err := cleanTarget(info.Target)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	if info.Settings != "" && !json.Valid([]byte(info.Settings)) {
		return nil, s.errorf("run settings are not valid JSON")
	}
	if s.isClosed() {
		return nil, s.errorf("the state is closed")
	}
	ctx := context.Background()
	if err := s.mergeLeftovers(ctx); err != nil {
		return nil, err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO targets(url) VALUES (?) ON CONFLICT(url) DO NOTHING`, target); err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	var targetID int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM targets WHERE url = ?`, target).Scan(&targetID); err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	seed := maphash.MakeSeed()
	keys, filtered, err := loadKeys(ctx, tx, targetID, seed)
	if err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(started_at, target_id, input, input_hash, settings, dry_run, merged)
		VALUES (?, ?, ?, ?, ?, ?, 0)`, millis(s.now()), targetID, info.Input, info.InputHash, info.Settings, info.DryRun)
	if err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.errorf("starting a run: %w", err)
	}
	r := &Session{
		s:        s,
		id:       id,
		targetID: targetID,
		dryRun:   info.DryRun,
		keys:     keys,
		filtered: filtered,
		seed:     seed,
		batchMax: s.batchMax,
		batchAge: s.batchAge,
		pending:  make([]op, 0, s.batchMax),
		msgIDs:   make(map[string]int64),
		kick:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, s.errorf("the state is closed")
	}
	s.active[r] = struct{}{}
	s.mu.Unlock()
	go r.loop()
	return r, nil
}

// maxFilterKeys bounds the key filter's memory (8 bytes a key): a state
// that knows more keys for one МИП is queried for every row instead.
var maxFilterKeys = 8 << 20

// loadKeys returns the sorted hashes of every key known for the target, or
// filtered false when there are more than maxFilterKeys.
func loadKeys(ctx context.Context, tx *sql.Tx, targetID int64, seed maphash.Seed) ([]uint64, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT mcod, key FROM patients WHERE target_id = ?`, targetID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var keys []uint64
	var mcod, key sql.RawBytes
	for rows.Next() {
		if len(keys) == maxFilterKeys {
			return nil, false, rows.Close()
		}
		if err := rows.Scan(&mcod, &key); err != nil {
			return nil, false, err
		}
		keys = append(keys, keyHash(seed, string(mcod), string(key)))
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	slices.Sort(keys)
	return keys, true, nil
}

// keyHash is the filter's hash of a clinic's key.
func keyHash(seed maphash.Seed, mcod, key string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(mcod)
	h.WriteByte(0x1f)
	h.WriteString(key)
	return h.Sum64()
}

// cleanTarget drops credentials and trailing slashes from a base URL.
func cleanTarget(target string) (string, error) {
	if target == "" {
		return "", nil
	}
	u, err := url.Parse(target)
	if err != nil {
		// Not echoed: it may hold a password.
		return "", errors.New("the МИП URL of the run cannot be parsed")
	}
	u.User = nil
	return strings.TrimRight(u.String(), "/"), nil
}

// ID is the run's number in the state (for `mipimport history`).
func (r *Session) ID() int64 { return r.id }

// Known returns what is remembered for the key of a clinic under the run's
// МИП. It sees what earlier runs stored (BeginRun merged any that did not
// finish), not the saves of this run: the importer looks a key up once per
// run and catches repeated keys itself, so it never needs them.
func (r *Session) Known(mcod, key string) (importer.Known, error) {
	if key == "" {
		return importer.Known{}, nil
	}
	if r.filtered {
		if _, found := slices.BinarySearch(r.keys, keyHash(r.seed, mcod, key)); !found {
			return importer.Known{}, nil
		}
	}
	var mkab, person, attachment, hash any
	var who []byte
	err := r.s.getPatient.QueryRow(r.targetID, mcod, key).Scan(&mkab, &person, &attachment, &hash, &who)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return importer.Known{}, nil
	case err != nil:
		// The key is not named: it may be a СНИЛС.
		return importer.Known{}, r.s.errorf("looking up a key: %w", err)
	}
	return importer.Known{
		Found:          true,
		MkabGUID:       unpackGUID(mkab),
		PersonGUID:     unpackGUID(person),
		AttachmentGUID: unpackGUID(attachment),
		Hash:           unpackHash(hash),
		Who:            unpackWho(who),
	}, nil
}

// Fingerprint hashes an identity with the file's salt: each part on its
// own (HMAC-SHA256, the first 8 bytes), so a changed family alone can be
// told from another person; an empty part is 0, not known.
func (r *Session) Fingerprint(id importer.Identity) importer.Fingerprint {
	return importer.Fingerprint{
		Family:   r.s.identityHash("family", id.Family),
		Name:     r.s.identityHash("name", id.Name),
		Birthday: r.s.identityHash("birthday", id.Birthday),
	}
}

// Save records one row's result: always an attempt (the audit trail), and
// for a row with a key that МИП stored, its GUIDs and — when the card and
// the attachment were both accepted — the payload hash, so the next run
// skips the row while it stays the same. A partial upload remembers the
// GUIDs with an empty hash: the row is sent again to retry the attachment.
// Other outcomes leave what is remembered as it was.
//
// Saves are queued and committed in batches; an error from an earlier
// batch is returned by the next Save (its rows stay queued).
func (r *Session) Save(res importer.Result, mcod, hash string) error {
	key := res.MatchKey
	if key == "" {
		key = res.Key
	}
	o := op{
		at:               millis(r.s.now()),
		row:              res.Row,
		mcod:             mcod,
		key:              key,
		outcome:          res.Outcome,
		mkabStatus:       res.MkabStatus,
		attachmentStatus: res.AttachmentStatus,
		personGUID:       res.PersonGUID,
		mkabGUID:         res.MkabGUID,
		attachmentGUID:   res.AttachmentGUID,
		httpStatus:       res.HTTPStatus,
		attempts:         res.Attempts,
	}
	if res.Key != key {
		o.keyShown = res.Key
	}
	if key != "" && !r.dryRun {
		o.who = packWho(res.Who)
	}
	if len(res.Messages) > 0 {
		b, err := json.Marshal(res.Messages)
		if err != nil {
			return r.s.errorf("row %d: %w", res.Row, err)
		}
		o.messages = string(b)
	}
	if key != "" && !r.dryRun {
		switch res.Outcome {
		case importer.Uploaded:
			o.patient, o.hash = true, hash
		case importer.Partial:
			o.patient, o.hash = true, ""
		}
	}

	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return r.s.errorf("run %d takes no more results: it was finished or the state closed", r.id)
	}
	if len(r.pending) == 0 {
		r.oldest = time.Now()
	}
	r.pending = append(r.pending, o)
	n := len(r.pending)
	err := r.err
	r.mu.Unlock()
	if n == 1 || n == r.batchMax { // start the clock, or commit now
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	if n >= backlogBatches*r.batchMax {
		// The background commits fell behind: commit here, which also
		// holds the caller back.
		return r.flush()
	}
	return err
}

// loop commits the queued saves in the background: at once when a batch
// is full, else when the oldest has waited batchAge.
func (r *Session) loop() {
	defer close(r.loopDone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		r.mu.Lock()
		n, oldest := len(r.pending), r.oldest
		r.mu.Unlock()
		var wake <-chan time.Time
		if n > 0 {
			wait := r.batchAge - time.Since(oldest)
			if n >= r.batchMax || wait <= 0 {
				if r.flush() == nil {
					continue
				}
				// Kept queued for the next Save and Finish to report;
				// retry after a pause.
				wait = r.batchAge
			}
			timer.Reset(wait)
			wake = timer.C
		}
		select {
		case <-r.stop:
			timer.Stop()
			return
		case <-r.kick:
		case <-wake:
		}
		timer.Stop()
	}
}

func (r *Session) stopLoop() {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.loopDone
}

// flush commits everything queued in one transaction.
func (r *Session) flush() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	if len(batch) == 0 {
		r.mu.Unlock()
		return nil
	}
	started := r.oldest
	// Saves go on into the other buffer while this one is written.
	r.pending, r.spare = r.spare, nil
	if r.pending == nil {
		r.pending = make([]op, 0, r.batchMax)
	}
	r.mu.Unlock()
	err := r.write(batch)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.pending = append(batch, r.pending...)
		r.oldest = started
		r.err = err
		return err
	}
	clear(batch) // drop the strings it holds
	r.spare = batch[:0]
	r.err = nil
	return nil
}

func (r *Session) write(batch []op) error {
	ctx := context.Background()
	// Statements with many rows each: the per-statement cost of the driver
	// dwarfs the per-row cost of SQLite. Prepared before the transaction
	// takes the only write connection.
	full, err := r.s.insertAttempts(r.batchMax)
	if err != nil {
		return err
	}
	tx, err := r.s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return r.s.errorf("recording results: %w", err)
	}
	defer tx.Rollback()

	var newIDs map[string]int64 // message lists first stored by this transaction
	msgIDs := make([]any, len(batch))
	for i := range batch {
		o := &batch[i]
		if o.messages == "" {
			continue // NULL
		}
		id, ok := r.msgIDs[o.messages]
		if !ok {
			id, ok = newIDs[o.messages]
		}
		if !ok {
			if id, err = r.messageID(ctx, tx, o.messages); err != nil {
				return r.s.errorf("recording row %d: %w", o.row, err)
			}
			if newIDs == nil {
				newIDs = make(map[string]int64)
			}
			newIDs[o.messages] = id
		}
		msgIDs[i] = id
	}

	// The argument slices are kept for the next flush (flushMu is held).
	attempts := r.attemptArgs[:0]
	defer func() {
		clear(attempts)
		r.attemptArgs = attempts[:0]
	}()
	for i := range batch {
		o := &batch[i]
		mkab, person, attachment := packGUID(o.mkabGUID), packGUID(o.personGUID), packGUID(o.attachmentGUID)
		var payload any
		if o.patient {
			payload = packHash(o.hash)
		}
		var who any
		if o.who != nil {
			who = o.who
		}
		attempts = append(attempts, r.id, o.at, o.row, o.mcod, o.key, string(o.outcome),
			o.mkabStatus, o.attachmentStatus, person, mkab, attachment,
			msgIDs[i], o.httpStatus, o.attempts, payload, who, o.keyShown)
	}
	if err := execRows(ctx, tx, full, insertAttemptsSQL, attempts, attemptColumns, r.batchMax); err != nil {
		return r.s.errorf("recording results: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return r.s.errorf("recording results: %w", err)
	}
	// Only committed ids may be reused by later batches.
	if len(r.msgIDs)+len(newIDs) > maxMessageIDs {
		clear(r.msgIDs)
	}
	for m, id := range newIDs {
		r.msgIDs[m] = id
	}
	return nil
}

// execRows runs a multi-row statement over args (cols values per row), at
// most max rows per statement: full is the prepared one for max rows, and
// a shorter remainder is prepared on the spot.
func execRows(ctx context.Context, tx *sql.Tx, full *sql.Stmt, build func(n int) string, args []any, cols, max int) error {
	for len(args) > 0 {
		n := min(len(args)/cols, max)
		chunk := args[:n*cols]
		args = args[n*cols:]
		var err error
		if n == max {
			_, err = tx.StmtContext(ctx, full).ExecContext(ctx, chunk...)
		} else {
			_, err = tx.ExecContext(ctx, build(n), chunk...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// messageID returns the id of a messages list, storing it when new.
func (r *Session) messageID(ctx context.Context, tx *sql.Tx, messages string) (int64, error) {
	var id int64
	err := tx.StmtContext(ctx, r.s.getMessages).QueryRowContext(ctx, messages).Scan(&id)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	res, err := tx.StmtContext(ctx, r.s.insMessages).ExecContext(ctx, messages)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Finish commits the queued saves and records the run's end, its counts
// per outcome, its requests and why it was aborted, if it was.
func (r *Session) Finish(sum importer.Summary) error {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return r.s.errorf("run %d is already finished", r.id)
	}
	r.done = true
	r.mu.Unlock()
	r.stopLoop()
	s := r.s
	s.mu.Lock()
	delete(s.active, r)
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return s.errorf("the state was closed before run %d finished", r.id)
	}
	if err := r.flush(); err != nil {
		return err
	}
	counts := make(map[importer.Outcome]int, len(sum.Counts))
	for o, n := range sum.Counts {
		if n != 0 {
			counts[o] = n
		}
	}
	cj, err := json.Marshal(counts)
	if err != nil {
		return s.errorf("run %d: %w", r.id, err)
	}
	end := sum.End
	if end.IsZero() {
		end = s.now()
	}
	aborted := ""
	if sum.Aborted != nil {
		aborted = sum.Aborted.Error()
	}
	ctx := context.Background()
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf("finishing run %d: %w", r.id, err)
	}
	defer tx.Rollback()
	if err := mergeRun(ctx, tx, r.targetID, r.id); err != nil {
		return s.errorf("finishing run %d: %w", r.id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET ended_at = ?, counts = ?, aborted = ?, requests = ? WHERE id = ?`,
		millis(end), string(cj), aborted, sum.Requests, r.id); err != nil {
		return s.errorf("finishing run %d: %w", r.id, err)
	}
	if err := tx.Commit(); err != nil {
		return s.errorf("finishing run %d: %w", r.id, err)
	}
	return nil
}

// mergeRun stores what a run's attempts learned per key into patients and
// indexes its attempts by key (see the schema's "merge at the end of a
// run"), in the caller's transaction.
func mergeRun(ctx context.Context, tx *sql.Tx, targetID, runID int64) error {
	if _, err := tx.ExecContext(ctx, sqlMergePatients, targetID, runID); err != nil {
		return fmt.Errorf("storing what the run learned per key: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlMergeWho, targetID, runID); err != nil {
		return fmt.Errorf("storing who the run's unchanged keys are: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlMergeKeyAttempts, runID); err != nil {
		return fmt.Errorf("indexing the run's attempts by key: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlMergeRunDone, runID); err != nil {
		return fmt.Errorf("marking the run merged: %w", err)
	}
	return nil
}

// mergeLeftovers merges the runs that ended without Finish (killed, or
// abandoned by Close), so Known sees their answers. Runs still going in
// this process are left to their Finish.
func (s *Store) mergeLeftovers(ctx context.Context) error {
	rows, err := s.wdb.QueryContext(ctx, `SELECT id, target_id FROM runs WHERE merged = 0 ORDER BY id`)
	if err != nil {
		return s.errorf("reading unfinished runs: %w", err)
	}
	type run struct{ id, target int64 }
	var left []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.target); err != nil {
			rows.Close()
			return s.errorf("reading unfinished runs: %w", err)
		}
		left = append(left, r)
	}
	if err := rows.Err(); err != nil {
		return s.errorf("reading unfinished runs: %w", err)
	}
	s.mu.Lock()
	going := make(map[int64]bool, len(s.active))
	for r := range s.active {
		going[r.id] = true
	}
	s.mu.Unlock()
	for _, r := range left {
		if going[r.id] {
			continue
		}
		tx, err := s.wdb.BeginTx(ctx, nil)
		if err != nil {
			return s.errorf("merging unfinished run %d: %w", r.id, err)
		}
		err = mergeRun(ctx, tx, r.target, r.id)
		if err == nil {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil {
			return s.errorf("merging unfinished run %d: %w", r.id, err)
		}
	}
	return nil
}

// committed reports whether every Save so far is committed (for tests).
func (r *Session) committed() bool {
	r.flushMu.Lock() // a flush in progress has taken its batch off pending
	defer r.flushMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending) == 0
}
