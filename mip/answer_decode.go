package mip

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// unmarshalAnswer decodes an answer body exactly as json.Unmarshal would
// into an Answer. МИП's answers are a flat object of plain strings and one
// array of strings, so that shape is read here directly, without
// reflection (a fifth of the client's CPU per request); anything else —
// escapes, numbers, nulls, nested values, non-ASCII keys, invalid UTF-8,
// malformed JSON — goes to json.Unmarshal. FuzzUnmarshalAnswer holds the
// two to the same result.
func unmarshalAnswer(b []byte, a *Answer) error {
	if fastAnswer(b, a) {
		return nil
	}
	*a = Answer{}
	return json.Unmarshal(b, a)
}

// fastAnswer decodes b into a, reporting false when b is outside the shape
// it reads (a may then be partly set).
func fastAnswer(b []byte, a *Answer) bool {
	d := answerScanner{b: b}
	if !d.consume('{') {
		return false
	}
	if d.consume('}') {
		return d.end()
	}
	for {
		key, ok := d.raw()
		if !ok || !d.consume(':') {
			return false
		}
		// A non-ASCII key could match a field name the Unicode way ("ſ",
		// "K"), as json.Unmarshal folds them: left to it.
		if !isASCII(key) {
			return false
		}
		if bytes.EqualFold(key, keyValidationMessage) {
			msgs, ok := d.strs()
			if !ok {
				return false
			}
			a.ValidationMessage = msgs
		} else {
			v, ok := d.str()
			if !ok {
				return false
			}
			switch {
			case bytes.EqualFold(key, keyMkabStatus):
				a.MkabStatus = v
			case bytes.EqualFold(key, keyAttachmentStatus):
				a.AttachmentStatus = v
			case bytes.EqualFold(key, keyPersonGUID):
				a.PersonGUID = v
			case bytes.EqualFold(key, keyMkabGUID):
				a.MkabGUID = v
			case bytes.EqualFold(key, keyAttachmentGUID):
				a.AttachmentGUID = v
			}
			// Any other key with a string value is ignored, as by
			// json.Unmarshal.
		}
		if d.consume('}') {
			return d.end()
		}
		if !d.consume(',') {
			return false
		}
	}
}

// The answer's keys as Answer's json tags name them.
var (
	keyMkabStatus        = []byte("mkabStatus")
	keyAttachmentStatus  = []byte("attachmentStatus")
	keyPersonGUID        = []byte("personGuid")
	keyMkabGUID          = []byte("mkabGuid")
	keyAttachmentGUID    = []byte("attachmentGuid")
	keyValidationMessage = []byte("validationMessage")
)

type answerScanner struct {
	b []byte
	i int
}

func (d *answerScanner) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, if c is next.
func (d *answerScanner) consume(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (d *answerScanner) end() bool {
	d.space()
	return d.i == len(d.b)
}

// str reads a string without escapes, of valid UTF-8 and no control
// characters.
func (d *answerScanner) str() (string, bool) {
	s, ok := d.raw()
	return string(s), ok
}

// raw is str's bytes, in b.
func (d *answerScanner) raw() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start := d.i
	ascii := true
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < ' ':
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// strs reads an array of such strings; [] is an empty, non-nil slice.
func (d *answerScanner) strs() ([]string, bool) {
	if !d.consume('[') {
		return nil, false
	}
	out := []string{}
	if d.consume(']') {
		return out, true
	}
	for {
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if d.consume(']') {
			return out, true
		}
		if !d.consume(',') {
			return nil, false
		}
	}
}
