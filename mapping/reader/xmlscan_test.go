package reader

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// stdTokens is what encoding/xml's strict Decoder makes of data: start
// and end elements by local name, attributes, and character data merged
// across CDATA sections and comments. stricter is set when it stopped at
// something xmlScanner refuses on purpose (see its comment).
func stdTokens(data []byte) (_ []string, err error, stricter bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var l tokenList
	toks, flush := &l.toks, l.flush
	for {
		t, err := d.Token()
		if err != nil {
			flush()
			if errors.Is(err, io.EOF) {
				return *toks, nil, false
			}
			return *toks, err, false
		}
		switch t := t.(type) {
		case xml.StartElement:
			flush()
			if !isASCII(t.Name.Local) || !isASCII(t.Name.Space) {
				return *toks, nil, true
			}
			var b strings.Builder
			b.WriteString("S" + t.Name.Local)
			for _, a := range t.Attr {
				if !isASCII(a.Name.Local) || !isASCII(a.Name.Space) {
					return *toks, nil, true
				}
				fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
			}
			*toks = append(*toks, b.String())
		case xml.EndElement:
			flush()
			*toks = append(*toks, "E"+t.Name.Local)
		case xml.CharData:
			l.text(t)
		case xml.Directive:
			flush()
			return *toks, nil, true
		case xml.ProcInst:
			if !isASCII(t.Target) || strings.Count(t.Target, ":") > 1 {
				flush()
				return *toks, nil, true
			}
		}
	}
}

// tokenList collects tokens as strings, the character data between two
// other tokens merged into one.
type tokenList struct {
	toks   []string
	buf    []byte
	inText bool
}

func (l *tokenList) text(b []byte) { l.buf, l.inText = append(l.buf, b...), true }

func (l *tokenList) flush() {
	if l.inText {
		l.toks = append(l.toks, "T"+string(l.buf))
		l.buf, l.inText = l.buf[:0], false
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// scanTokens is the same list from xmlScanner, reading r.
func scanTokens(r io.Reader) ([]string, error) {
	s := newXMLScanner(r)
	var l tokenList
	toks, flush := &l.toks, l.flush
	for {
		k, err := s.next()
		if err != nil {
			flush()
			return *toks, err
		}
		switch k {
		case xmlEOF:
			flush()
			return *toks, nil
		case xmlStart:
			flush()
			var b strings.Builder
			b.WriteString("S" + string(s.local))
			for _, a := range s.attrs {
				fmt.Fprintf(&b, " %s=%q", a.local, a.value)
			}
			*toks = append(*toks, b.String())
		case xmlEnd:
			flush()
			*toks = append(*toks, "E"+string(s.local))
		case xmlText:
			l.text(s.text)
		}
	}
}

// checkScanAgainstStd holds xmlScanner to encoding/xml on data: the same
// tokens when the scanner succeeds; when it fails, encoding/xml failed too
// (or met what the scanner refuses on purpose) and the scanner's tokens
// are a prefix of encoding/xml's.
func checkScanAgainstStd(t *testing.T, data []byte, r io.Reader) {
	t.Helper()
	want, stdErr, stricter := stdTokens(data)
	got, err := scanTokens(r)
	if err == nil {
		if stdErr != nil || stricter {
			t.Fatalf("scanner read %q without error; encoding/xml: %v (stricter %v)\ntokens %q", data, stdErr, stricter, got)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("tokens differ for %q\n got %q\nwant %q", data, got, want)
		}
		return
	}
	if stdErr == nil && !stricter {
		t.Fatalf("scanner failed on %q, which encoding/xml reads: %v\nwant %q", data, err, want)
	}
	if len(got) > len(want) {
		t.Fatalf("scanner returned more tokens than encoding/xml before failing on %q: %v\n got %q\nwant %q", data, err, got, want)
	}
	for i, g := range got {
		w := want[i]
		if g != w && !(i == len(got)-1 && strings.HasPrefix(g, "T") && strings.HasPrefix(w, g)) {
			t.Fatalf("token %d differs before the error on %q: got %q want %q (%v)", i, data, g, w, err)
		}
	}
}

var xmlScanSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="r"><sheetData>` +
		`<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve"> a&amp;b </t></is></c></row>` +
		`<row r="3"><c r='C3' t = "str"><f>A1&amp;B1</f><v>x&#1060;&#x424;</v></c><c/></row></sheetData></worksheet>`,
	`<x:sst xmlns:x="u"><x:si><x:t>a</x:t></x:si><x:si><x:r><x:rPr><x:b/></x:rPr><x:t>b</x:t></x:r><x:rPh><x:t>c</x:t></x:rPh></x:si></x:sst>`,
	"<a>\r\n<![CDATA[<x>\r]]]]><![CDATA[>]]><!-- c -- d --></a>",
	"<a><!-- ok --><?pi data?>&lt;&gt;&quot;&apos;&amp;&#65;&#x42;&#x0424;</a>",
	"<a>&#0;</a>",
	"<a b=\"1\"c='2'/><a/ ><a></b></a>",
	"<!DOCTYPE a><a/>",
	"\xef\xbb\xbf<a>\xff</a>",
	"<a>]]></a>",
	"<a:b:c/><:a/><a:/><a x:y:z='1'/>",
	"<a>&#xD800;&#x10FFFF;&#x110000;&#X41;&#65</a>",
	"<?xml version='1.1'?><a/>",
	"<?xml encoding='windows-1251'?><a/>",
	"<a>\ufffe\uffff\U0001F600</a>",
	"<a b='&#13;\r\n\r'>t\r\r\n</a>",
	"text<a/>tail",
	"<a><b></a>",
	"<a",
	"<a b='1",
}

func TestXMLScanMatchesEncodingXML(t *testing.T) {
	for _, seed := range xmlScanSeeds {
		data := []byte(seed)
		checkScanAgainstStd(t, data, bytes.NewReader(data))
		// One byte at a time: every token crosses a buffer refill.
		checkScanAgainstStd(t, data, iotest.OneByteReader(bytes.NewReader(data)))
	}
}

// TestXMLScanLongTokens: tokens longer than the scanner's first buffer
// come through whole.
func TestXMLScanLongTokens(t *testing.T) {
	long := strings.Repeat("Пациент & ", 20000)
	doc := `<a v="` + strings.ReplaceAll(long, "&", "&amp;") + `">` + strings.ReplaceAll(long, "&", "&amp;") + `<!--` + long + `--></a>`
	toks, err := scanTokens(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Sa v=" + fmt.Sprintf("%q", long), "T" + long, "Ea"}
	if strings.Join(toks, "\n") != strings.Join(want, "\n") {
		t.Fatalf("long tokens differ: got %d tokens", len(toks))
	}
}

func FuzzXMLScan(f *testing.F) {
	for _, seed := range xmlScanSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgainstStd(t, data, bytes.NewReader(data))
		checkScanAgainstStd(t, data, iotest.HalfReader(bytes.NewReader(data)))
	})
}
