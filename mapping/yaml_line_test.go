package mapping

import (
	"errors"
	"strings"
	"testing"
)

// A YAML syntax error names the line at fault, not the line where the
// enclosing block began (yaml.v3 alone says 5, 1 and 4 for the first
// three).
func TestMappingSyntaxErrorLine(t *testing.T) {
	const head = "version: 1\nkey: [snils]\nfields:\n  fio: ФИО\n" // lines 1-4
	tests := []struct {
		name string
		doc  string
		line int
	}{
		{"a field indented less than its siblings", head + "  birthday: Дата рождения\n snils: СНИЛС\n  phone: Телефон\n", 6},
		{"an unclosed bracket", "version: 1\nkey: [snils\nfields:\n  fio: ФИО\n", 2},
		{"a tab for indentation", head + "\tbirthday: Дата рождения\n  snils: СНИЛС\n", 5},
		{"a missing colon", head + "  birthday: Дата рождения\n  gender Пол\n  snils: СНИЛС\n", 6},
		{"an indent too deep", head + "   birthday: Дата рождения\n  snils: СНИЛС\n", 5},
		{"an unclosed quote", head + "  birthday: \"Дата рождения\n  snils: СНИЛС\n", 5},
		{"a byte order mark and CRLF", "\ufeff" + strings.ReplaceAll(head+"  birthday: Дата\n snils: СНИЛС\n", "\n", "\r\n"), 6},
		{"a comment block before the error", "# Mapping\n#\n# of the sample\n" + head + "  birthday: Дата\n snils: СНИЛС\n", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tt.doc))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v (%T), want a LineError", err, err)
			}
			if le.Line != tt.line || le.File != "m.yaml" || !strings.Contains(le.Msg, "YAML") {
				t.Errorf("%v: line %d, want %d", err, le.Line, tt.line)
			}
		})
	}
}
