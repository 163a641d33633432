package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// applicationID marks the file as a mipimport state ("MIPI" in the SQLite
// header, PRAGMA application_id), so Open refuses some other program's
// database instead of adding tables to it. The schema version is kept in
// PRAGMA user_version; both live in the file header and change in the same
// transaction as the migration steps.
const applicationID = 0x4D495049

var (
	errNewerSchema  = errors.New("it was made by a newer mipimport; use that version or a new --state file")
	errNotStateFile = errors.New("it is not a mipimport state file")
)

// A migration is one step of the schema. Steps are never edited once
// released: a change is a new step appended at the end. Times are unix
// milliseconds (UTC); absent statuses and GUIDs are empty text.
type migration struct {
	name string
	sql  string
}

// readableFrom is the oldest schema version the history commands read
// without upgrading the file (they open it read-only): the steps after it
// only add columns, read as absent.
const readableFrom = 3

func migrations() []migration {
	return []migration{
		{"tables", `
CREATE TABLE targets (
	id  INTEGER PRIMARY KEY,
	url TEXT NOT NULL UNIQUE          -- МИП base URL, no credentials
);
CREATE TABLE runs (
	id         INTEGER PRIMARY KEY,
	started_at INTEGER NOT NULL,
	ended_at   INTEGER,                -- NULL: never finished (killed, crashed)
	target_id  INTEGER NOT NULL REFERENCES targets(id),
	input      TEXT NOT NULL,
	input_hash TEXT NOT NULL,          -- hex sha256 of the input file
	settings   TEXT NOT NULL,          -- JSON, no secrets
	dry_run    INTEGER NOT NULL,
	counts     TEXT,                   -- JSON {"outcome": n}, NULL until finished
	aborted    TEXT NOT NULL DEFAULT '' -- why the run stopped early
);
-- What МИП holds for a key: the row is sent again unless its payload hash
-- equals payload_hash (empty = must be sent again, e.g. the attachment
-- failed). GUIDs are BLOBs of 16 bytes when МИП gave them in canonical
-- form (lower-case, dashed), else its text as given; a payload hash is 32
-- bytes, or empty text.
CREATE TABLE patients (
	target_id       INTEGER NOT NULL,
	mcod            TEXT NOT NULL,
	key             TEXT NOT NULL,
	mkab_guid       BLOB NOT NULL,
	person_guid     BLOB NOT NULL,
	attachment_guid BLOB NOT NULL,
	payload_hash    BLOB NOT NULL,
	updated_at      INTEGER NOT NULL,
	run_id          INTEGER NOT NULL,  -- the run that last stored it
	PRIMARY KEY (target_id, mcod, key)
) WITHOUT ROWID;
-- Each distinct list of row messages, stored once: a nightly run repeats
-- the same few lists on thousands of rows.
CREATE TABLE messages (
	id   INTEGER PRIMARY KEY,
	json TEXT NOT NULL UNIQUE          -- JSON array of strings
);
-- The audit trail: one row per input row per run, whatever its outcome.
CREATE TABLE attempts (
	id                INTEGER PRIMARY KEY,
	run_id            INTEGER NOT NULL REFERENCES runs(id),
	at                INTEGER NOT NULL,
	row               INTEGER NOT NULL,
	mcod              TEXT NOT NULL,
	key               TEXT NOT NULL,
	outcome           TEXT NOT NULL,
	mkab_status       TEXT NOT NULL,
	attachment_status TEXT NOT NULL,
	person_guid       BLOB NOT NULL,   -- as in patients
	mkab_guid         BLOB NOT NULL,
	attachment_guid   BLOB NOT NULL,
	messages          INTEGER REFERENCES messages(id), -- NULL when none
	http_status       INTEGER NOT NULL,
	attempts          INTEGER NOT NULL
);`},
		{"audit indexes", `
CREATE INDEX attempts_by_key ON attempts(key) WHERE key <> '';
CREATE INDEX attempts_by_run_row ON attempts(run_id, row);`},
		// A run writes only at the end of its tables while it imports: rows
		// come in any key order, and an index in key order would take a
		// random page write per row.
		// What an attempt stored for its key is kept in the attempt and
		// merged into patients, sorted, when the run finishes — or when the
		// next run begins, for a run that was killed. key_attempts replaces
		// attempts_by_key for `history key`: each run adds its own block,
		// sorted, at the end of it.
		{"merge at the end of a run", `
ALTER TABLE runs ADD COLUMN merged INTEGER NOT NULL DEFAULT 1; -- 0: not yet in patients and key_attempts
ALTER TABLE runs ADD COLUMN pruned_at INTEGER;  -- when its attempts were deleted (history prune); NULL: kept
-- What the attempt stored for its key (as patients.payload_hash), NULL
-- when it stored nothing.
ALTER TABLE attempts ADD COLUMN payload_hash BLOB;
CREATE TABLE key_attempts (
	run_id     INTEGER NOT NULL,
	key        TEXT NOT NULL,
	attempt_id INTEGER NOT NULL,
	PRIMARY KEY (run_id, key, attempt_id)
) WITHOUT ROWID;
INSERT INTO key_attempts SELECT run_id, key, id FROM attempts WHERE key <> '' ORDER BY run_id, key, id;
DROP INDEX attempts_by_key;`},
		// The summary of a past run (history export) shows its requests
		// beside its counts and settings.
		{"requests per run", `
ALTER TABLE runs ADD COLUMN requests INTEGER; -- HTTP requests made, retries included; NULL: not recorded`},
		// Who each key was uploaded for, as three salted 8-byte hashes (of
		// the folded family, the folded name, the birthday), so a later row
		// that describes another person under the key is not sent; and each
		// attempt's key as the clerk typed it. A key stored before this step
		// has no fingerprint: it gets one on its next upload, or when a run
		// finds its row unchanged. The salt is the file's own: the same
		// family in two files hashes differently.
		{"who a key was uploaded for; keys as typed", `
CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(name, value) VALUES ('identity_salt', randomblob(32));
ALTER TABLE patients ADD COLUMN who BLOB NOT NULL DEFAULT x''; -- 24 bytes, or empty: not known
ALTER TABLE attempts ADD COLUMN who BLOB;                       -- the row's fingerprint, NULL when none
ALTER TABLE attempts ADD COLUMN key_shown TEXT NOT NULL DEFAULT ''; -- the key as typed, '' = key`},
	}
}

// migrate brings the schema of db to version upto (len(migrations()) in
// production; tests stop earlier to make an old file), in one transaction.
func migrate(ctx context.Context, db *sql.DB, upto int) error {
	steps := migrations()
	if upto > len(steps) {
		return fmt.Errorf("schema version %d is unknown", upto)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	defer tx.Rollback()
	var appID, version, objects int
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'`).Scan(&objects); err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	switch {
	case appID == 0 && version == 0 && objects == 0: // new file
	case appID != applicationID:
		return errNotStateFile
	case version > len(steps):
		return fmt.Errorf("schema version %d, this mipimport knows up to %d: %w", version, len(steps), errNewerSchema)
	}
	if version >= upto {
		return nil
	}
	for i := version; i < upto; i++ {
		if _, err := tx.ExecContext(ctx, steps[i].sql); err != nil {
			return fmt.Errorf("upgrading the schema to version %d (%s): %w", i+1, steps[i].name, err)
		}
	}
	// PRAGMA takes no parameters; both values are integers we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, applicationID, upto)); err != nil {
		return fmt.Errorf("recording the schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrading the schema: %w", err)
	}
	return nil
}

const attemptColumns = 17

// insertAttemptsSQL inserts n attempts.
func insertAttemptsSQL(n int) string {
	return `INSERT INTO attempts
	(run_id, at, row, mcod, key, outcome, mkab_status, attachment_status,
	 person_guid, mkab_guid, attachment_guid, messages, http_status, attempts, payload_hash, who, key_shown)
	VALUES ` + placeholders(n, attemptColumns)
}

// Merging a run: what its attempts stored per key goes into patients in
// key order, so each page of the table is written once, the later answer
// for a key winning; a non-empty stored GUID is never replaced by an empty
// one. Its attempts go into key_attempts, again in key order, under the
// key and, when the clerk typed it otherwise, under the key as typed too
// (so `history key` finds «A-1003» as well as «a-1003»). A key the state
// knows without a fingerprint takes the one of a row the run found
// unchanged: the same payload, so the same person.
const (
	sqlMergePatients = `INSERT INTO patients
	(target_id, mcod, key, mkab_guid, person_guid, attachment_guid, payload_hash, updated_at, run_id, who)
	SELECT ?, mcod, key, mkab_guid, person_guid, attachment_guid, payload_hash, at, run_id, coalesce(who, x'')
	FROM attempts WHERE run_id = ? AND payload_hash IS NOT NULL ORDER BY mcod, key, id
	ON CONFLICT (target_id, mcod, key) DO UPDATE SET
	mkab_guid       = iif(excluded.mkab_guid <> '', excluded.mkab_guid, mkab_guid),
	person_guid     = iif(excluded.person_guid <> '', excluded.person_guid, person_guid),
	attachment_guid = iif(excluded.attachment_guid <> '', excluded.attachment_guid, attachment_guid),
	payload_hash    = excluded.payload_hash,
	updated_at      = excluded.updated_at,
	run_id          = excluded.run_id,
	who             = iif(length(excluded.who) > 0, excluded.who, who)`
	sqlMergeWho = `UPDATE patients SET who = a.who
	FROM (SELECT mcod, key, who FROM attempts WHERE run_id = ?2 AND outcome = 'unchanged' AND who IS NOT NULL) AS a
	WHERE patients.target_id = ?1 AND patients.mcod = a.mcod AND patients.key = a.key AND length(patients.who) = 0`
	sqlMergeKeyAttempts = `INSERT OR IGNORE INTO key_attempts (run_id, key, attempt_id)
	SELECT run_id, key, id FROM attempts WHERE run_id = ?1 AND key <> ''
	UNION ALL
	SELECT run_id, key_shown, id FROM attempts WHERE run_id = ?1 AND key_shown <> '' AND key_shown <> key
	ORDER BY 2, 3`
	sqlMergeRunDone = `UPDATE runs SET merged = 1 WHERE id = ?`
)

// placeholders is "(?, ?), (?, ?)" for rows × cols.
func placeholders(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.Grow(rows * (len(row) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

const sqlGetPatient = `SELECT mkab_guid, person_guid, attachment_guid, payload_hash, who
	FROM patients WHERE target_id = ? AND mcod = ? AND key = ?`

// getPatientSQL is sqlGetPatient for a file at schema version: before
// schema 5 no key has a fingerprint.
func getPatientSQL(version int) string {
	if version < 5 {
		return strings.Replace(sqlGetPatient, "payload_hash, who", "payload_hash, x'' AS who", 1)
	}
	return sqlGetPatient
}

const sqlGetMessages = `SELECT id FROM messages WHERE json = ?`

const sqlInsertMessages = `INSERT INTO messages(json) VALUES (?)`
