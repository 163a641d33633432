package mip

import (
	"bytes"
	"fmt"
	"strconv"
)

// Code is a small positive enum value such as gender (1 male, 2 female) or
// bloodType. It is written as a JSON number, as any int is; on input it is
// accepted as a number or as a numeric string, because the API page's own
// example sends "gender": "1". Zero means absent and is left out (tag it
// `omitzero`).
type Code int

// UnmarshalJSON accepts 1, "1", "" and null.
func (c *Code) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*c = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var err error
		if s, err = strconv.Unquote(s); err != nil {
			return fmt.Errorf("code: %w", err)
		}
		if s == "" {
			*c = 0
			return nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("code: want an integer, got %.20q", s)
	}
	*c = Code(v)
	return nil
}
