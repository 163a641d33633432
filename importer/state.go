package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"mipimport/mip"
)

// State is what the importer needs from the state store (SPEC §6): what was
// uploaded for a key before, and a place to record every row's result.
// Known is called from the reader goroutine; Save from the reader and from
// the pool's senders, concurrently, as each row's result becomes final.
type State interface {
	// Known returns what is remembered for the key of a clinic.
	Known(mcod, key string) (Known, error)
	// Fingerprint hashes an identity with the state's own salt, as Known
	// returns it and Save stores it (Result.Who).
	Fingerprint(id Identity) Fingerprint
	// Save records one row's result when it is final (not in input
	// order). hash is the payload hash of what was sent ("" when nothing
	// was sent or МИП did not answer). The key to store under is
	// r.MatchKey (r.Key when empty); r.Key is the key as shown.
	Save(r Result, mcod, hash string) error
}

// Known is what the state remembers about a key.
type Known struct {
	Found          bool
	MkabGUID       string
	PersonGUID     string
	AttachmentGUID string
	Hash           string      // hash of the last payload МИП accepted in full
	Who            Fingerprint // who the key was uploaded for; zero when not known (an older state)
}

// PayloadHash is the hex SHA-256 of the patient's JSON as it would be sent
// (GUID included): equal hashes mean МИП already holds exactly this data.
func PayloadHash(p *mip.Patient) (string, error) {
	b, err := mip.Encode(p)
	if err != nil {
		return "", err
	}
	return hashOf(b), nil
}

// hashOf is PayloadHash of a patient already encoded by mip.Encode.
func hashOf(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// EncodedSender is a Sender that also sends a patient already encoded by
// mip.Encode. With a state the importer needs every payload's bytes for the
// hash; with an EncodedSender it encodes each patient once, for the hash and
// the request alike, instead of twice. *mip.Client is one.
type EncodedSender interface {
	Sender
	SendEncoded(ctx context.Context, body []byte) (mip.Reply, error)
}
