package mapping

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// yamlErrorLine matches yaml.v3's syntax errors: "yaml: line N: problem".
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// relocateBudget bounds the bytes re-parsed to find a syntax error's line:
// a mapping is a few KB, so this covers a thousand lines of one.
const relocateBudget = 8 << 20

// syntaxError turns yaml.v3's syntax error into a LineError at the line
// where the document stops being YAML. yaml.v3 names the line where the
// enclosing block or collection began rather than the line at fault (and,
// for some errors, that line counted from 0), so "line 5" can point at
// «fields:» for a bad indent on line 7. The line at fault is the first
// whose prefix of the document fails with the same problem; the search
// starts at the line yaml.v3 named, which is never past it. An error with
// no line (control characters, say) stays as it is.
func syntaxError(name string, b []byte, err error) error {
	m := yamlErrorLine.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	reported, _ := strconv.Atoi(m[1])
	problem := m[2]
	line := reported
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		// UTF-16 (PowerShell 5's ">"): its lines are not cut at a '\n' byte.
		return &LineError{File: name, Line: line, Msg: "not valid YAML: " + problem}
	}
	spent := 0
	for k, end := 1, 0; end < len(b); k++ {
		if i := bytes.IndexByte(b[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(b)
		}
		if k < reported {
			continue
		}
		if spent += end; spent > relocateBudget {
			break
		}
		var doc yaml.Node
		if perr := yaml.Unmarshal(b[:end], &doc); perr != nil {
			if pm := yamlErrorLine.FindStringSubmatch(perr.Error()); pm != nil && pm[2] == problem {
				line = k
				break
			}
		}
	}
	return &LineError{File: name, Line: line, Msg: "not valid YAML: " + problem}
}
