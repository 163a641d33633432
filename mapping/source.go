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
}

// SourceOptions say how to open a Source.
type SourceOptions struct {
	TmpDir string
	Now    func() time.Time
}

// OpenSource opens path with the mapping's input settings. Errors name the
// file and sheet, or the mapping file's line.
func OpenSource(path string, m *Mapping, o SourceOptions) (*Source, error) {
	t, err := reader.Open(path, reader.ReadOptions{Sheet: m.Sheet, Encoding: m.Encoding, Delimiter: m.Delimiter, TmpDir: o.TmpDir})
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
	h, err := FindHeader(t, m.HeaderRow, func(folded string) bool { return wanted[folded] || GuessField(folded) != nil })
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
	return &Source{Path: path, Table: t, Header: h, Mapper: mp, ConvertedBy: reader.ConvertedBy(t)}, nil
}

// Next returns the next non-blank data row, mapped; io.EOF at the end.
func (s *Source) Next() (Record, error) {
	for {
		line, cells, err := s.Table.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, io.EOF
			}
			return Record{}, wrapRead(s.Path, s.Table.Sheet(), err)
		}
		if isBlank(cells) {
			continue // blank rows are not data; the row numbers of the others stay as the sheet shows them
		}
		return s.Mapper.MapCells(line, cells, reader.CellKinds(s.Table)), nil
	}
}

// Close releases the file and any temporary files.
func (s *Source) Close() error { return s.Table.Close() }

// ReadHeader opens path and returns its header row, found with the
// built-in dictionary of column titles (for `mapping init`).
func ReadHeader(path string, o reader.ReadOptions, headerRow int) (Header, string, error) {
	t, err := reader.Open(path, o)
	if err != nil {
		return Header{}, "", err
	}
	defer t.Close()
	h, err := FindHeader(t, headerRow, func(folded string) bool { return GuessField(folded) != nil })
	if err != nil {
		return Header{}, t.Sheet(), wrapRead(path, t.Sheet(), err)
	}
	return h, t.Sheet(), nil
}

func wrapRead(path, sheet string, err error) error {
	var re *reader.ReadError
	if errors.As(err, &re) {
		return err
	}
	return &reader.ReadError{File: path, Sheet: sheet, Err: err}
}
