package importer

import (
	"fmt"
	"strings"
	"unicode"

	"mipimport/mip"
)

// Identity is who a patient is, for telling whether a key now describes
// another person than the one it was uploaded for: the family and the
// name folded (case, ё/е, spaces and hyphens do not matter) and the
// birthday. It is hashed (State.Fingerprint) before anything keeps it.
type Identity struct {
	Family, Name, Birthday string
}

// IdentityOf returns a patient's identity.
func IdentityOf(p *mip.Patient) Identity {
	id := Identity{Family: foldName(p.Family), Name: foldName(p.Name)}
	if !p.Birthday.IsZero() {
		id.Birthday = p.Birthday.String()
	}
	return id
}

// foldName folds a name for comparison: lower case, ё as е, runs of
// blanks and hyphens as one space.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '-' || r == '‐' || r == '–' || r == '—':
			gap = b.Len() > 0
			continue
		case r == 'ё' || r == 'Ё':
			r = 'е'
		default:
			r = unicode.ToLower(r)
		}
		if gap {
			b.WriteByte(' ')
			gap = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Fingerprint is an Identity as the state keeps it: a salted hash of each
// part, so that no name or birthday is stored, yet a changed family alone
// can be told from another person. Zero parts are unknown.
type Fingerprint struct {
	Family, Name, Birthday uint64
}

// IsZero reports whether nothing is known.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// identityChange says how a row's identity differs from the one its key
// was uploaded for.
type identityChange int

const (
	sameIdentity  identityChange = iota
	familyChanged                // the family alone: a marriage, a corrected family
	nameChanged                  // the name alone, same birthday: a corrected typo
	otherPerson                  // another birthday, or another family and name
)

// compareIdentity compares what the state remembers for a key (was) with
// the row (now). A part unknown on either side is not compared.
func compareIdentity(was, now Fingerprint) (identityChange, string) {
	differs := func(a, b uint64) bool { return a != 0 && b != 0 && a != b }
	birthday, family, name := differs(was.Birthday, now.Birthday), differs(was.Family, now.Family), differs(was.Name, now.Name)
	switch {
	case birthday && family && name:
		return otherPerson, "не совпадают дата рождения, фамилия и имя"
	case birthday:
		return otherPerson, "не совпадает дата рождения"
	case family && name:
		return otherPerson, "не совпадают фамилия и имя"
	case family:
		return familyChanged, ""
	case name:
		return nameChanged, ""
	}
	return sameIdentity, ""
}

// identityMessage is the row's message for a key uploaded before for a
// person who differs from the row's; allowed says the operator let such
// rows through (Config.AllowIdentityChange).
func identityMessage(key string, change identityChange, what string, allowed bool) string {
	switch {
	case change == familyChanged:
		return fmt.Sprintf("Предупреждение. Ключ %s: фамилия отличается от загруженной ранее при той же дате рождения и том же имени — строка отправлена как изменение данных того же пациента (например, смена фамилии), проверьте", key)
	case change == nameChanged:
		return fmt.Sprintf("Предупреждение. Ключ %s: имя отличается от загруженного ранее при той же дате рождения и той же фамилии — строка отправлена как исправление, проверьте", key)
	case allowed:
		return fmt.Sprintf("Предупреждение. Ключ %s уже загружен для другого пациента (%s); строка отправлена, потому что задан --allow-identity-change", key, what)
	}
	return fmt.Sprintf("Ключ %s уже загружен для другого пациента (%s) — проверьте, тот ли это пациент", key, what)
}
