package mapping

import (
	"errors"
	"fmt"
	"strings"

	"mipimport/mapping/reader"
)

// Proposal is a mapping guessed from an input file: which sheet, which
// header, which fields.
type Proposal struct {
	Sheet string // the sheet read; "" for a CSV file
	// Pinned says the sheet was chosen among several because the first
	// visible sheet, First, holds no patient list; the mapping names it.
	Pinned bool
	First  string
	Guess  Guess
}

// sheetLook is what one sheet offered while looking for the patient list.
type sheetLook struct {
	name  string
	guess Guess
	err   error
}

// Propose reads the header of path and guesses a mapping from it (`mapping
// init`, and `import` without --mapping). The sheet is o.Sheet when given;
// otherwise the first visible sheet, unless its header lacks some of what
// МИП requires of every card (the name, the birthday, the polis, the
// phone): then every visible sheet is looked at and the one whose header
// has most of them is taken (Pinned). When no sheet has at least two of
// them, the error names each sheet with what was found there.
func Propose(path string, o reader.ReadOptions, headerRow int) (Proposal, error) {
	first := lookAt(path, o, headerRow)
	if o.Sheet != "" || (first.err == nil && first.guess.requiredGroups() == allRequiredGroups) {
		return proposal(first, false, "")
	}
	sheets, err := reader.Sheets(path)
	if err != nil || len(sheets) < 2 {
		return proposal(first, false, "")
	}
	looks := []sheetLook{first}
	for _, name := range sheets {
		if name == first.name {
			continue
		}
		so := o
		so.Sheet = name
		looks = append(looks, lookAt(path, so, headerRow))
	}
	best := -1
	for i, l := range looks {
		if l.err != nil {
			continue
		}
		if best < 0 || better(l.guess, looks[best].guess) {
			best = i
		}
	}
	if best >= 0 && looks[best].guess.requiredGroups() >= 2 {
		return proposal(looks[best], best > 0, first.name)
	}
	return Proposal{}, noPatientSheet(path, looks)
}

func proposal(l sheetLook, pinned bool, first string) (Proposal, error) {
	if l.err != nil {
		return Proposal{Sheet: l.name}, l.err
	}
	p := Proposal{Sheet: l.name, Pinned: pinned, Guess: l.guess}
	if pinned {
		p.First = first
	}
	return p, nil
}

// better reports whether sheet a's header names more of a patient list than
// b's: more required groups, then more fields.
func better(a, b Guess) bool {
	if ga, gb := a.requiredGroups(), b.requiredGroups(); ga != gb {
		return ga > gb
	}
	return len(a.Fields) > len(b.Fields)
}

// lookAt reads one sheet's header and guesses its mapping.
func lookAt(path string, o reader.ReadOptions, headerRow int) sheetLook {
	t, err := reader.Open(path, o)
	if err != nil {
		return sheetLook{name: o.Sheet, err: err}
	}
	defer t.Close()
	l := sheetLook{name: t.Sheet()}
	h, _, err := findHeader(t, headerRow, knownTitle)
	if err != nil {
		l.err = wrapRead(path, t.Sheet(), err)
		return l
	}
	l.guess = GuessMapping(h)
	return l
}

// SheetsError says that no sheet of a workbook holds a patient list, and
// what each sheet offered.
type SheetsError struct {
	File   string
	Sheets []SheetFinding
}

// SheetFinding is what one sheet offered: its header row and the fields
// it names, or why no header was found (Err).
type SheetFinding struct {
	Name       string
	HeaderLine int
	Fields     []*Field
	Err        error
}

func (e *SheetsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: no sheet has a header with the patient's columns (the name, the birthday, the polis, the phone):", e.File)
	for _, s := range e.Sheets {
		fmt.Fprintf(&b, "\n  sheet %q: ", s.Name)
		var re *reader.ReadError
		switch {
		case errors.As(s.Err, &re):
			b.WriteString(re.Err.Error())
		case s.Err != nil:
			b.WriteString(s.Err.Error())
		case len(s.Fields) == 0:
			fmt.Fprintf(&b, "header in row %d, but no column names a patient field", s.HeaderLine)
		default:
			names := make([]string, len(s.Fields))
			for i, f := range s.Fields {
				names[i] = f.Path
			}
			fmt.Fprintf(&b, "header in row %d with %s only", s.HeaderLine, strings.Join(names, ", "))
		}
	}
	b.WriteString("\nname the sheet with the patients: --sheet NAME (or sheet: in the mapping)")
	return b.String()
}

// noPatientSheet is the error of a workbook none of whose sheets holds a
// patient list.
func noPatientSheet(path string, looks []sheetLook) error {
	e := &SheetsError{File: path}
	for _, l := range looks {
		f := SheetFinding{Name: l.name, Err: l.err}
		if l.err == nil {
			f.HeaderLine = l.guess.Header.Line
			for _, m := range l.guess.Fields {
				f.Fields = append(f.Fields, m.Field)
			}
		}
		e.Sheets = append(e.Sheets, f)
	}
	return e
}
