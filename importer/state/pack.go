package state

import (
	"encoding/hex"

	"github.com/google/uuid"
)

// GUIDs and payload hashes are most of a row's bytes, so the state keeps
// them in binary when that loses nothing: a GUID in canonical form (what
// МИП and uuid produce) as its 16 bytes, a lower-case hex SHA-256 as its 32
// bytes. Anything else is stored as the text it was, and read back as is.

func packGUID(s string) any {
	if len(s) == 36 {
		if u, err := uuid.Parse(s); err == nil && u.String() == s {
			return u[:]
		}
	}
	return s
}

func packHash(s string) any {
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil && hex.EncodeToString(b) == s {
			return b
		}
	}
	return s
}

func unpackGUID(v any) string {
	if b, ok := v.([]byte); ok && len(b) == 16 {
		return uuid.UUID(b).String()
	}
	return asText(v)
}

func unpackHash(v any) string {
	if b, ok := v.([]byte); ok && len(b) == 32 {
		return hex.EncodeToString(b)
	}
	return asText(v)
}

func asText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
