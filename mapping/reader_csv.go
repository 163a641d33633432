package mapping

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// csvTable reads a CSV or TSV file as exported by Russian-locale Excel
// (";" and Windows-1251) or by anything else (UTF-8, with or without BOM,
// "," or tab).
type csvTable struct {
	path     string
	f        *os.File
	r        *csv.Reader
	Encoding string // the encoding used, for the log
	Comma    rune   // the delimiter used, for the log
}

// sniffSize is how much of the file is examined to detect the encoding and
// the delimiter.
const sniffSize = 64 << 10

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
	switch enc {
	case "utf-8":
		if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
			br.Discard(3)
			head = head[3:]
		}
	case "windows-1251":
		dec := charmap.Windows1251.NewDecoder()
		text = transform.NewReader(br, dec)
		head, _ = dec.Bytes(head)
	default:
		return nil, &ReadError{File: path, Err: fmt.Errorf("unknown encoding %q", enc)}
	}
	t.Encoding = enc
	comma := o.Delimiter
	if comma == "" || comma == "auto" {
		comma = string(detectDelimiter(head))
	}
	t.Comma, _ = utf8.DecodeRuneInString(comma)
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, &ReadError{File: path, Err: errors.New("this is not a text file (it holds binary zero bytes); save the table as .xlsx or CSV")}
	}
	t.r = csv.NewReader(text)
	t.r.Comma = t.Comma
	t.r.FieldsPerRecord = -1 // ragged rows are reported per row by the mapper
	t.r.LazyQuotes = true    // hand-made files hold bare quotes: ООО "Ромашка"
	return t, nil
}

// detectEncoding: a BOM or valid UTF-8 means UTF-8; anything else is taken
// for Windows-1251, the code page Russian Excel writes CSV in.
func detectEncoding(head []byte) string {
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		return "utf-8"
	}
	// The sniffed block may end inside a multi-byte character.
	for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
		if utf8.Valid(head) {
			return "utf-8"
		}
		head = head[:len(head)-1]
	}
	if len(head) == 0 {
		return "utf-8"
	}
	return "windows-1251"
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
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return pe.StartLine, nil, &ReadError{File: t.path, Line: pe.Line, Column: fmt.Sprintf("№%d", pe.Column), Err: pe.Err}
		}
		return 0, nil, &ReadError{File: t.path, Err: err}
	}
	line, _ := t.r.FieldPos(0)
	return line, rec, nil
}

func (t *csvTable) Sheet() string { return "" }

func (t *csvTable) Close() error {
	if t.f == nil {
		return nil
	}
	return t.f.Close()
}
