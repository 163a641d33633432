// Package state is the embedded database behind `mipimport import --state`
// (SPEC §6): per patient key the GUIDs МИП returned and the hash of the last
// payload it accepted, per run its input, settings and counts, and per row
// an attempt record — the auditor's trail.
//
// The file is SQLite (modernc.org/sqlite, pure Go, so the binary stays
// static) in WAL mode. One process at a time: Open takes an advisory lock on
// PATH.lock, and inside the process all writes go through one connection.
// Saves are queued and committed in short transactions (every 256 rows or
// 100 ms, whichever comes first), so a `kill -9` loses at most the last
// ~100 ms of answers; those rows are resent on the next run with the same,
// deterministic GUIDs.
//
// While a run goes it only appends: what an attempt stored for its key
// (GUIDs, payload hash) is kept in the attempt and merged into patients,
// in key order, when the run finishes (or when the next run begins, after
// a kill). Rows come in no key order, so writing the key-ordered tables
// row by row would cost a random page write per row.
//
// Personal data stays out: the state holds the row key (which may be a
// СНИЛС — hence file mode 0600), GUIDs, payload hashes, statuses, the
// messages the caller passes, and per key who it was uploaded for as three
// salted hashes (family, name, birthday; the salt is the file's own), so
// that a later row describing another person under the key is caught.
// Never a payload, a name or a date.
package state
