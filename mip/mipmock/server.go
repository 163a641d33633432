package mipmock

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mipimport/mip"
)

// MaxBodyBytes is the largest request body accepted; a larger one gets 413.
const MaxBodyBytes = 1 << 20

// Config sets the credentials and the faults of a Server. The zero value
// (except for the credentials) is a fast, faultless server.
type Config struct {
	// User and Password are the only Basic auth credentials accepted.
	User, Password string

	// Latency is added to every authorized /patients request, plus a
	// uniform extra of 0..Jitter. It is slept without holding any lock and
	// cut short when the request's context ends.
	Latency time.Duration
	Jitter  time.Duration

	// Rate5xx is the share of requests answered 503 and Rate429 the share
	// answered 429 with Retry-After, both before anything is stored. They
	// are drawn independently, 503 first, so with both set the share of 429
	// is (1-Rate5xx)*Rate429.
	Rate5xx float64
	Rate429 float64
	// RetryAfter is sent in Retry-After, in whole seconds rounded up
	// (default 1s).
	RetryAfter time.Duration
	// RateDrop is the share of requests whose connection is closed without
	// an answer AFTER the card was processed and stored: the client cannot
	// know that the card exists.
	RateDrop float64

	// Capacity, when positive, is the most requests served at a time: one
	// more is answered 503 at once, without Retry-After.
	Capacity int
	// RateLimit, when positive, is the most requests served a second, as
	// a token bucket of RateBurst tokens (default: RateLimit rounded up, a
	// second's worth): one more is answered 429 at once, with Retry-After
	// the time until the next token, in whole seconds rounded up.
	RateLimit float64
	RateBurst int
	// LatencyPerRequest, when positive, adds to the latency of a request
	// that much for each request being served (itself included) beyond
	// LatencyKnee: with LatencyKnee 0 the latency grows from the first
	// request; with LatencyKnee N and LatencyPerRequest Latency/N it is a
	// server of N workers whose requests queue beyond N.
	LatencyPerRequest time.Duration
	LatencyKnee       int

	// Seed seeds the random source of the faults and the jitter; 0 picks a
	// random seed.
	Seed uint64
	// Now is the clock (default time.Now): card times and the "not in the
	// future" checks use it.
	Now func() time.Time
}

// Card is one stored patient card (МКАБ) as the server holds it.
type Card struct {
	GUID           string      `json:"guid"`
	PersonGUID     string      `json:"personGuid"`
	Patient        mip.Patient `json:"patient"`
	Created        time.Time   `json:"created"`
	Updated        time.Time   `json:"updated"` // equal to Created until the first update
	Updates        int         `json:"updates"`
	AttachmentGUID string      `json:"attachmentGuid,omitempty"`
}

// Server is the mock МИП. It implements http.Handler; see the package
// comment for its behaviour. Create it with New.
type Server struct {
	cfg      Config
	userHash [sha256.Size]byte
	passHash [sha256.Size]byte
	faults   *faults
	load     *load
	clock    sleeper
	c        counters
	guids    guidTracker
	st       state
}

// New returns a Server with an empty store.
func New(cfg Config) *Server {
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:      cfg,
		userHash: sha256.Sum256([]byte(cfg.User)),
		passHash: sha256.Sum256([]byte(cfg.Password)),
		faults:   newFaults(cfg.Seed),
		load:     newLoad(cfg),
	}
	s.st.init()
	return s
}

// Stats returns the counters and the store sizes.
func (s *Server) Stats() Stats {
	c := &s.c
	st := Stats{
		Requests:           c.requests.Load(),
		Unauthorized:       c.unauthorized.Load(),
		BadRequests:        c.badRequests.Load(),
		Uploaded:           c.uploaded.Load(),
		NotValid:           c.notValid.Load(),
		Errors:             c.errors.Load(),
		AttachmentUploaded: c.attUploaded.Load(),
		AttachmentNotValid: c.attNotValid.Load(),
		AttachmentErrors:   c.attErrors.Load(),
		Created:            c.created.Load(),
		Updated:            c.updated.Load(),
		DuplicatePersons:   c.duplicatePersons.Load(),
		Injected5xx:        c.injected5xx.Load(),
		Injected429:        c.injected429.Load(),
		InjectedDrops:      c.drops.Load(),
		Refused503:         c.refused503.Load(),
		Refused429:         c.refused429.Load(),
		InFlight:           c.inFlight.Load(),
		MaxInFlight:        c.maxInFlight.Load(),
		SameGUIDOverlaps:   c.sameGUIDOverlaps.Load(),
		MaxPerSecond:       c.rate.maximum(),
		Delayed:            c.delayed.Load(),
	}
	if st.Delayed > 0 {
		st.MeanLateMicros = float64(c.lateNs.Load()) / float64(st.Delayed) / 1e3
	}
	st.Cards, st.Persons = s.st.sizes()
	return st
}

// Cards returns a copy of every stored card, sorted by GUID.
func (s *Server) Cards() []Card { return s.st.snapshot() }

// Reset forgets every card, person and counter (requests in flight stay
// counted in InFlight) and fills the RateLimit bucket again.
func (s *Server) Reset() {
	s.st.reset(func() { s.c.reset() })
	s.load.reset()
}

// ServeHTTP routes {base}/patients and the /_mock/ inspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/patients"):
		s.servePatients(w, r)
	case strings.HasSuffix(path, "/_mock/stats"):
		if onlyMethod(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, s.Stats())
		}
	case strings.HasSuffix(path, "/_mock/cards"):
		if onlyMethod(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, s.Cards())
		}
	case strings.HasSuffix(path, "/_mock/reset"):
		if onlyMethod(w, r, http.MethodPost) {
			s.Reset()
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		http.NotFound(w, r)
	}
}

// answer is the body of a 200 answer, keys in PascalCase as in the API
// page's example.
type answer struct {
	MkabStatus        string   `json:"MkabStatus"`
	AttachmentStatus  string   `json:"AttachmentStatus"`
	PersonGUID        string   `json:"PersonGuid"`
	MkabGUID          string   `json:"MkabGuid"`
	AttachmentGUID    string   `json:"AttachmentGuid"`
	ValidationMessage []string `json:"ValidationMessage"`
}

func (s *Server) servePatients(w http.ResponseWriter, r *http.Request) {
	// Latency counts from arrival: a МИП with latency L answers L after the
	// request came in, however long reading and decoding took.
	arrived := time.Now()
	s.c.requests.Add(1)
	s.c.rate.arrive(arrived)
	s.c.enter()
	// Deferred in this order so that a dropped connection is closed only
	// after the request stopped counting as in flight.
	var dropped net.Conn
	defer func() {
		if dropped != nil {
			dropped.Close()
		}
	}()
	defer s.c.leave()

	if !onlyMethod(w, r, http.MethodPost) {
		s.c.badRequests.Add(1)
		return
	}
	if !s.authorized(r) {
		s.c.unauthorized.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="MIP mock", charset="UTF-8"`)
		http.Error(w, "требуется авторизация: неверный логин или пароль", http.StatusUnauthorized)
		return
	}

	// The load limits answer at once, as a gateway in front of МИП does,
	// before the body is read.
	v := s.load.arrive(arrived)
	switch v.refuse {
	case http.StatusServiceUnavailable:
		s.c.refused503.Add(1)
		http.Error(w, "сервис перегружен: слишком много запросов одновременно (mipmock)", http.StatusServiceUnavailable)
		return
	case http.StatusTooManyRequests:
		s.c.refused429.Add(1)
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(v.retryAfter), 10))
		http.Error(w, "слишком много запросов в секунду (mipmock)", http.StatusTooManyRequests)
		return
	}
	defer s.load.leave()

	p, badStatus, badText := readPatient(w, r)
	if p != nil && strings.TrimSpace(p.GUID) != "" {
		key, ok := canonicalGUID(p.GUID)
		if !ok {
			key = strings.TrimSpace(p.GUID)
		}
		if s.guids.enter(key) {
			s.c.sameGUIDOverlaps.Add(1)
		}
		defer s.guids.leave(key)
	}

	delay := s.faults.delay(s.cfg.Latency, s.cfg.Jitter) + v.extra
	if !s.clock.sleep(r.Context(), delay-time.Since(arrived)) {
		return // the client went away
	}
	if delay > 0 {
		s.c.delayed.Add(1)
		s.c.lateNs.Add(int64(time.Since(arrived) - delay))
	}
	if badStatus != 0 {
		s.c.badRequests.Add(1)
		http.Error(w, badText, badStatus)
		return
	}
	if s.faults.hit(s.cfg.Rate5xx) {
		s.c.injected5xx.Add(1)
		http.Error(w, "сервис временно недоступен (mipmock: имитация сбоя)", http.StatusServiceUnavailable)
		return
	}
	if s.faults.hit(s.cfg.Rate429) {
		s.c.injected429.Add(1)
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(s.cfg.RetryAfter), 10))
		http.Error(w, "слишком много запросов (mipmock: имитация перегрузки)", http.StatusTooManyRequests)
		return
	}

	ans := s.process(p)

	if s.faults.hit(s.cfg.RateDrop) {
		s.c.drops.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			// No hijacking (HTTP/2): abort the stream instead.
			panic(http.ErrAbortHandler)
		}
		dropped = conn
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// authorized checks Basic auth in constant time (the hashes also hide the
// lengths).
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	uh := sha256.Sum256([]byte(user))
	ph := sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(uh[:], s.userHash[:])&subtle.ConstantTimeCompare(ph[:], s.passHash[:]) == 1
}

// readPatient reads and decodes the body. On failure it returns the status
// (400 or 413) and a short text to answer with.
func readPatient(w http.ResponseWriter, r *http.Request) (*mip.Patient, int, string) {
	const tooLarge = "тело запроса больше 1 МиБ"
	if r.ContentLength > MaxBodyBytes {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge, tooLarge
		}
		return nil, http.StatusBadRequest, "не удалось прочитать тело запроса"
	}
	var p mip.Patient
	if err := json.Unmarshal(body, &p); err != nil {
		text := err.Error()
		if len(text) > 200 {
			text = text[:200]
		}
		return nil, http.StatusBadRequest, "тело запроса не является JSON-моделью Patient: " + text
	}
	return &p, 0, ""
}

// process validates and stores one patient and counts the statuses.
func (s *Server) process(p *mip.Patient) answer {
	now := s.cfg.Now()
	today := mip.DateOf(now)
	if msgs := validatePatient(p, today); len(msgs) > 0 {
		s.c.notValid.Add(1)
		return answer{MkabStatus: mip.MkabNotValid, AttachmentStatus: mip.AttachmentNone, ValidationMessage: msgs}
	}
	in := incoming{patient: p, id: identityOf(p), now: now, personGUID: newGUID()}
	if p.GUID != "" {
		in.guid, _ = canonicalGUID(p.GUID) // valid: checked above
	} else {
		in.guid, in.generated = newGUID(), true
	}
	p.GUID = in.guid
	if a := p.Attachment; a != nil {
		in.attMsgs = validateAttachment(a, today)
		if len(in.attMsgs) == 0 {
			in.attGUID = newGUID()
			in.attMcod = compactUpper(a.Mcod)
		}
	}

	res := s.st.apply(&in)

	switch res.MkabStatus {
	case mip.MkabUploaded:
		s.c.uploaded.Add(1)
	case mip.MkabError:
		s.c.errors.Add(1)
	}
	switch res.AttachmentStatus {
	case mip.AttachmentUploaded:
		s.c.attUploaded.Add(1)
	case mip.AttachmentNotValid:
		s.c.attNotValid.Add(1)
	case mip.AttachmentError:
		s.c.attErrors.Add(1)
	}
	if res.created {
		s.c.created.Add(1)
	}
	if res.updated {
		s.c.updated.Add(1)
	}
	if res.duplicatePerson {
		s.c.duplicatePersons.Add(1)
	}
	if res.ValidationMessage == nil {
		res.ValidationMessage = []string{}
	}
	return res.answer
}

// onlyMethod answers 405 and returns false unless r uses method.
func onlyMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	http.Error(w, "метод не поддерживается, нужен "+method, http.StatusMethodNotAllowed)
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "mipmock: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
