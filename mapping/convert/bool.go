package convert

import (
	"strings"
	"unicode/utf8"
)

var errBool = valueErr("непонятное значение: ожидается да или нет")

// Spellings of yes and no in registry spreadsheets, compared ignoring case.
// "x"/"х" (Latin and Cyrillic) and "v" are check marks; ИСТИНА/ЛОЖЬ is what
// Russian Excel shows for TRUE/FALSE.
var (
	boolTrue = [...]string{
		"да", "д", "1", "истина", "+", "true", "t", "yes", "y", "x", "х", "v", "✓", "✔", "☑",
		"есть", "верно",
	}
	boolFalse = [...]string{
		"нет", "н", "0", "ложь", "-", "false", "f", "no", "n", "ложно",
	}
)

// parseBool reads a yes/no cell. ok is false when the cell is empty or not
// understood. Accepted for true: да, д, 1, ИСТИНА, +, true, t, yes, y, x
// (Latin or Cyrillic), v, ✓, есть; for false: нет, н, 0, ЛОЖЬ, - (any dash),
// false, f, no, n. Case is ignored, surrounding white space, a trailing dot
// and the ".0" of a numeric cell too.
func parseBool(s string) (value bool, ok bool) {
	t := cleanCode(s)
	if len(t) > 1 {
		t = strings.TrimSuffix(t, ".")
	}
	if t == "" {
		return false, false
	}
	for _, w := range boolTrue {
		if strings.EqualFold(t, w) {
			return true, true
		}
	}
	for _, w := range boolFalse {
		if strings.EqualFold(t, w) {
			return false, true
		}
	}
	// Any single dash ("−", "—") means no, as "-" does.
	if r, n := utf8.DecodeRuneInString(t); n == len(t) && isDash(r) {
		return false, true
	}
	return false, false
}

// Bool is parseBool for an optional field: nil, nil for an empty
// cell (absent: the field is not sent), an error for a value that is not
// understood, otherwise a pointer to the value.
func Bool(s string) (*bool, error) {
	v, ok := parseBool(s)
	if ok {
		// A fresh pointer each time: the patient owns it and may change it.
		return &v, nil
	}
	if trim(s) == "" {
		return nil, nil
	}
	return nil, errBool
}
