package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"

	"mipimport/mip"
)

// encodedSender is a fakeSender that also takes encoded patients, and
// records what it was given.
type encodedSender struct {
	fakeSender
	mu      sync.Mutex
	bodies  map[string]string // GUID → body sent encoded
	encoded int
}

func (e *encodedSender) SendEncoded(ctx context.Context, body []byte) (mip.Reply, error) {
	var p mip.Patient
	if err := json.Unmarshal(body, &p); err != nil {
		return mip.Reply{}, &mip.Error{Kind: mip.FailRejected, Err: err}
	}
	e.mu.Lock()
	if e.bodies == nil {
		e.bodies = map[string]string{}
	}
	e.bodies[p.GUID] = string(body)
	e.encoded++
	e.mu.Unlock()
	return e.Send(ctx, &p)
}

// hashState records the hash saved for each key.
type hashState struct {
	memState
	hmu    sync.Mutex
	hashes map[string]string
}

func (h *hashState) Save(r Result, mcod, hash string) error {
	h.hmu.Lock()
	if h.hashes == nil {
		h.hashes = map[string]string{}
	}
	h.hashes[r.MkabGUID] = hash
	h.hmu.Unlock()
	return h.memState.Save(r, mcod, hash)
}

// With a state, each patient is encoded once: the bytes hashed are the
// bytes sent, and their hash is PayloadHash's.
func TestStateSendsThePayloadItHashed(t *testing.T) {
	st := &hashState{}
	snd := &encodedSender{}
	items := patients(50)
	sum, err := Import(context.Background(), Config{State: st, Concurrency: 8}, &sliceSource{items: items}, snd, &memSink{})
	if err != nil || sum.Counts[Uploaded] != 50 {
		t.Fatalf("counts %v, %v", sum.Counts, err)
	}
	if snd.encoded != 50 || len(snd.bodies) != 50 {
		t.Fatalf("%d of 50 rows sent encoded", snd.encoded)
	}
	for _, it := range items {
		body := snd.bodies[it.Patient.GUID]
		sum := sha256.Sum256([]byte(body))
		if got := st.hashes[it.Patient.GUID]; got != hex.EncodeToString(sum[:]) {
			t.Fatalf("row %d: hash saved %q is not the hash of the body sent", it.Row, got)
		}
		want, err := PayloadHash(it.Patient)
		if err != nil || want != st.hashes[it.Patient.GUID] {
			t.Fatalf("row %d: PayloadHash %q, saved %q (%v)", it.Row, want, st.hashes[it.Patient.GUID], err)
		}
	}

	// Without a state nothing is hashed, and the patient goes to Send.
	snd2 := &encodedSender{}
	if _, err := Import(context.Background(), Config{Concurrency: 8}, &sliceSource{items: patients(10)}, snd2, &memSink{}); err != nil {
		t.Fatal(err)
	}
	if snd2.encoded != 0 || snd2.calls.Load() != 10 {
		t.Fatalf("without a state: %d sent encoded, %d sent", snd2.encoded, snd2.calls.Load())
	}
}
