package reader

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvTable reads a CSV or TSV file as exported by Russian-locale Excel
// (";" and Windows-1251) or by anything else (UTF-8, with or without BOM,
// UTF-16 with BOM, KOI8-R, "," or tab; LF, CRLF or old Mac CR line ends).
type csvTable struct {
	path     string
	f        *os.File
	r        *csv.Reader
	raw      *rawTee
	encoding string // the encoding used, for the log and the no-header hint
	comma    rune   // the delimiter used, likewise
	// row is the spreadsheet row of the record read last: a record is one
	// row however many line breaks its quoted cells hold, and a blank line
	// is an empty row (Excel and LibreOffice show both so).
	row int
}

// sniffSize is how much of the file is examined to detect the encoding and
// the delimiter.
const sniffSize = 64 << 10

// maxRecordBytes bounds one CSV record (a row, with the line breaks inside
// its quoted cells): a 10 MB cell still reads, an unclosed quote near the
// top of a big file does not swallow the rest of it into memory.
const maxRecordBytes = 16 << 20

func openCSV(path string, o ReadOptions) (*csvTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	t, err := newCSVTable(path, f, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.f = f
	return t, nil
}

func newCSVTable(path string, src io.Reader, o ReadOptions) (*csvTable, error) {
	br := bufio.NewReaderSize(src, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &ReadError{File: path, Err: err}
	}
	t := &csvTable{path: path}
	var text io.Reader = br
	enc := o.Encoding
	if enc == "" || enc == "auto" {
		enc = detectEncoding(head)
	}
	var dec func() *encoding.Decoder
	switch enc {
	case "utf-8":
		if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
			br.Discard(3)
			head = head[3:]
		}
	case "windows-1251":
		dec = charmap.Windows1251.NewDecoder
	case "koi8-r":
		dec = charmap.KOI8R.NewDecoder
	case "utf-16le", "utf-16be":
		order := unicode.LittleEndian
		if enc == "utf-16be" {
			order = unicode.BigEndian
		}
		dec = unicode.UTF16(order, unicode.UseBOM).NewDecoder // the BOM is dropped
	default:
		return nil, &ReadError{File: path, Err: fmt.Errorf("unknown encoding %q", enc)}
	}
	if dec != nil {
		// One decoder for the sniffed block, another for the stream: a
		// UTF-16 decoder remembers that it has seen the BOM.
		text = transform.NewReader(br, dec())
		head, _ = dec().Bytes(head)
	}
	t.encoding = enc
	if bytes.IndexByte(head, 0) >= 0 {
		msg := "this is not a text file (it holds binary zero bytes); save the table as .xlsx or CSV"
		if looksUTF16(head) {
			msg = "this looks like UTF-16 text without a byte order mark; save the table as CSV in UTF-8 or as .xlsx"
		}
		return nil, &ReadError{File: path, Err: errors.New(msg)}
	}
	// Old Mac files end lines with a bare CR, which encoding/csv does not
	// take for a line end: the whole file would be one row.
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		text = transform.NewReader(text, crToLF{})
		head = bytes.ReplaceAll(head, []byte("\r"), []byte("\n"))
	}
	comma := o.Delimiter
	if comma == "" || comma == "auto" {
		comma = string(detectDelimiter(head))
	}
	t.comma, _ = utf8.DecodeRuneInString(comma)
	t.raw = &rawTee{r: text}
	t.r = csv.NewReader(t.raw)
	t.r.Comma = t.comma
	t.r.FieldsPerRecord = -1 // ragged rows are reported per row by the mapper
	t.r.LazyQuotes = true    // hand-made files hold bare quotes: ООО "Ромашка"
	return t, nil
}

// detectEncoding: a BOM tells UTF-8 or UTF-16; valid UTF-8 means UTF-8;
// anything else is Windows-1251, the code page Russian Excel writes CSV
// in, unless its letters read as Russian only in KOI8-R.
func detectEncoding(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return "utf-8"
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		return "utf-16le"
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		return "utf-16be"
	}
	// The sniffed block may end inside a multi-byte character.
	h := head
	for i := 0; i < utf8.UTFMax && len(h) > 0; i++ {
		if utf8.Valid(h) {
			return "utf-8"
		}
		h = h[:len(h)-1]
	}
	if len(h) == 0 {
		return "utf-8"
	}
	if isKOI8R(head) {
		return "koi8-r"
	}
	return "windows-1251"
}

// ruLetterFreq is how often each Russian letter а…я occurs in text, per
// ten thousand letters.
var ruLetterFreq = [32]int{
	801, 159, 454, 170, 298, 845, 94, 165, 735, 121, 349, 440, 321, 670, 1097, 281,
	473, 547, 626, 262, 26, 97, 48, 144, 73, 36, 4, 190, 174, 32, 64, 201,
}

// isKOI8R tells a KOI8-R block from a Windows-1251 one. Both put Russian
// letters in 0xC0–0xFF, in different orders, so each reading is scored by
// how common its letters are (case aside: registries write names in
// capitals); the wrong reading is a jumble of rare letters. Windows-1251
// wins unless KOI8-R is clearly better on enough letters.
func isKOI8R(head []byte) bool {
	score := func(cm *charmap.Charmap) (sum, letters int) {
		for _, b := range head {
			if b < 0xC0 {
				continue
			}
			r := cm.DecodeByte(b)
			if r >= 'А' && r <= 'Я' {
				r += 'а' - 'А'
			}
			if r >= 'а' && r <= 'я' {
				sum += ruLetterFreq[r-'а']
				letters++
			}
		}
		return sum, letters
	}
	koi, n := score(charmap.KOI8R)
	win, _ := score(charmap.Windows1251)
	return n >= 8 && koi*4 > win*5
}

// looksUTF16 reports whether the zero bytes of a block sit at every other
// position, as in UTF-16 text (digits, ";" and line ends have a zero high byte).
func looksUTF16(head []byte) bool {
	var even, odd int
	for i, b := range head {
		if b == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	return len(head) >= 8 && (even == 0) != (odd == 0) && (even+odd)*4 >= len(head)
}

// crToLF turns the bare CR line ends of an old Mac file into LF.
type crToLF struct{ transform.NopResetter }

func (crToLF) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	n := copy(dst, src)
	for i, c := range dst[:n] {
		if c == '\r' {
			dst[i] = '\n'
		}
	}
	if n < len(src) {
		return n, n, transform.ErrShortDst
	}
	return n, n, nil
}

// rawTee keeps the text of the record being read, so that a record that
// spans lines can be checked for a broken quote, and stops a record that
// grows past maxRecordBytes.
type rawTee struct {
	r     io.Reader
	buf   []byte // the text read from input offset off on
	off   int64
	start int64 // the input offset where the next record's text begins
}

var errRecordTooLong = fmt.Errorf("a row is longer than %d MiB (a quote that is never closed?); refused", maxRecordBytes>>20)

func (t *rawTee) Read(p []byte) (int, error) {
	if done := int(t.start - t.off); done > 0 { // drop what take handed out
		t.buf = t.buf[:copy(t.buf, t.buf[done:])]
		t.off = t.start
	}
	if len(t.buf) > maxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// take returns the text from the end of the previous record up to input
// offset end: the record just read and the blank lines before it. The
// slice is valid until the next Read.
func (t *rawTee) take(end int64) []byte {
	i := int(t.start - t.off)
	j := int(min(max(end-t.off, int64(i)), int64(len(t.buf))))
	rec := t.buf[i:j:j]
	t.start = t.off + int64(j)
	return rec
}

// blankLines counts the empty lines between the end of the previous
// record and the text not yet handed out, for the row number of a record
// encoding/csv failed to read.
func (t *rawTee) blankLines() int {
	i := int(t.start - t.off)
	if i < 0 || i > len(t.buf) {
		return 0
	}
	return leadingBlankLines(t.buf[i:])
}

// detectDelimiter counts ';', ',' and tab outside quotes in the first lines
// and picks the most frequent; ';' wins ties, as Russian Excel writes it.
func detectDelimiter(head []byte) rune {
	counts := map[rune]int{}
	inQuote, lines := false, 0
	for _, c := range string(head) {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			lines++
		case c == ';' || c == ',' || c == '\t':
			counts[c]++
		}
		if lines >= 20 {
			break
		}
	}
	best := ';'
	for _, c := range []rune{',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

func (t *csvTable) Next() (int, []string, error) {
	rec, err := t.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		row := t.row + 1 + t.raw.blankLines()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return row, nil, &ReadError{File: t.path, Line: row, Column: fmt.Sprintf("№%d", pe.Column),
				Err: fmt.Errorf("%w (line %d of the file)", pe.Err, pe.Line)}
		}
		return row, nil, &ReadError{File: t.path, Line: row, Err: err}
	}
	line, _ := t.r.FieldPos(0)
	raw := t.raw.take(t.r.InputOffset())
	blanks := leadingBlankLines(raw)
	t.row += 1 + blanks
	// Only a line break inside a cell can hide a swallowed row.
	if slices.ContainsFunc(rec, func(c string) bool { return strings.IndexByte(c, '\n') >= 0 }) {
		if col, last, ok := brokenQuote(raw, t.comma); !ok {
			what := fmt.Sprintf("lines %d–%d of the file ran together into one row", line, line+last)
			if last == 0 {
				what = "it runs on to the end of the file"
			}
			return t.row, nil, &ReadError{File: t.path, Line: t.row, Column: fmt.Sprintf("№%d", col), Err: fmt.Errorf(
				"a quoted value is not closed properly (a \" inside it is not doubled, or the closing \" is missing), so %s; double the quotes inside the value, or remove them", what)}
		}
	}
	for i, c := range rec {
		if strings.Contains(c, "\ufeff") { // a BOM inside the file: two exports glued together
			rec[i] = strings.ReplaceAll(c, "\ufeff", "")
		}
	}
	return t.row, rec, nil
}

// leadingBlankLines counts the empty lines at the start of raw: encoding/csv
// skips them, a spreadsheet shows each as an empty row.
func leadingBlankLines(raw []byte) int {
	n := 0
	for {
		switch {
		case bytes.HasPrefix(raw, []byte("\n")):
			raw = raw[1:]
		case bytes.HasPrefix(raw, []byte("\r\n")):
			raw = raw[2:]
		default:
			return n
		}
		n++
	}
}

// brokenQuote checks the text of a record that spans lines: every quoted
// field must end with a quote followed by the delimiter or the line end.
// With LazyQuotes, encoding/csv reads on past an undoubled quote or a
// missing closing quote into the following lines, which then vanish into
// one cell. It returns ok, or the 1-based column of the broken field and
// how many line breaks the record swallowed.
func brokenQuote(raw []byte, comma rune) (col, lines int, ok bool) {
	raw = bytes.TrimLeft(raw, "\r\n") // blank lines before the record
	record := raw
	broken := func() (int, int, bool) {
		return col, bytes.Count(bytes.TrimRight(record, "\r\n"), []byte{'\n'}), false
	}
	var sep [utf8.UTFMax]byte
	delim := sep[:utf8.EncodeRune(sep[:], comma)]
	col = 1
	for len(raw) > 0 {
		if raw[0] != '"' { // an unquoted field: up to the delimiter or line end
			i := bytes.IndexAny(raw, string(delim)+"\n")
			if i < 0 || raw[i] == '\n' {
				return 0, 0, true
			}
			raw = raw[i+len(delim):]
			col++
			continue
		}
		for i := 1; ; {
			j := bytes.IndexByte(raw[i:], '"')
			if j < 0 {
				return broken() // never closed
			}
			i += j + 1
			if i < len(raw) && raw[i] == '"' { // a doubled quote
				i++
				continue
			}
			rest := raw[i:]
			if len(rest) == 0 || rest[0] == '\n' || bytes.HasPrefix(rest, []byte("\r\n")) {
				return 0, 0, true
			}
			if bytes.HasPrefix(rest, delim) {
				raw = rest[len(delim):]
				col++
				break
			}
			if bytes.IndexByte(raw[:i], '\n') >= 0 { // a bare quote in a value that spans lines
				return broken()
			}
		}
	}
	return 0, 0, true
}

func (t *csvTable) Sheet() string { return "" }

func (t *csvTable) Date1904() bool { return false }

func (t *csvTable) Close() error {
	if t.f == nil {
		return nil
	}
	return t.f.Close()
}
