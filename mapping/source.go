package mapping

import (
	"errors"
	"io"
	"time"

	"mipimport/mapping/reader"
)

// Source reads an input file through a mapping: it opens the table, finds
// the header, resolves the columns, then yields one Record per data row.
type Source struct {
	Path   string
	Table  reader.Table
	Header Header
	Mapper *Mapper
	// ConvertedBy is set when an .xls/.ods was converted by LibreOffice.
	ConvertedBy string
	// MissingSheet is the mapping's sheet when the workbook has no such
	// sheet and its only sheet was read instead (a fix file).
	MissingSheet string
	noise        *noise
	pending      *headerRow // a row read ahead while finding the header
}

// SourceOptions say how to open a Source.
type SourceOptions struct {
	TmpDir string
	Now    func() time.Time
}

// OpenSource opens path with the mapping's input settings. Errors name the
// file and sheet, or the mapping file's line.
func OpenSource(path string, m *Mapping, o SourceOptions) (*Source, error) {
	ro := reader.ReadOptions{Sheet: m.Sheet, Encoding: m.Encoding, Delimiter: m.Delimiter, TmpDir: o.TmpDir}
	t, err := reader.Open(path, ro)
	otherSheet := ""
	if err != nil && m.Sheet != "" {
		// A mapping that names its sheet also reads the fix file, whose
		// only sheet has another name: a workbook of one sheet is read
		// through it (the header must still have the mapping's columns).
		if sheets, serr := reader.Sheets(path); serr == nil && len(sheets) == 1 && sheets[0] != m.Sheet {
			ro.Sheet = sheets[0]
			if t2, err2 := reader.Open(path, ro); err2 == nil {
				t, err, otherSheet = t2, nil, m.Sheet
			}
		}
	}
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, s := range m.Fields {
		for _, c := range s.Columns {
			wanted[foldKey(c)] = true
		}
	}
	// A title counts when the mapping names it or the built-in dictionary
	// knows it, so a mapping with a mistyped column still finds the header
	// and the error can name the column.
	h, pending, err := findHeader(t, m.HeaderRow, func(folded string) bool { return wanted[folded] || knownTitle(folded) })
	if err != nil {
		t.Close()
		return nil, wrapRead(path, t.Sheet(), err)
	}
	_, _, isCSV := reader.CSVFormat(t)
	mp, err := Compile(m, h, MapperOptions{Now: o.Now, Date1904: t.Date1904(), SavedBy: reader.SavedBy(t), Workbook: !isCSV})
	if err != nil {
		t.Close()
		return nil, err
	}
	return &Source{Path: path, Table: t, Header: h, Mapper: mp, ConvertedBy: reader.ConvertedBy(t), MissingSheet: otherSheet,
		noise: newNoise(h), pending: pending}, nil
}

// Next returns the next non-blank row, mapped; io.EOF at the end. A row
// that holds no patient (a repeated header, a totals row) comes back
// unmapped with Noise saying why.
func (s *Source) Next() (Record, error) {
	for {
		line, cells, err := s.Row()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, io.EOF
			}
			return Record{}, wrapRead(s.Path, s.Table.Sheet(), err)
		}
		if isBlank(cells) {
			continue // blank rows are not data; the row numbers of the others stay as the sheet shows them
		}
		if why := s.noise.kind(cells); why != "" {
			return Record{Line: line, Noise: why, Cells: cells}, nil
		}
		return s.Mapper.MapCells(line, cells, reader.CellKinds(s.Table)), nil
	}
}

// Row returns the next row past the header as the table holds it,
// unmapped: the row read ahead while finding the header first, then the
// table's. Read the rows through Row (or Next), not through Table.
func (s *Source) Row() (int, []string, error) {
	if p := s.pending; p != nil {
		s.pending = nil
		return p.line, p.cells, nil
	}
	return s.Table.Next()
}

// Close releases the file and any temporary files.
func (s *Source) Close() error { return s.Table.Close() }

func wrapRead(path, sheet string, err error) error {
	var re *reader.ReadError
	if errors.As(err, &re) {
		return err
	}
	return &reader.ReadError{File: path, Sheet: sheet, Err: err}
}
