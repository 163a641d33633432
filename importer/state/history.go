package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"mipimport/importer"
)

// RunRecord is one run as the state remembers it.
type RunRecord struct {
	ID         int64
	Start, End time.Time // End is zero when the run never finished (killed, crashed)
	Target     string
	Input      string
	InputHash  string
	Settings   string
	DryRun     bool
	Counts     map[importer.Outcome]int // outcomes with a non-zero count; nil until finished
	Requests   int                      // HTTP requests made, retries included; 0 also when not recorded (older versions, unfinished runs)
	Aborted    string                   // why the run stopped early; "" when it ran to the end
	Pruned     time.Time                // when its rows were deleted by Prune; zero while kept
}

// Finished reports whether the run recorded its end.
func (r RunRecord) Finished() bool { return !r.End.IsZero() }

// Attempt is what one run did with one input row.
type Attempt struct {
	RunID            int64
	Time             time.Time
	Row              int
	Mcod, Key        string // Key as the clerk typed it
	Outcome          importer.Outcome
	MkabStatus       string
	AttachmentStatus string
	PersonGUID       string
	MkabGUID         string
	AttachmentGUID   string
	Messages         []string
	HTTPStatus       int
	Attempts         int
}

// runColumns selects a RunRecord's columns from a file at schema version
// (readableFrom or later): a column added later is read as NULL.
func runColumns(version int) string {
	requests := "r.requests"
	if version < 4 {
		requests = "NULL"
	}
	return `SELECT r.id, r.started_at, r.ended_at, t.url, r.input, r.input_hash,
	r.settings, r.dry_run, r.counts, r.aborted, r.pruned_at, ` + requests + `
	FROM runs r JOIN targets t ON t.id = r.target_id`
}

// attemptSelect selects an Attempt's columns from a file at schema
// version (readableFrom or later): the key as typed where the file keeps
// it (schema 5), else the key.
func attemptSelect(version int) string {
	key := "iif(a.key_shown <> '', a.key_shown, a.key)"
	if version < 5 {
		key = "a.key"
	}
	return `SELECT a.run_id, a.at, a.row, a.mcod, ` + key + `, a.outcome, a.mkab_status,
	a.attachment_status, a.person_guid, a.mkab_guid, a.attachment_guid, m.json, a.http_status, a.attempts
	FROM attempts a LEFT JOIN messages m ON m.id = a.messages`
}

// sqlKeyAttemptIDs selects the ids of a key's attempts (parameter 1): from
// key_attempts, one index seek per run (CROSS JOIN keeps runs the outer
// loop), and for runs not merged yet (going, or killed since the last
// run) by reading their attempts.
const sqlKeyAttemptIDs = `SELECT k.attempt_id FROM runs r CROSS JOIN key_attempts k
	WHERE k.run_id = r.id AND k.key = ?1
	UNION ALL
	SELECT a2.id FROM runs r CROSS JOIN attempts a2
	WHERE r.merged = 0 AND a2.run_id = r.id AND (a2.key = ?1 OR a2.key_shown = ?1)`

// keyAttemptIDs is sqlKeyAttemptIDs for a file at schema version, whose
// attempts may not keep the key as typed (before schema 5).
func keyAttemptIDs(version int) string {
	if version < 5 {
		return strings.Replace(sqlKeyAttemptIDs, " AND (a2.key = ?1 OR a2.key_shown = ?1)", " AND a2.key = ?1", 1)
	}
	return sqlKeyAttemptIDs
}

// Runs lists the runs, newest first; limit <= 0 lists them all.
func (s *Store) Runs(limit int) ([]RunRecord, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.rdb.QueryContext(context.Background(), runColumns(s.version)+` ORDER BY r.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.errorf("listing runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		rec, err := scanRun(rows)
		if err != nil {
			return nil, s.errorf("listing runs: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("listing runs: %w", err)
	}
	return out, nil
}

// RunByID returns one run; the error wraps ErrNotFound when there is none.
func (s *Store) RunByID(id int64) (RunRecord, error) {
	rec, err := scanRun(s.rdb.QueryRowContext(context.Background(), runColumns(s.version)+` WHERE r.id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return RunRecord{}, s.errorf("run %d: %w", id, ErrNotFound)
	case err != nil:
		return RunRecord{}, s.errorf("reading run %d: %w", id, err)
	}
	return rec, nil
}

// Attempts lists every attempt recorded for a key — as matched, or as the
// clerk typed it — under any clinic and МИП, oldest first.
func (s *Store) Attempts(key string) ([]Attempt, error) {
	if key == "" {
		return nil, s.errorf("listing attempts: no key given")
	}
	rows, err := s.rdb.QueryContext(context.Background(), attemptSelect(s.version)+` WHERE a.id IN (`+keyAttemptIDs(s.version)+`) ORDER BY a.id`, key)
	if err != nil {
		return nil, s.errorf("listing attempts: %w", err)
	}
	return s.collectAttempts(rows, "listing attempts")
}

// RunRows lists the rows of a run in row order. With notOK only the rows
// that did not end uploaded or unchanged (to export the rejected rows).
// The error wraps ErrNotFound when there is no such run.
func (s *Store) RunRows(id int64, notOK bool) ([]Attempt, error) {
	ctx := context.Background()
	var one int
	err := s.rdb.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, s.errorf("run %d: %w", id, ErrNotFound)
	case err != nil:
		return nil, s.errorf("reading run %d: %w", id, err)
	}
	q := attemptSelect(s.version) + ` WHERE a.run_id = ? ORDER BY a.row, a.id`
	args := []any{id}
	if notOK {
		q = attemptSelect(s.version) + ` WHERE a.run_id = ? AND a.outcome NOT IN (?, ?) ORDER BY a.row, a.id`
		args = append(args, string(importer.Uploaded), string(importer.Unchanged))
	}
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.errorf("reading the rows of run %d: %w", id, err)
	}
	return s.collectAttempts(rows, "reading the rows of a run")
}

type scanner interface{ Scan(...any) error }

func scanRun(sc scanner) (RunRecord, error) {
	var (
		rec          RunRecord
		start        int64
		end, pruned  sql.NullInt64
		requests     sql.NullInt64
		counts       sql.NullString
		dryRun       bool
		target, hash string
	)
	if err := sc.Scan(&rec.ID, &start, &end, &target, &rec.Input, &hash, &rec.Settings, &dryRun, &counts, &rec.Aborted, &pruned, &requests); err != nil {
		return RunRecord{}, err
	}
	rec.Start, rec.Target, rec.InputHash, rec.DryRun = fromMillis(start), target, hash, dryRun
	if end.Valid {
		rec.End = fromMillis(end.Int64)
	}
	if pruned.Valid {
		rec.Pruned = fromMillis(pruned.Int64)
	}
	rec.Requests = int(requests.Int64)
	if counts.Valid {
		if err := json.Unmarshal([]byte(counts.String), &rec.Counts); err != nil {
			return RunRecord{}, err
		}
	}
	return rec, nil
}

func (s *Store) collectAttempts(rows *sql.Rows, what string) ([]Attempt, error) {
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var (
			a        Attempt
			at       int64
			outcome  string
			messages sql.NullString
			person   any
			mkab     any
			attach   any
		)
		if err := rows.Scan(&a.RunID, &at, &a.Row, &a.Mcod, &a.Key, &outcome, &a.MkabStatus, &a.AttachmentStatus,
			&person, &mkab, &attach, &messages, &a.HTTPStatus, &a.Attempts); err != nil {
			return nil, s.errorf("%s: %w", what, err)
		}
		a.Time, a.Outcome = fromMillis(at), importer.Outcome(outcome)
		a.PersonGUID, a.MkabGUID, a.AttachmentGUID = unpackGUID(person), unpackGUID(mkab), unpackGUID(attach)
		if messages.Valid {
			if err := json.Unmarshal([]byte(messages.String), &a.Messages); err != nil {
				return nil, s.errorf("%s: run %d row %d: %w", what, a.RunID, a.Row, err)
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	return out, nil
}

// PruneResult says what Prune deleted.
type PruneResult struct {
	Runs     int   // runs whose rows were deleted
	Attempts int64 // attempt rows deleted
}

// Prune deletes the row-by-row trail (attempts, and message lists no
// longer used) of the runs that started before before, to bound the file
// of a nightly job. It keeps what makes re-runs safe (per key the GUIDs
// and the payload hash) and each run's record: input, its SHA-256,
// settings, counts, and when it was pruned. A run not merged yet (killed)
// is merged first. The freed pages are reused by later runs; vacuum also
// shrinks the file now, which rewrites it whole.
//
// Not on a read-only Store, nor while a run of this Store is going.
func (s *Store) Prune(before time.Time, vacuum bool) (PruneResult, error) {
	var res PruneResult
	if s.readOnly {
		return res, s.errorf("opened read-only: cannot prune")
	}
	s.mu.Lock()
	going := len(s.active)
	s.mu.Unlock()
	if going > 0 {
		return res, s.errorf("cannot prune while a run is going")
	}
	ctx := context.Background()
	if err := s.mergeLeftovers(ctx); err != nil {
		return res, err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return res, s.errorf("pruning: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE started_at < ? AND pruned_at IS NULL ORDER BY id`, millis(before))
	if err != nil {
		return res, s.errorf("pruning: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, s.errorf("pruning: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return res, s.errorf("pruning: %w", err)
	}
	now := millis(s.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM key_attempts WHERE run_id = ?`, id); err != nil {
			return res, s.errorf("pruning run %d: %w", id, err)
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE run_id = ?`, id)
		if err != nil {
			return res, s.errorf("pruning run %d: %w", id, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return res, s.errorf("pruning run %d: %w", id, err)
		}
		res.Attempts += n
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET pruned_at = ? WHERE id = ?`, now, id); err != nil {
			return res, s.errorf("pruning run %d: %w", id, err)
		}
	}
	if len(ids) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id NOT IN
			(SELECT DISTINCT messages FROM attempts WHERE messages IS NOT NULL)`); err != nil {
			return res, s.errorf("pruning messages: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return res, s.errorf("pruning: %w", err)
	}
	res.Runs = len(ids)
	if vacuum {
		if _, err := s.wdb.ExecContext(ctx, `VACUUM`); err != nil {
			return res, s.errorf("vacuum after pruning: %w", err)
		}
	}
	return res, nil
}
