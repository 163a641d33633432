package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"

	"mipimport/importer"
)

// JSONL writes one JSON object per row (SPEC §5) to a JSON Lines file. It is
// not safe for concurrent use.
type JSONL struct {
	path string
	f    *os.File
	w    *bufio.Writer
	enc  *json.Encoder
	line jsonLine // reused: no per-row allocation for the record itself
}

// jsonLine is the wire form of one row. The GUID keys are always present
// (empty when unknown) so that jq filters need no null checks; the row's cell
// values are deliberately absent.
type jsonLine struct {
	Row              int      `json:"row"`
	Key              string   `json:"key,omitempty"`
	Outcome          string   `json:"outcome"`
	MkabStatus       string   `json:"mkabStatus"`
	AttachmentStatus string   `json:"attachmentStatus"`
	PersonGUID       string   `json:"personGuid"`
	MkabGUID         string   `json:"mkabGuid"`
	AttachmentGUID   string   `json:"attachmentGuid"`
	Messages         []string `json:"messages"`
	HTTPStatus       int      `json:"httpStatus"`
	Attempts         int      `json:"attempts"`
}

// NewJSONL creates (or truncates) the results file at path with mode 0600.
func NewJSONL(path string) (*JSONL, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	// OpenFile keeps the mode of a file that already existed.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 32<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<" and "&" in messages readable
	return &JSONL{path: path, f: f, w: w, enc: enc}, nil
}

// Write appends r as one line and flushes it to the file, so that the file
// tells which rows were done even if the process dies.
func (j *JSONL) Write(r importer.Result) error {
	if j.f == nil {
		return fmt.Errorf("results file %s: %w", j.path, fs.ErrClosed)
	}
	msgs := r.Messages
	if msgs == nil {
		msgs = []string{} // [] in the file, never null
	}
	j.line = jsonLine{
		Row:              r.Row,
		Key:              r.Key,
		Outcome:          string(r.Outcome),
		MkabStatus:       r.MkabStatus,
		AttachmentStatus: r.AttachmentStatus,
		PersonGUID:       r.PersonGUID,
		MkabGUID:         r.MkabGUID,
		AttachmentGUID:   r.AttachmentGUID,
		Messages:         msgs,
		HTTPStatus:       r.HTTPStatus,
		Attempts:         r.Attempts,
	}
	if err := j.enc.Encode(&j.line); err != nil { // Encode ends the line with "\n"
		return fmt.Errorf("results file %s, row %d: %w", j.path, r.Row, err)
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("results file %s: %w", j.path, err)
	}
	return nil
}

// Close flushes and closes the file. A second Close returns an error
// wrapping fs.ErrClosed.
func (j *JSONL) Close() error {
	if j.f == nil {
		return fmt.Errorf("results file %s: %w", j.path, fs.ErrClosed)
	}
	f := j.f
	j.f = nil
	err := j.w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("results file %s: %w", j.path, err)
	}
	return nil
}
