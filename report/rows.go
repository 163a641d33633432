package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The spreadsheets' data rows do not go through excelize's StreamWriter:
// its per-cell path (a cell name string, two structs and an escaping
// buffer for every cell) makes the report several times slower to write,
// and its garbage raises the peak memory of a big import (BENCHMARKS.md has
// the figures). sheetRows writes them itself, in exactly the bytes
// StreamWriter.SetRow would have written, row heights included
// (TestRowsAreStreamWriterBytes and FuzzRowXML hold it to that, and
// TestRowsReadBackAsStreamWriter reads both back through excelize), into a
// temporary file; excelize still writes everything else — the header row,
// column widths, panes, autofilter, page setup, styles, the summary sheet —
// and saveBook splices the rows into the sheet part, before its
// </sheetData>, as the package is written.

// sheetRows is one results sheet's data rows as sheet XML.
type sheetRows struct {
	part    string // the sheet's part in the package: xl/worksheets/sheetN.xml
	f       *os.File
	w       *bufio.Writer
	buf     []byte // one row's XML, reused
	spliced bool
}

// newSheetRows starts the rows of the sheet a StreamWriter writes, in a
// temporary file (mode 0600) in dir.
func newSheetRows(dir string, sw *excelize.StreamWriter) (*sheetRows, error) {
	f, err := os.CreateTemp(dir, ".mipimport-rows-*")
	if err != nil {
		return nil, err
	}
	// excelize names a sheet's part after its ID (NewFile's sheet1.xml,
	// NewSheet's sheetN.xml); saveBook fails if no part had that name.
	return &sheetRows{part: fmt.Sprintf("xl/worksheets/sheet%d.xml", sw.SheetID), f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// cell is one cell of a report row: text, a number, or blank, with a
// style. Its own type rather than excelize.Cell, whose Value (an any) cost
// an allocation per text cell, twenty a row.
type cell struct {
	style int
	kind  cellKind
	text  string
	num   int
}

type cellKind uint8

const (
	blankCell cellKind = iota
	textCell
	numberCell
)

// writeRow appends row number row with cells from column A on, height
// points high (0: the default height).
func (r *sheetRows) writeRow(row int, cells []cell, height float64) error {
	b := append(r.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if height > 0 {
		b = append(b, ` ht="`...)
		b = strconv.AppendFloat(b, height, 'f', -1, 64)
		b = append(b, `" customHeight="1"`...)
	}
	b = append(b, '>')
	for i := range cells {
		b = appendCell(b, i+1, row, &cells[i])
	}
	b = append(b, `</row>`...)
	r.buf = b
	_, err := r.w.Write(b)
	return err
}

// appendCell is excelize's writeCell for the cells the reports use: the
// bytes its StreamWriter writes for an excelize.Cell with a nil, int or
// string Value.
func appendCell(b []byte, col, row int, c *cell) []byte {
	b = append(b, `<c r="`...)
	b = appendColumnName(b, col)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if c.style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(c.style), 10)
		b = append(b, '"')
	}
	switch c.kind {
	case numberCell:
		b = append(b, `><v>`...)
		b = strconv.AppendInt(b, int64(c.num), 10)
		b = append(b, `</v>`...)
	case textCell:
		b = append(b, ` t="inlineStr"><is><t`...)
		text, preserve := inlineText(c.text)
		if preserve {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = append(b, text...)
		b = append(b, `</t></is>`...)
	default:
		b = append(b, `>`...)
	}
	return append(b, `</c>`...)
}

// appendColumnName appends a column's letters: 1 → A, 27 → AA.
func appendColumnName(b []byte, col int) []byte {
	var buf [4]byte
	i := len(buf)
	for col > 0 {
		col--
		i--
		buf[i] = byte('A' + col%26)
		col /= 26
	}
	return append(b, buf[i:]...)
}

// inlineText is excelize's trimCellValue(v, true): v cut to the 32,767
// UTF-16 units a cell holds, XML-escaped (line feeds kept as they are), and
// "_xHHHH_" sequences escaped as Excel reads them; preserve when v starts
// or ends with white space.
func inlineText(v string) (text string, preserve bool) {
	if len(v) > excelize.TotalCellChars && countUTF16(v) > excelize.TotalCellChars {
		v = truncateUTF16(v, excelize.TotalCellChars)
	}
	if v == "" {
		return "", false
	}
	switch v[0] {
	case '\t', '\n', '\r', ' ':
		preserve = true
	}
	switch v[len(v)-1] {
	case '\t', '\n', '\r', ' ':
		preserve = true
	}
	if plainXML(v) {
		return v, preserve
	}
	var sb strings.Builder
	_ = xml.EscapeText(&sb, []byte(v))
	return bstrMarshal(strings.ReplaceAll(sb.String(), "&#xA;", "\n")), preserve
}

// plainXML reports whether escaping leaves v as it is: no character
// xml.EscapeText rewrites and no "_x" that bstrMarshal might.
func plainXML(v string) bool {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' ||
				c == '_' && i+1 < len(v) && v[i+1] == 'x' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			return false // replaced by U+FFFD
		}
		i += size
	}
	return true
}

func countUTF16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUTF16(s string, length int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > length {
			return s[:i]
		}
	}
	return s
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's (lib.go, BSD-3-Clause), unexported there: it
// escapes "_xHHHH_" as "_x005F_xHHHH_" so Excel shows it as typed.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

// flush writes out what is buffered.
func (r *sheetRows) flush() error { return r.w.Flush() }

// discard removes the temporary file.
func (r *sheetRows) discard() {
	_ = r.f.Close()
	_ = os.Remove(r.f.Name())
}

// splicingZip is the package's zip writer: the parts of sheets with rows
// of their own get them before their </sheetData>.
type splicingZip struct {
	*zip.Writer
	rows map[string]*sheetRows
}

func (z *splicingZip) Create(name string) (io.Writer, error) {
	w, err := z.Writer.Create(name)
	if err != nil {
		return nil, err
	}
	if r, ok := z.rows[name]; ok {
		return &splicer{w: w, rows: r}, nil
	}
	return w, nil
}

// check reports rows that found no sheet part to go into.
func (z *splicingZip) check() error {
	for _, r := range z.rows {
		if !r.spliced {
			return fmt.Errorf("report: the rows of %s were not written (excelize named the sheet's part otherwise)", r.part)
		}
	}
	return nil
}

var endSheetData = []byte("</sheetData>")

// splicer passes a sheet part through, inserting the rows' XML before
// </sheetData>. Text cannot hold that tag: "<" is escaped in it.
type splicer struct {
	w    io.Writer
	rows *sheetRows
	held []byte // the end of what came, which may begin the tag
}

func (s *splicer) Write(p []byte) (int, error) {
	if s.rows.spliced {
		return s.w.Write(p)
	}
	data := append(s.held, p...)
	if i := bytes.Index(data, endSheetData); i >= 0 {
		s.held = nil
		if _, err := s.w.Write(data[:i]); err != nil {
			return 0, err
		}
		if err := s.rows.copyTo(s.w); err != nil {
			return 0, err
		}
		s.rows.spliced = true
		if _, err := s.w.Write(data[i:]); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	keep := min(len(data), len(endSheetData)-1)
	if _, err := s.w.Write(data[:len(data)-keep]); err != nil {
		return 0, err
	}
	s.held = append([]byte(nil), data[len(data)-keep:]...)
	return len(p), nil
}

// copyTo writes the rows' XML, from the start of the file.
func (r *sheetRows) copyTo(w io.Writer) error {
	if err := r.w.Flush(); err != nil {
		return err
	}
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, r.f)
	return err
}
