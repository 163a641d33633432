package mapping

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping is a parsed mapping file: where each Patient field comes from and
// how the input is read.
type Mapping struct {
	File        string // path it was read from, for messages
	Sheet       string // xlsx sheet name; "" = the first visible sheet
	HeaderRow   int    // 1-based row of the header; 0 = find it
	Encoding    string // csv: "auto", "utf-8", "windows-1251"
	Delimiter   string // csv: "auto", ";", ",", "\t"
	PhoneFormat string // "+7" (default) or "8"
	// ENPRepair says whether a 16-digit polis number stored as a number,
	// whose last digit is 0 and fails the check, lost that digit to Excel
	// (which keeps exactly the first 15 digits), so that the check digit
	// can be computed again: "auto" (default) when the workbook says
	// Microsoft Excel saved it, never for a CSV; "excel" always (the
	// operator knows Excel wrote the file); "never". Without the repair
	// such a number is refused.
	ENPRepair string
	Key       []KeyPart
	Fields    []*Spec // in the order of Fields(), then extra paths
}

// KeyPart is one element of the key: a field path (its converted value is
// used, so "112-233-445 95" and "11223344595" are the same key) or a column.
type KeyPart struct {
	Field  *Field // set when the part names a field
	Column string // set when the part names a column
	Line   int
}

// Spec says where one field's value comes from and how it converts.
type Spec struct {
	Field     *Field            // nil for an extra path
	Path      string            // the JSON path
	Type      Type              // Field.Type, or the declared type of an extra path
	Columns   []string          // header titles; several are joined by Separator
	Separator string            // default " "
	Value     string            // a constant, when no column is given
	Default   string            // used when the cell is empty
	Map       map[string]string // cell text (folded) → replacement, applied before conversion
	Layouts   []string          // date layouts (Go time layout syntax) tried first
	// ExcelSerial: the date column holds Excel serial day numbers (a bare
	// number is a date); otherwise only a cell formatted as a date is.
	ExcelSerial bool
	Warn        bool // on_error: warning — a failed check is reported but the row is sent
	Line        int  // line in the mapping file, for messages
}

// maxMappingSize bounds a mapping file.
const maxMappingSize = 1 << 20

// Load reads and checks a mapping file. Errors name the file and line.
func Load(path string) (*Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	defer f.Close()
	// A mapping is a few kilobytes; a bigger file is a mistake (an input
	// given as --mapping) and parsing it would cost twenty times its size.
	b, err := io.ReadAll(io.LimitReader(f, maxMappingSize+1))
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	if len(b) > maxMappingSize {
		return nil, fmt.Errorf("%s: larger than %d KiB: is this really the mapping file?", path, maxMappingSize>>10)
	}
	return Parse(path, b)
}

// Parse checks a mapping document; name is used in messages.
func Parse(name string, b []byte) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, syntaxError(name, b, err)
	}
	m := &Mapping{File: name, Encoding: "auto", Delimiter: "auto", PhoneFormat: "+7", ENPRepair: "auto"}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the mapping file is empty", name)
	}
	root := doc.Content[0]
	p := parser{name: name}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "the mapping file must be a YAML mapping (key: value)")
	}
	var fieldsNode, extraNode, keyNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "version":
			if v.Value != "1" {
				err = p.errf(v, "unsupported mapping version %q (this tool reads version 1)", v.Value)
			}
		case "sheet":
			m.Sheet, err = p.scalar(v)
		case "header_row":
			err = v.Decode(&m.HeaderRow)
			if err == nil && m.HeaderRow < 0 {
				err = p.errf(v, "header_row must be 0 (find it) or a row number")
			} else if err != nil {
				err = p.errf(v, "header_row must be a number")
			}
		case "encoding":
			m.Encoding, err = p.oneOf(v, "auto", "utf-8", "windows-1251")
		case "delimiter":
			m.Delimiter, err = p.oneOf(v, "auto", ";", ",", "\t", "tab")
			if m.Delimiter == "tab" {
				m.Delimiter = "\t"
			}
		case "phone_format":
			m.PhoneFormat, err = p.oneOf(v, "+7", "8")
		case "enp_repair":
			m.ENPRepair, err = p.oneOf(v, "auto", "excel", "never", "safe")
			if m.ENPRepair == "safe" {
				m.ENPRepair = "auto" // the name of auto before issue 17
			}
		case "key":
			keyNode = v
		case "fields":
			fieldsNode = v
		case "extra":
			extraNode = v
		default:
			err = p.errf(k, "unknown setting %q (known: version, sheet, header_row, encoding, delimiter, phone_format, enp_repair, key, fields, extra)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if fieldsNode == nil {
		return nil, p.errf(root, "no `fields:` section: nothing is mapped")
	}
	specs, err := p.specs(fieldsNode, false)
	if err != nil {
		return nil, err
	}
	if extraNode != nil {
		extra, err := p.specs(extraNode, true)
		if err != nil {
			return nil, err
		}
		specs = append(specs, extra...)
	}
	m.Fields = specs
	if keyNode != nil {
		if m.Key, err = p.key(keyNode); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Spec returns the spec of the field with that path, or nil.
func (m *Mapping) Spec(path string) *Spec {
	for _, s := range m.Fields {
		if s.Path == path {
			return s
		}
	}
	return nil
}

type parser struct{ name string }

// LineError is a mapping-file error at a line.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

func (p parser) errf(n *yaml.Node, format string, args ...any) error {
	return &LineError{File: p.name, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (p parser) scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, "want a single value")
	}
	return n.Value, nil
}

func (p parser) oneOf(n *yaml.Node, allowed ...string) (string, error) {
	s, err := p.scalar(n)
	if err != nil {
		return "", err
	}
	if !slices.Contains(allowed, s) {
		return "", p.errf(n, "%q is not one of %q", s, allowed)
	}
	return s, nil
}

func (p parser) strings(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			s, err := p.scalar(c)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, p.errf(n, "want a value or a list of values")
}

var extraTypes = []string{string(TypeText), string(TypeDate), string(TypeCode), string(TypeBool)}

func (p parser) specs(n *yaml.Node, extra bool) ([]*Spec, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "want field: source pairs")
	}
	var out []*Spec
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := k.Value
		if seen[path] {
			return nil, p.errf(k, "%q is mapped twice", path)
		}
		seen[path] = true
		s := &Spec{Path: path, Line: k.Line, Separator: " "}
		if extra {
			if FieldByPath(path) != nil {
				return nil, p.errf(k, "%q is a model field: map it under `fields:`", path)
			}
			if strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") || strings.Contains(path, "..") || path == "" {
				return nil, p.errf(k, "%q is not a valid JSON path (dot-separated names)", path)
			}
			s.Type = TypeText
		} else {
			s.Field = FieldByPath(path)
			if s.Field == nil {
				return nil, p.errf(k, "unknown field %q; the fields are listed by `mipimport mapping fields`, and any other JSON path can go under `extra:`", path)
			}
			s.Type = s.Field.Type
		}
		if err := p.spec(s, v, extra); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if !extra {
		// Apply in the registry's order so types come before numbers.
		order := make(map[string]int, len(fields))
		for i, f := range fields {
			order[f.Path] = i
		}
		slices.SortStableFunc(out, func(a, b *Spec) int { return order[a.Path] - order[b.Path] })
	}
	return out, nil
}

func (p parser) spec(s *Spec, v *yaml.Node, extra bool) error {
	if v.Kind == yaml.ScalarNode { // shorthand: the column title
		if v.Value == "" {
			return p.errf(v, "%s: empty column title", s.Path)
		}
		s.Columns = []string{v.Value}
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return p.errf(v, "%s: want a column title or {column: …, …}", s.Path)
	}
	hasValue := false
	var serialKey *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		var err error
		switch k.Value {
		case "column":
			var c string
			c, err = p.scalar(val)
			s.Columns = []string{c}
		case "columns":
			s.Columns, err = p.strings(val)
		case "separator":
			s.Separator, err = p.scalar(val)
		case "value":
			s.Value, err = p.scalar(val)
			hasValue = true
		case "default":
			s.Default, err = p.scalar(val)
		case "layouts", "layout":
			s.Layouts, err = p.strings(val)
			if err == nil && s.Type != TypeDate {
				err = p.errf(k, "%s: layouts apply to dates only", s.Path)
			}
			for _, l := range s.Layouts {
				if err == nil && !strings.Contains(l, "2006") {
					err = p.errf(val, "%s: date layout %q has no year (Go layouts write the year as 2006, the month as 01, the day as 02)", s.Path, l)
				}
			}
		case "excel_serial":
			if err = val.Decode(&s.ExcelSerial); err != nil {
				err = p.errf(val, "%s: excel_serial must be true or false", s.Path)
			}
			serialKey = k
		case "map":
			if val.Kind != yaml.MappingNode {
				err = p.errf(val, "%s: map wants cell: value pairs", s.Path)
				break
			}
			s.Map = make(map[string]string, len(val.Content)/2)
			for j := 0; j+1 < len(val.Content); j += 2 {
				s.Map[foldKey(val.Content[j].Value)] = val.Content[j+1].Value
			}
		case "on_error":
			var sev string
			sev, err = p.oneOf(val, "error", "warning")
			s.Warn = sev == "warning"
		case "type":
			if !extra {
				err = p.errf(k, "%s: the type of a model field is fixed (%s)", s.Path, s.Type)
				break
			}
			var t string
			t, err = p.oneOf(val, extraTypes...)
			s.Type = Type(t)
		default:
			err = p.errf(k, "%s: unknown option %q (known: column, columns, separator, value, default, map, layouts, excel_serial, on_error%s)", s.Path, k.Value, map[bool]string{true: ", type"}[extra])
		}
		if err != nil {
			return err
		}
	}
	if s.ExcelSerial && s.Type != TypeDate {
		return p.errf(serialKey, "%s: excel_serial applies to dates only", s.Path)
	}
	switch {
	case hasValue && len(s.Columns) > 0:
		return p.errf(v, "%s: give either column(s) or value, not both", s.Path)
	case !hasValue && len(s.Columns) == 0:
		return p.errf(v, "%s: give a column, columns or a value", s.Path)
	}
	for _, c := range s.Columns {
		if strings.TrimSpace(c) == "" {
			return p.errf(v, "%s: empty column title", s.Path)
		}
	}
	return nil
}

func (p parser) key(n *yaml.Node) ([]KeyPart, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []KeyPart
	for _, it := range items {
		s, err := p.scalar(it)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, p.errf(it, "empty key part")
		}
		if f := FieldByPath(s); f != nil {
			if f.get == nil {
				return nil, p.errf(it, "%q cannot be a key part; use the fields it fills", s)
			}
			out = append(out, KeyPart{Field: f, Line: it.Line})
		} else {
			out = append(out, KeyPart{Column: s, Line: it.Line})
		}
	}
	return out, nil
}
