package state

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/google/uuid"

	"mipimport/importer"
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

// packWho stores a fingerprint as 24 bytes, or nil when nothing is known.
func packWho(f importer.Fingerprint) []byte {
	if f.IsZero() {
		return nil
	}
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b[0:], f.Family)
	binary.BigEndian.PutUint64(b[8:], f.Name)
	binary.BigEndian.PutUint64(b[16:], f.Birthday)
	return b
}

func unpackWho(b []byte) importer.Fingerprint {
	if len(b) != 24 {
		return importer.Fingerprint{}
	}
	return importer.Fingerprint{
		Family:   binary.BigEndian.Uint64(b[0:]),
		Name:     binary.BigEndian.Uint64(b[8:]),
		Birthday: binary.BigEndian.Uint64(b[16:]),
	}
}

// identityHash is one part of a fingerprint: the first 8 bytes of
// HMAC-SHA256 under the file's salt, of the part's name and value; 0 for
// an empty value.
func (s *Store) identityHash(part, value string) uint64 {
	if value == "" {
		return 0
	}
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(part))
	m.Write([]byte{0})
	m.Write([]byte(value))
	if v := binary.BigEndian.Uint64(m.Sum(nil)); v != 0 {
		return v
	}
	return 1 // 0 means not known
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
