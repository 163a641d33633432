package mipmock

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"mipimport/mip"
)

// yearDays is the yearly attachment rule's window.
const yearDays = 365

// incoming is a valid patient ready to be stored. Everything that does not
// need the maps (GUID generation, validation) is prepared before the lock.
type incoming struct {
	patient    *mip.Patient
	id         identity
	now        time.Time
	guid       string // the card's GUID, canonical
	generated  bool   // guid was generated here, not sent
	personGUID string // for a new person

	attMsgs []string // attachment validation problems
	attGUID string   // for a card's first uploaded attachment
	attMcod string   // normalized attachment mcod
}

type result struct {
	answer
	created, updated, duplicatePerson bool
}

type storedCard struct {
	Card
	id identity
}

type attachmentRecord struct {
	mcod string
	date mip.Date
}

type person struct {
	attachments []attachmentRecord // uploaded attachments, distinct
}

// state is the store: cards, persons and the person index.
type state struct {
	mu      sync.Mutex
	cards   map[string]*storedCard
	persons map[string]*person
	bySnils map[string]string // normalized СНИЛС → person GUID
	byPolis map[string]string // normalized polis number → person GUID
}

func (st *state) init() {
	st.cards = make(map[string]*storedCard)
	st.persons = make(map[string]*person)
	st.bySnils = make(map[string]string)
	st.byPolis = make(map[string]string)
}

func (st *state) reset(alsoUnderLock func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	alsoUnderLock()
}

func (st *state) sizes() (cards, persons int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.cards), len(st.persons)
}

// snapshot copies the cards. Stored patients are replaced, never changed in
// place, so the deep copy can be made outside the lock.
func (st *state) snapshot() []Card {
	st.mu.Lock()
	out := make([]Card, 0, len(st.cards))
	for _, c := range st.cards {
		out = append(out, c.Card)
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b Card) int { return strings.Compare(a.GUID, b.GUID) })
	for i := range out {
		out[i].Patient = clonePatient(out[i].Patient)
	}
	return out
}

// apply creates or updates the card and handles its attachment.
func (st *state) apply(in *incoming) result {
	st.mu.Lock()
	defer st.mu.Unlock()

	var res result
	c := st.cards[in.guid]
	switch {
	case c != nil && !in.generated:
		if !samePerson(c.id, in.id) {
			res.MkabStatus = mip.MkabError
			res.AttachmentStatus = mip.AttachmentNone
			res.ValidationMessage = []string{msgOtherPatient(in.guid)}
			return res
		}
		c.Patient = *in.patient
		c.id = in.id
		c.Updated = in.now
		c.Updates++
		st.index(c.PersonGUID, in.id)
		res.updated = true
	default:
		// A generated GUID that collides is astronomically unlikely; should
		// it happen, the old card is simply replaced.
		personGUID := st.findPerson(in.id)
		if personGUID != "" {
			res.duplicatePerson = true
		} else {
			personGUID = in.personGUID
			st.persons[personGUID] = &person{}
		}
		st.index(personGUID, in.id)
		c = &storedCard{
			Card: Card{
				GUID:       in.guid,
				PersonGUID: personGUID,
				Patient:    *in.patient,
				Created:    in.now,
				Updated:    in.now,
			},
			id: in.id,
		}
		st.cards[in.guid] = c
		res.created = true
	}
	res.MkabStatus = mip.MkabUploaded
	res.PersonGUID = c.PersonGUID
	res.MkabGUID = c.GUID

	a := in.patient.Attachment
	switch {
	case a == nil:
		res.AttachmentStatus = mip.AttachmentNone
	case len(in.attMsgs) > 0:
		res.AttachmentStatus = mip.AttachmentNotValid
		res.ValidationMessage = in.attMsgs
	default:
		p := st.persons[c.PersonGUID]
		rec := attachmentRecord{mcod: in.attMcod, date: a.Date}
		for _, prev := range p.attachments {
			if prev.mcod != rec.mcod && daysApart(prev.date, rec.date) < yearDays {
				res.AttachmentStatus = mip.AttachmentError
				res.ValidationMessage = []string{msgYearlyRule}
				return res
			}
		}
		if !slices.Contains(p.attachments, rec) {
			p.attachments = append(p.attachments, rec)
		}
		if c.AttachmentGUID == "" {
			c.AttachmentGUID = in.attGUID
		}
		res.AttachmentStatus = mip.AttachmentUploaded
		res.AttachmentGUID = c.AttachmentGUID
	}
	return res
}

// findPerson returns the GUID of the person with the same СНИЛС or polis
// number, or "".
func (st *state) findPerson(id identity) string {
	if id.snils != "" {
		if g, ok := st.bySnils[id.snils]; ok {
			return g
		}
	}
	if id.polis != "" {
		if g, ok := st.byPolis[id.polis]; ok {
			return g
		}
	}
	return ""
}

// index points the identifiers not yet known at the person.
func (st *state) index(personGUID string, id identity) {
	if _, ok := st.bySnils[id.snils]; id.snils != "" && !ok {
		st.bySnils[id.snils] = personGUID
	}
	if _, ok := st.byPolis[id.polis]; id.polis != "" && !ok {
		st.byPolis[id.polis] = personGUID
	}
}

func newGUID() string { return uuid.NewString() }

// clonePatient deep-copies a patient through its JSON form, which the store
// round-trips losslessly (stored patients were decoded from JSON).
func clonePatient(p mip.Patient) mip.Patient {
	b, err := json.Marshal(p)
	if err != nil {
		return p
	}
	var out mip.Patient
	if err := json.Unmarshal(b, &out); err != nil {
		return p
	}
	return out
}
