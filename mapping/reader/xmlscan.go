package reader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner tokenizes XML as encoding/xml's Decoder does in its default
// strict mode — the same start elements, end elements and character data,
// and an error wherever the Decoder returns one — without its reflection
// and per-token allocations: a token's bytes point into the scanner's
// buffer and stay valid until the next call. It is what reads a sheet
// (excelize reads sheets through encoding/xml, so the tokens the reader
// acts on are the ones excelize acted on); FuzzXMLScan holds it to
// encoding/xml token for token.
//
// Where it is stricter: a DOCTYPE or other <!declaration>, element and
// attribute names outside ASCII, and an XML declaration naming an encoding
// other than UTF-8 are errors (none occurs in a workbook; excelize would
// have converted the encoding). Comments and processing instructions are
// checked and skipped, as encoding/xml checks them.
type xmlScanner struct {
	r       io.Reader
	buf     []byte
	pos     int   // start of the current token in buf
	end     int   // end of the data in buf
	off     int64 // input offset of buf[0]
	rerr    error // the reader's error, io.EOF at the end
	err     error // sticky scanning error
	pending bool  // a self-closing element's end is due

	kind  xmlKind
	name  []byte    // start, end: the element's qualified name
	local []byte    // start, end: the name without its prefix
	attrs []xmlAttr // start
	text  []byte    // text: the character data, entities decoded

	scratch []byte // decoded text and attribute values
	stack   []byte // qualified names of the open elements, end to end
	stackAt []int  // where each open element's name begins in stack
}

type xmlKind uint8

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
	xmlSkip // a comment or processing instruction, never returned
)

type xmlAttr struct {
	local []byte
	value []byte
}

// maxXMLToken bounds one token (a tag, a text run). checkArchive refuses
// longer stretches before the scanner sees them; this keeps a part that
// bypassed it from growing the buffer without end.
const maxXMLToken = 64 << 20

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, 64<<10)}
}

// depth is the number of elements open after the current token.
func (s *xmlScanner) depth() int { return len(s.stackAt) }

// fill reads more input, keeping buf[pos:end]; it reports whether any
// bytes were added.
func (s *xmlScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.end, s.pos = n, 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxXMLToken {
			s.rerr = fmt.Errorf("a tag or text run is longer than %d MiB", maxXMLToken>>20)
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// at returns the byte j bytes into the current token.
func (s *xmlScanner) at(j int) (byte, bool) {
	for s.pos+j >= s.end {
		if !s.fill() {
			return 0, false
		}
	}
	return s.buf[s.pos+j], true
}

// index returns where c next occurs at or after j bytes into the current
// token, or -1 at the end of the input.
func (s *xmlScanner) index(j int, c byte) int {
	for {
		if i := bytes.IndexByte(s.buf[s.pos+j:s.end], c); i >= 0 {
			return j + i
		}
		j = s.end - s.pos
		if !s.fill() {
			return -1
		}
	}
}

// fail records a syntax error at j bytes into the current token.
func (s *xmlScanner) fail(j int, msg string) error {
	s.err = fmt.Errorf("malformed XML at byte %d: %s", s.off+int64(s.pos+j), msg)
	return s.err
}

// eof records the end of the input inside a token: the reader's error if
// it failed, else a syntax error.
func (s *xmlScanner) eof(j int) error {
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		s.err = s.rerr
		return s.err
	}
	return s.fail(j, "unexpected EOF")
}

// next reads the next token into kind, name, local, attrs or text.
func (s *xmlScanner) next() (xmlKind, error) {
	if s.err != nil {
		return xmlEOF, s.err
	}
	if s.pending {
		s.pending = false
		s.pop()
		s.kind = xmlEnd
		return s.kind, nil
	}
	for {
		if s.pos == s.end && !s.fill() {
			if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
				s.err = s.rerr
				return xmlEOF, s.err
			}
			if len(s.stackAt) > 0 {
				return xmlEOF, s.fail(0, "unexpected EOF")
			}
			s.kind = xmlEOF
			return xmlEOF, nil
		}
		var err error
		if s.buf[s.pos] != '<' {
			err = s.scanText()
		} else {
			err = s.scanMarkup()
		}
		if err != nil {
			return xmlEOF, err
		}
		if s.kind != xmlSkip {
			return s.kind, nil
		}
	}
}

// Byte strings of the inline string shortcut.
var (
	isName        = []byte("is")
	tOpen         = []byte("<t>")
	tOpenPreserve = []byte(`<t xml:space="preserve">`)
	tIsClose      = []byte("</t></is>")
	cdataEnd      = []byte("]]>")
)

// inlineText reads the commonest inline string, <is><t>text</t></is> (or
// <t xml:space="preserve">) with plain text, right after next returned the
// <is> start: it appends the text to dst and consumes the rest of the
// element, as the tokens would have. Anything else — a prefix, other
// markup, white space between the tags, an entity, a CR, a character XML
// refuses — returns false with nothing consumed, for the tokens to read
// (and to report). excelize's stream writer and most export libraries
// write every text cell this way: five tokens a cell otherwise.
func (s *xmlScanner) inlineText(dst []byte) ([]byte, bool) {
	if s.err != nil || s.pending || len(s.stackAt) == 0 || !bytes.Equal(s.top(), isName) {
		return dst, false
	}
	var p int
	switch {
	case s.hasPrefix(0, tOpen):
		p = len(tOpen)
	case s.hasPrefix(0, tOpenPreserve):
		p = len(tOpenPreserve)
	default:
		return dst, false
	}
	i := s.index(p, '<')
	if i < 0 || !s.hasPrefix(i, tIsClose) {
		return dst, false
	}
	text := s.buf[s.pos+p : s.pos+i] // the buffer no longer moves
	if bytes.IndexByte(text, '&') >= 0 || bytes.IndexByte(text, '\r') >= 0 || bytes.Contains(text, cdataEnd) || checkXMLChars(text) != nil {
		return dst, false
	}
	dst = append(dst, text...)
	s.pop()
	s.pos += i + len(tIsClose)
	s.kind, s.name, s.local = xmlEnd, isName, isName // as after </is>
	return dst, true
}

// hasPrefix reports whether the current token has p j bytes into it.
func (s *xmlScanner) hasPrefix(j int, p []byte) bool {
	if _, ok := s.at(j + len(p) - 1); !ok {
		return false
	}
	return bytes.Equal(s.buf[s.pos+j:s.pos+j+len(p)], p)
}

// top is the qualified name of the innermost open element; there must be one.
func (s *xmlScanner) top() []byte { return s.stack[s.stackAt[len(s.stackAt)-1]:] }

// pop closes the innermost open element.
func (s *xmlScanner) pop() {
	at := s.stackAt[len(s.stackAt)-1]
	s.stackAt = s.stackAt[:len(s.stackAt)-1]
	s.stack = s.stack[:at]
}

func (s *xmlScanner) scanText() error {
	j := s.index(0, '<')
	if j < 0 {
		if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
			return s.eof(s.end - s.pos)
		}
		j = s.end - s.pos // text runs to the end of the input
	}
	raw := s.buf[s.pos : s.pos+j]
	if k := bytes.Index(raw, []byte("]]>")); k >= 0 {
		return s.fail(k, "unescaped ]]> not in CDATA section")
	}
	text, err := s.decode(raw, true)
	if err != nil {
		return s.fail(0, err.Error())
	}
	s.kind, s.text = xmlText, text
	s.pos += j
	return nil
}

func (s *xmlScanner) scanMarkup() error {
	b, ok := s.at(1)
	if !ok {
		return s.eof(1)
	}
	switch b {
	case '/':
		return s.scanEnd()
	case '?':
		return s.scanProcInst()
	case '!':
		return s.scanBang()
	}
	return s.scanStart()
}

// scanName reads a name starting j bytes into the token and returns its
// end; an empty name returns j.
func (s *xmlScanner) scanName(j int) (int, error) {
	k := j
	for {
		// The bytes at hand first; fill only at their end.
		for _, c := range s.buf[s.pos+k : s.end] {
			if !isNameByte(c) {
				if c >= utf8.RuneSelf {
					return k, s.fail(k, "a name with non-ASCII characters (not used in workbooks)")
				}
				return s.checkName(j, k)
			}
			k++
		}
		if !s.fill() {
			return k, s.eof(k)
		}
	}
}

// checkName checks the name between j and k as encoding/xml does.
func (s *xmlScanner) checkName(j, k int) (int, error) {
	if k > j {
		c := s.buf[s.pos+j]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == ':') {
			return k, s.fail(j, "invalid XML name: "+string(s.buf[s.pos+j:s.pos+k]))
		}
		name := s.buf[s.pos+j : s.pos+k]
		if i := bytes.IndexByte(name, ':'); i >= 0 && bytes.IndexByte(name[i+1:], ':') >= 0 {
			return j, nil // two colons: encoding/xml refuses the name as missing
		}
	}
	return k, nil
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		'0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

// localName strips a namespace prefix as encoding/xml does: only when a
// single colon has text on both sides.
func localName(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}

// space returns the offset of the first byte at or after j that is not
// XML white space.
func (s *xmlScanner) space(j int) (int, bool) {
	for {
		for _, c := range s.buf[s.pos+j : s.end] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return j, true
			}
			j++
		}
		if !s.fill() {
			return j, false
		}
	}
}

func (s *xmlScanner) scanEnd() error {
	k, err := s.scanName(2)
	if err != nil {
		return err
	}
	if k == 2 {
		return s.fail(2, "expected element name after </")
	}
	j, ok := s.space(k)
	if !ok {
		return s.eof(j)
	}
	if s.buf[s.pos+j] != '>' {
		return s.fail(j, "invalid characters between </"+string(s.buf[s.pos+2:s.pos+k])+" and >")
	}
	name := s.buf[s.pos+2 : s.pos+k]
	if len(s.stackAt) == 0 {
		return s.fail(0, "unexpected end element </"+string(localName(name))+">")
	}
	open := s.top()
	if !bytes.Equal(open, name) {
		return s.fail(0, "element <"+string(localName(open))+"> closed by </"+string(localName(name))+">")
	}
	s.pop()
	s.kind, s.name, s.local = xmlEnd, name, localName(name)
	s.pos += j + 1
	return nil
}

func (s *xmlScanner) scanStart() error {
	k, err := s.scanName(1)
	if err != nil {
		return err
	}
	if k == 1 {
		return s.fail(1, "expected element name after <")
	}
	type span struct{ name, value [2]int } // offsets into the token
	var spans [16]span
	list := spans[:0]
	j := k
	selfClose := false
	for {
		var ok bool
		if j, ok = s.space(j); !ok {
			return s.eof(j)
		}
		c := s.buf[s.pos+j]
		if c == '/' {
			c2, ok := s.at(j + 1)
			if !ok {
				return s.eof(j + 1)
			}
			if c2 != '>' {
				return s.fail(j, "expected /> in element")
			}
			selfClose = true
			j += 2
			break
		}
		if c == '>' {
			j++
			break
		}
		nk, err := s.scanName(j)
		if err != nil {
			return err
		}
		if nk == j {
			return s.fail(j, "expected attribute name in element")
		}
		name := [2]int{j, nk}
		if j, ok = s.space(nk); !ok {
			return s.eof(j)
		}
		if s.buf[s.pos+j] != '=' {
			return s.fail(j, "attribute name without = in element")
		}
		if j, ok = s.space(j + 1); !ok {
			return s.eof(j)
		}
		q := s.buf[s.pos+j]
		if q != '"' && q != '\'' {
			return s.fail(j, "unquoted or missing attribute value in element")
		}
		e := s.index(j+1, q)
		if e < 0 {
			return s.eof(s.end - s.pos)
		}
		if i := bytes.IndexByte(s.buf[s.pos+j+1:s.pos+e], '<'); i >= 0 {
			return s.fail(j+1+i, "unescaped < inside quoted string")
		}
		list = append(list, span{name: name, value: [2]int{j + 1, e}})
		j = e + 1
	}
	// The buffer no longer moves. Decoding only shortens a value, so with
	// room for all of them scratch does not move either while the values
	// decoded into it are taken.
	base := s.buf[s.pos:]
	room := 0
	for _, a := range list {
		room += a.value[1] - a.value[0]
	}
	s.scratch = slices.Grow(s.scratch[:0], room)
	s.attrs = s.attrs[:0]
	for _, a := range list {
		value, err := s.decode(base[a.value[0]:a.value[1]], false)
		if err != nil {
			return s.fail(a.value[0], err.Error())
		}
		s.attrs = append(s.attrs, xmlAttr{local: localName(base[a.name[0]:a.name[1]]), value: value})
	}
	s.name = base[1:k]
	s.local = localName(s.name)
	s.stackAt = append(s.stackAt, len(s.stack))
	s.stack = append(s.stack, s.name...)
	s.kind, s.pending = xmlStart, selfClose
	s.pos += j
	return nil
}

func (s *xmlScanner) scanProcInst() error {
	k, err := s.scanName(2)
	if err != nil {
		return err
	}
	if k == 2 {
		return s.fail(2, "expected target name after <?")
	}
	target := string(s.buf[s.pos+2 : s.pos+k])
	j, ok := s.space(k)
	if !ok {
		return s.eof(j)
	}
	from := j
	for {
		e := s.index(j, '>')
		if e < 0 {
			return s.eof(s.end - s.pos)
		}
		if e-1 >= from && s.buf[s.pos+e-1] == '?' {
			if target == "xml" {
				content := string(s.buf[s.pos+from : s.pos+e-1])
				if v := procInst("version", content); v != "" && v != "1.0" {
					return s.fail(0, fmt.Sprintf("unsupported version %q; only version 1.0 is supported", v))
				}
				if enc := procInst("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
					return s.fail(0, fmt.Sprintf("the XML is in the %q encoding; only UTF-8 is read", enc))
				}
			}
			s.kind = xmlSkip
			s.pos += e + 1
			return nil
		}
		j = e + 1
	}
}

func (s *xmlScanner) scanBang() error {
	b, ok := s.at(2)
	if !ok {
		return s.eof(2)
	}
	switch b {
	case '-':
		b, ok = s.at(3)
		if !ok {
			return s.eof(3)
		}
		if b != '-' {
			return s.fail(0, "invalid sequence <!- not part of <!--")
		}
		// The first "--" of the body must end the comment.
		j := 4
		for {
			d := s.index(j, '-')
			if d < 0 {
				return s.eof(s.end - s.pos)
			}
			c, ok := s.at(d + 1)
			if !ok {
				return s.eof(d + 1)
			}
			if c != '-' {
				j = d + 1
				continue
			}
			c, ok = s.at(d + 2)
			if !ok {
				return s.eof(d + 2)
			}
			if c != '>' {
				return s.fail(d, `invalid sequence "--" not allowed in comments`)
			}
			s.kind = xmlSkip
			s.pos += d + 3
			return nil
		}
	case '[':
		for i := 0; i < 6; i++ {
			c, ok := s.at(3 + i)
			if !ok {
				return s.eof(3 + i)
			}
			if c != "CDATA["[i] {
				return s.fail(0, "invalid <![ sequence")
			}
		}
		j := 9
		for {
			e := s.index(j, '>')
			if e < 0 {
				return s.fail(s.end-s.pos, "unexpected EOF in CDATA section")
			}
			if e-2 >= 9 && s.buf[s.pos+e-1] == ']' && s.buf[s.pos+e-2] == ']' {
				s.scratch = s.scratch[:0]
				raw := s.buf[s.pos+9 : s.pos+e-2]
				text := raw
				if bytes.IndexByte(raw, '\r') >= 0 {
					s.scratch = appendNewlines(s.scratch, raw)
					text = s.scratch
				}
				if err := checkXMLChars(text); err != nil {
					return s.fail(9, err.Error())
				}
				s.kind, s.text = xmlText, text
				s.pos += e + 1
				return nil
			}
			j = e + 1
		}
	}
	return s.fail(0, "a DOCTYPE or other <! declaration, which a workbook does not hold")
}

// decode returns raw text with its entities replaced and its line ends
// made "\n", checked for characters XML does not allow. Decoded bytes go
// to the end of scratch; raw comes back as is when nothing changes.
func (s *xmlScanner) decode(raw []byte, text bool) ([]byte, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return raw, checkXMLChars(raw)
	}
	if text {
		s.scratch = s.scratch[:0]
	}
	from := len(s.scratch)
	out := s.scratch
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '\r':
			out = append(out, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
			continue
		case '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				return nil, errors.New("an & that starts no character entity (no semicolon; a literal & is written &amp;)")
			}
			ent := raw[i+1 : i+semi]
			r, ok := entityRune(ent)
			if !ok {
				return nil, fmt.Errorf("invalid character entity %s", entityName(ent))
			}
			out = utf8.AppendRune(out, r)
			i += semi + 1
			continue
		}
		out = append(out, c)
		i++
	}
	s.scratch = out
	return out[from:], checkXMLChars(out[from:])
}

// entityName quotes an entity that XML does not know (&nbsp; from HTML)
// for an error message; anything else between & and ; may be a cell's
// text, which stays out of messages and logs.
func entityName(ent []byte) string {
	if len(ent) == 0 || len(ent) > 12 {
		return "between & and ;"
	}
	for _, c := range ent {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '#') {
			return "between & and ;"
		}
	}
	return "&" + string(ent) + ";"
}

// entityRune decodes what stands between & and ; as strict encoding/xml
// does: the five predefined entities, &#decimal; and &#xhex;.
func entityRune(ent []byte) (rune, bool) {
	switch string(ent) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	digits, base := ent[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true // a surrogate becomes U+FFFD, as string(rune(n)) makes it
}

// appendNewlines appends raw with "\r\n" and "\r" made "\n".
func appendNewlines(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// checkXMLChars refuses invalid UTF-8 and the characters XML 1.0 does not
// allow (controls other than tab and line ends, U+FFFE, U+FFFF), as
// encoding/xml does.
func checkXMLChars(b []byte) error {
	ascii := true
	for i, c := range b {
		switch {
		case c < 0x20:
			if c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("illegal character code %U", rune(c))
			}
		case c >= utf8.RuneSelf:
			ascii = false
			// U+FFFE and U+FFFF are EF BF BE and EF BF BF.
			if c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && b[i+2] >= 0xBE {
				return fmt.Errorf("illegal character code %U", rune(0xFFF0|rune(b[i+2]&0x0F)))
			}
		}
	}
	if !ascii && !utf8.Valid(b) {
		return errors.New("invalid UTF-8")
	}
	return nil
}

// procInst is encoding/xml's reading of a parameter of the XML declaration.
func procInst(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}
