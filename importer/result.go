package importer

import (
	"time"

	"mipimport/mip"
)

// Outcome is what happened to one input row (SPEC §5).
type Outcome string

// The outcomes, as written in the results file.
const (
	Uploaded  Outcome = "uploaded"  // card stored (and the attachment, if any)
	Partial   Outcome = "partial"   // card stored, attachment not
	Unchanged Outcome = "unchanged" // same data already uploaded, not sent
	Invalid   Outcome = "invalid"   // failed local validation, not sent
	Rejected  Outcome = "rejected"  // МИП said NotValid
	Errored   Outcome = "error"     // МИП said Error
	Failed    Outcome = "failed"    // HTTP or transport failure after retries
	Duplicate Outcome = "duplicate" // key repeated in the input
	NotSent   Outcome = "not_sent"  // run aborted or interrupted first
)

// Outcomes lists every outcome in the order summaries show them.
var Outcomes = []Outcome{Uploaded, Partial, Unchanged, Invalid, Rejected, Errored, Failed, Duplicate, NotSent}

// OK reports whether the outcome counts as success for the exit code.
func (o Outcome) OK() bool { return o == Uploaded || o == Unchanged }

// Item is one input row after mapping and local validation.
type Item struct {
	Row      int          // 1-based row number as the spreadsheet shows it
	Key      string       // the row's stable identity, as matched (the GUID and the state's lookups); "" when the mapping has none
	KeyShown string       // the key as the clerk typed it; "" = Key
	Patient  *mip.Patient // what to send; nil when Invalid
	Invalid  bool         // failed local validation: not sent
	Messages []string     // local validation messages (errors and warnings), Russian
	Cells    []string     // the row's original cell values, for the report
}

// Result is what the importer reports for one row.
type Result struct {
	Row              int
	Key              string // the key as the clerk typed it (Item.KeyShown)
	MatchKey         string // the key as matched (Item.Key), for the state; "" = Key
	Outcome          Outcome
	MkabStatus       string
	AttachmentStatus string
	PersonGUID       string
	MkabGUID         string
	AttachmentGUID   string
	Messages         []string
	HTTPStatus       int
	Attempts         int
	Cells            []string // the row's original cell values
	// Who is the row's identity as the state hashes it, to remember for
	// the key when the row is stored; zero without a state or a key.
	Who Fingerprint
}

// Summary is the account of a whole run.
type Summary struct {
	Start, End time.Time
	Counts     map[Outcome]int
	Rows       int
	Requests   int   // HTTP requests made, retries included
	Aborted    error // why the run stopped early; nil when it ran to the end
}

// OK reports whether every row ended uploaded or unchanged.
func (s Summary) OK() bool {
	for o, n := range s.Counts {
		if n > 0 && !o.OK() {
			return false
		}
	}
	return true
}
