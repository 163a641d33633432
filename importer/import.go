package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"mipimport/mip"
)

// Config tunes a run.
type Config struct {
	Concurrency int   // requests in flight at most; default 8
	DryRun      bool  // do everything but send (and record nothing in the state)
	State       State // remembered uploads; nil = none (GUIDs still come from the keys)
	Force       bool  // send rows the state says are unchanged
	// AllowIdentityChange sends a row whose key was uploaded before for
	// another person (another birthday, or another family and name), with
	// a warning; without it such a row ends invalid (--allow-identity-change).
	AllowIdentityChange bool
	Grace               time.Duration // after a stop, how long in-flight requests may still take; default 30s
	Log                 *zap.Logger
	Now                 func() time.Time
	// OnResult, when set, is called for every row as its result is written
	// (for progress displays); it must be quick.
	OnResult func(Result)
}

// Errors that abort a run. The run still writes a result for every row.
var (
	ErrStopped = errors.New("the run was stopped before all rows were sent")
)

// window bounds how far the reader may run ahead of the oldest row whose
// result is not yet written, so that memory stays flat even when one row
// is stuck in retries while thousands of others complete.
func window(concurrency int) int { return 4*concurrency + 256 }

// KeyNamespace is the namespace of the deterministic card GUIDs: a row with
// key K for clinic M is sent with GUID UUIDv5(KeyNamespace, M + "\x1f" + K),
// so even without any saved state a re-run updates the same card.
var KeyNamespace = mustUUID("4f7d1c2e-8b0a-5e36-9a51-6d2c0e9b7a13")

// Import imports every row of src. Cancelling ctx stops taking new rows: the
// requests in flight may finish within Config.Grace, and every row not sent
// ends not_sent. Bad credentials or an unreachable МИП abort the run the
// same way. Import returns the summary, and an error only when a Sink failed or
// the input could not be read; Summary.Aborted says why a run stopped early.
func Import(ctx context.Context, cfg Config, src Source, snd Sender, sinks ...Sink) (Summary, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &importRun{
		cfg:     cfg,
		snd:     snd,
		sinks:   sinks,
		results: make(chan seqResult, cfg.Concurrency),
		tokens:  make(chan struct{}, window(cfg.Concurrency)),
		seen:    make(map[[16]byte]int32),
		seenAny: make(map[string]int),
		sum:     Summary{Start: cfg.Now(), Counts: make(map[Outcome]int, len(Outcomes))},
	}
	// Requests get their own context: a stop (ctx) lets them finish within
	// the grace period, an abort (bad credentials) cancels them at once.
	sendCtx, cancelSend := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelSend(nil)
	r.cancelSend = cancelSend
	stopGrace := context.AfterFunc(ctx, func() {
		time.AfterFunc(cfg.Grace, func() { cancelSend(ErrStopped) })
	})
	defer stopGrace()

	var writeErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		writeErr = r.write()
	}()

	readErr := r.read(ctx, sendCtx, src)
	close(r.results)
	<-done
	r.sum.End = cfg.Now()
	r.sum.Skipped = r.skipped
	if r.abort != nil {
		r.sum.Aborted = r.abort
	} else if ctx.Err() != nil {
		r.sum.Aborted = context.Cause(ctx)
	}
	if readErr != nil {
		return r.sum, readErr
	}
	if r.stateErr != nil {
		return r.sum, r.stateErr
	}
	return r.sum, writeErr
}

// importRun is one call of Import: its settings, the stages' channels,
// the card GUIDs seen so far and the tally. The reader (read), the pool
// and the writer (write) share it.
type importRun struct {
	cfg        Config
	snd        Sender
	sinks      []Sink
	results    chan seqResult
	tokens     chan struct{}
	cancelSend context.CancelCauseFunc

	// seen maps each card GUID to the first row that had it, to find
	// duplicates. A GUID in the canonical form (lowercase, as KeyGUID
	// makes them) is kept as its 16 bytes rather than as a string, so that
	// the map of a million-row input stays small. Any other GUID (mapped
	// from the input as written) is kept in seenAny as it is.
	seen    map[[16]byte]int32
	seenAny map[string]int

	mu       sync.Mutex
	abort    error       // why sending stopped early: bad credentials, МИП unreachable, a sink or the state failing
	stateErr error       // the first failure to record in the state
	answered atomic.Bool // some request got an HTTP answer

	sum     Summary   // written by the writer goroutine only, until Import returns
	skipped []Skipped // written by the reader only
}

// read takes rows from the source, in order, and either resolves them at
// once (invalid, duplicate, unchanged, not sent) or queues them for the
// pool, up to Concurrency rows prepared ahead.
func (r *importRun) read(ctx, sendCtx context.Context, src Source) error {
	queue := make(chan sendJob, r.cfg.Concurrency)
	pooled := make(chan struct{})
	go func() {
		defer close(pooled)
		r.pool(ctx, sendCtx, queue)
	}()
	defer func() {
		close(queue)
		<-pooled
	}()
	var readErr error
	readCtx := context.WithoutCancel(ctx) // a stop ends the sending, not the reading
	for seq := 0; ; seq++ {
		it, err := src.Next(readCtx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if it.Skip != "" {
			// Not a patient: no result; the next row takes its sequence number.
			r.skipped = append(r.skipped, Skipped{Row: it.Row, Reason: it.Skip})
			r.cfg.Log.Info("row skipped: it holds no patient (a repeated header, a totals row)", zap.Int("row", it.Row))
			seq--
			continue
		}
		r.tokens <- struct{}{} // released by the writer; bounds the reorder buffer
		sr := seqResult{seq: seq, Result: Result{Row: it.Row, Key: it.KeyShown, MatchKey: it.Key, Messages: it.Messages, Cells: it.Cells}}
		if sr.Key == "" {
			sr.Key = it.Key
		}
		res := &sr.Result
		if it.Patient != nil {
			sr.mcod = it.Patient.Mcod
		}
		var known Known
		valid, otherPerson, dup := !it.Invalid && it.Patient != nil, false, false
		if valid {
			if known, err = r.prepare(it, &sr); err != nil {
				readErr = err
				break
			}
			var identity string
			identity, otherPerson = r.checkIdentity(known, res)
			// A key repeated in the file is a repeat, whoever the key was
			// uploaded for before, on every run alike; a row refused as
			// another person leaves its key to the rows after it.
			if dup = r.duplicate(it, res, !otherPerson); !dup && identity != "" {
				res.Messages = append(res.Messages, identity)
			}
		}
		switch {
		case !valid:
			res.Outcome = Invalid
		case dup:
			res.Outcome = Duplicate
		case otherPerson:
			res.Outcome = Invalid
		case known.Found && known.Hash != "" && known.Hash == sr.hash && !r.cfg.Force:
			res.Outcome = Unchanged
			res.MkabGUID, res.PersonGUID, res.AttachmentGUID = known.MkabGUID, known.PersonGUID, known.AttachmentGUID
			sr.hash = "" // nothing was sent
			res.Messages = append(res.Messages, "Без изменений: эти данные уже загружены в МИП, строка не отправлялась")
		case stopped(ctx, sendCtx):
			res.Outcome = NotSent
			res.Messages = append(res.Messages, r.notSentReason(ctx))
		case r.cfg.DryRun:
			res.Outcome = NotSent
			res.Messages = append(res.Messages, DryRunNote)
		default:
			// A stop that comes while the row waits in the queue is
			// seen by send, which then sends nothing.
			queue <- sendJob{it: it, sr: sr}
			continue
		}
		sr.body = nil
		r.save(&sr)
		r.results <- sr
	}
	return readErr
}

// sendJob is a row queued for the pool.
type sendJob struct {
	it Item
	sr seqResult
}

// pool sends the queued rows with Concurrency workers, so at most that
// many at a time, and returns when the queue is closed and every request
// has ended. The rows come prepared: when a round of answers frees many
// workers at once (with a steady latency the requests of one round come
// back together), the next requests start at once instead of one after
// another as the reader gets to each row.
//
// The workers live for the whole run rather than one goroutine per row
// (errgroup's SetLimit): a request runs deep through net/http and
// encoding/json, and a fresh goroutine would grow and copy its stack for
// every row.
//
// No worker returns an error: the errors that stop a run come from the
// sinks and the state too, and a stop must leave the requests in flight
// their grace period, so they all go through cancelSend rather than
// through a group context.
func (r *importRun) pool(ctx, sendCtx context.Context, queue <-chan sendJob) {
	var g errgroup.Group
	for range r.cfg.Concurrency {
		g.Go(func() error {
			for j := range queue {
				r.results <- r.sendRow(ctx, sendCtx, j)
			}
			return nil
		})
	}
	g.Wait()
}

// sendRow sends one queued row, records it in the state and returns its
// final result.
func (r *importRun) sendRow(ctx, sendCtx context.Context, j sendJob) seqResult {
	sr := j.sr
	if r.cfg.State != nil && sr.hash == "" {
		// Left by prepare: nothing to compare with. A patient that cannot
		// be encoded keeps no hash and goes to Send, which fails it with
		// the reason.
		_ = r.encode(j.it.Patient, &sr)
	}
	sr.Result = r.send(ctx, sendCtx, j.it, sr.body, sr.Result)
	sr.body = nil
	r.save(&sr)
	return sr
}

// DryRunNote marks a valid row that a dry run did not send.
const DryRunNote = "Пробный запуск: строка прошла проверку и была бы отправлена"

// stopped reports whether rows are no longer sent: the run was stopped
// (ctx), or aborted, which always cancels the requests (sendCtx).
func stopped(ctx, sendCtx context.Context) bool {
	return ctx.Err() != nil || sendCtx.Err() != nil
}

func (r *importRun) notSentReason(ctx context.Context) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(r.abort, mip.ErrUnauthorized):
		return "Не отправлено: МИП отклонил логин или пароль, запуск остановлен"
	case errors.Is(r.abort, mip.ErrUnreachable):
		return "Не отправлено: МИП недоступен, запуск остановлен"
	case errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		return "Не отправлено: истекло время запуска (--max-duration)"
	default:
		return "Не отправлено: запуск прерван"
	}
}

// checkIdentity compares who the row's key was uploaded for with who the
// row describes, and returns the row's message about it ("" for the same
// person) and whether the row must not be sent. Another person (another
// birthday, or another family and name) is not sent, unless the operator
// allows it. A changed family alone, or a changed name with the same
// birthday, is sent with a warning.
func (r *importRun) checkIdentity(known Known, res *Result) (msg string, refuse bool) {
	if !known.Found || known.Who.IsZero() || res.Who.IsZero() {
		return "", false
	}
	change, what := compareIdentity(known.Who, res.Who)
	if change == sameIdentity {
		return "", false
	}
	return identityMessage(res.Key, change, what, r.cfg.AllowIdentityChange), change == otherPerson && !r.cfg.AllowIdentityChange
}

// prepare assigns the row's card GUID — the mapped one, else the one МИП
// gave this key before, else the one derived from the key — and hashes the
// payload, so that an unchanged row can be recognised. With a state it
// also takes the row's fingerprint (Result.Who).
func (r *importRun) prepare(it Item, sr *seqResult) (Known, error) {
	p := it.Patient
	var known Known
	if r.cfg.State != nil && it.Key != "" {
		var err error
		if known, err = r.cfg.State.Known(p.Mcod, it.Key); err != nil {
			return Known{}, fmt.Errorf("reading the state: %w", err)
		}
		sr.Who = r.cfg.State.Fingerprint(IdentityOf(p))
	}
	if p.GUID == "" {
		switch {
		case known.MkabGUID != "":
			p.GUID = known.MkabGUID
		case it.Key != "":
			p.GUID = KeyGUID(p.Mcod, it.Key)
		}
	}
	if r.cfg.State != nil {
		if !known.Found || known.Hash == "" || r.cfg.Force {
			// Nothing to compare with: sendRow hashes the row, off the
			// reader, which every row waits for.
			return known, nil
		}
		if err := r.encode(p, sr); err != nil {
			return Known{}, fmt.Errorf("row %d: %w", it.Row, err)
		}
	}
	return known, nil
}

// encode sets the row's payload hash and, for an EncodedSender, the bytes
// to send, so that each patient is encoded once for both.
func (r *importRun) encode(p *mip.Patient, sr *seqResult) error {
	body, err := mip.Encode(p)
	if err != nil {
		return err
	}
	sr.hash = hashOf(body)
	if _, ok := r.snd.(EncodedSender); ok && !r.cfg.DryRun {
		sr.body = body // sent as hashed, not encoded again
	}
	return nil
}

// duplicate reports whether another row with the same card GUID came first
// and was taken to be sent. A row that is not a repeat is taken, as the
// first with its GUID, when take says it will be sent: a row refused for
// another reason leaves the GUID to the rows after it.
func (r *importRun) duplicate(it Item, res *Result, take bool) bool {
	p := it.Patient
	if p.GUID == "" {
		return false
	}
	first, ok := 0, false
	if g, canonical := guidBytes(p.GUID); canonical && it.Row <= math.MaxInt32 {
		var f int32
		if f, ok = r.seen[g]; ok {
			first = int(f)
		} else if take {
			r.seen[g] = int32(it.Row)
		}
	} else if first, ok = r.seenAny[p.GUID]; !ok && take {
		r.seenAny[p.GUID] = it.Row
	}
	if ok {
		res.Messages = append(res.Messages, fmt.Sprintf("Повтор: пациент с тем же ключом уже есть в строке %d (отправлена только она)", first))
	}
	return ok
}

// send performs one row's request and turns the answer into a Result. body
// is the patient as prepare encoded it, or nil.
func (r *importRun) send(ctx, sendCtx context.Context, it Item, body []byte, res Result) Result {
	if stopped(ctx, sendCtx) {
		res.Outcome = NotSent
		res.Messages = append(res.Messages, r.notSentReason(ctx))
		return res
	}
	res.MkabGUID = it.Patient.GUID
	// A row still waiting to be sent when the run stops (for a slot of
	// the adaptive limit, for --rate) is not sent; one in flight finishes.
	sendCtx = mip.WithStop(sendCtx, ctx)
	var reply mip.Reply
	var err error
	if es, ok := r.snd.(EncodedSender); ok && body != nil {
		reply, err = es.SendEncoded(sendCtx, body)
	} else {
		reply, err = r.snd.Send(sendCtx, it.Patient)
	}
	if err != nil {
		var me *mip.Error
		if !errors.As(err, &me) {
			me = &mip.Error{Kind: mip.FailNetwork, Detail: err.Error(), Err: err}
		}
		res.HTTPStatus, res.Attempts = me.HTTPStatus, me.Attempts
		r.noteFailure(me)
		if me.Kind == mip.FailCanceled || (me.Kind == mip.FailAuth) {
			res.Outcome = NotSent
			res.Messages = append(res.Messages, r.notSentReason(ctx))
			if me.Kind == mip.FailAuth {
				res.Messages = append(res.Messages, me.Reason())
			}
			return res
		}
		res.Outcome = Failed
		res.Messages = append(res.Messages, me.Reason())
		return res
	}
	r.answered.Store(true)
	a := reply.Answer
	res.HTTPStatus, res.Attempts = reply.HTTPStatus, reply.Attempts
	res.MkabStatus, res.AttachmentStatus = a.MkabStatus, a.AttachmentStatus
	res.PersonGUID, res.AttachmentGUID = a.PersonGUID, a.AttachmentGUID
	if a.MkabGUID != "" {
		res.MkabGUID = a.MkabGUID
	}
	res.Outcome = outcomeOf(a)
	for _, m := range a.ValidationMessage {
		res.Messages = append(res.Messages, "МИП: "+m)
	}
	if res.Outcome != Uploaded && res.Outcome != Partial {
		res.MkabGUID = a.MkabGUID // nothing was stored under the GUID we sent
	}
	return res
}

// noteFailure aborts the run on failures that no other row can escape:
// bad credentials, or МИП unreachable before it ever answered.
func (r *importRun) noteFailure(e *mip.Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abort != nil {
		return
	}
	switch {
	case e.Kind == mip.FailAuth:
		r.abort = fmt.Errorf("%w: %w", mip.ErrUnauthorized, e) // e keeps the HTTP status for the CLI
	case e.Kind == mip.FailConnect && !r.answered.Load():
		r.abort = fmt.Errorf("%w: %s", mip.ErrUnreachable, e.Detail)
	default:
		return
	}
	r.cancelSend(r.abort)
}

// outcomeOf maps МИП's statuses to an outcome.
func outcomeOf(a mip.Answer) Outcome {
	switch a.MkabStatus {
	case mip.MkabUploaded:
		if a.AttachmentStatus == mip.AttachmentNotValid || a.AttachmentStatus == mip.AttachmentError {
			return Partial
		}
		return Uploaded
	case mip.MkabNotValid:
		return Rejected
	case mip.MkabError:
		return Errored
	}
	return Failed
}

// write puts results in input order and hands them to the sinks. Results
// arrive out of order from the pool into a ring of the token window's
// size: the reader takes a token per row and the writer gives it back per
// row written, so no row is more than a window ahead of the next one to
// write, and row seq has slot seq % window to itself.
func (r *importRun) write() error {
	ring := make([]seqResult, window(r.cfg.Concurrency))
	filled := make([]bool, len(ring))
	next := 0
	var sinkErr error
	for sr := range r.results {
		i := sr.seq % len(ring)
		ring[i], filled[i] = sr, true
		for {
			i := next % len(ring)
			if !filled[i] {
				break
			}
			out := ring[i]
			ring[i], filled[i] = seqResult{}, false // let the row's data go
			next++
			if sinkErr == nil {
				sinkErr = r.emit(out)
			}
			r.account(out.Result)
			<-r.tokens
		}
	}
	return sinkErr
}

// save records a finished row in the state as soon as it is final, not in
// input order: a row stuck in retries must not hold back the answers that
// came after it, so a kill loses only the answers still in flight.
func (r *importRun) save(sr *seqResult) {
	if !sr.Outcome.sent() {
		sr.hash = ""
	}
	if r.cfg.State == nil || r.cfg.DryRun {
		return
	}
	if err := r.cfg.State.Save(sr.Result, sr.mcod, sr.hash); err != nil {
		err = r.fail(fmt.Errorf("recording in the state: %w", err))
		r.mu.Lock()
		if r.stateErr == nil {
			r.stateErr = err
		}
		r.mu.Unlock()
	}
}

// emit hands a row to the sinks, in input order.
func (r *importRun) emit(sr seqResult) error {
	for _, s := range r.sinks {
		if err := s.Write(sr.Result); err != nil {
			return r.fail(fmt.Errorf("writing results: %w", err))
		}
	}
	return nil
}

// fail stops sending after an error no row can escape, and returns it.
func (r *importRun) fail(err error) error {
	r.mu.Lock()
	if r.abort == nil {
		r.abort = err
	}
	r.mu.Unlock()
	r.cancelSend(err)
	return err
}

// account counts the row and logs it when it did not succeed. Logs carry
// row numbers, outcomes and reasons, never the row's personal data.
func (r *importRun) account(out Result) {
	r.sum.Rows++
	r.sum.Counts[out.Outcome]++
	r.sum.Requests += out.Attempts
	if r.cfg.OnResult != nil {
		r.cfg.OnResult(out)
	}
	if out.Outcome.OK() || (r.cfg.DryRun && out.Outcome == NotSent) {
		// Checked first: the fields would be built for every row even
		// with debug lines off.
		if ce := r.cfg.Log.Check(zap.DebugLevel, "row done"); ce != nil {
			ce.Write(zap.Int("row", out.Row), zap.String("outcome", string(out.Outcome)),
				zap.Int("httpStatus", out.HTTPStatus), zap.Int("attempts", out.Attempts))
		}
		return
	}
	r.cfg.Log.Warn("row not imported",
		zap.Int("row", out.Row),
		zap.String("outcome", string(out.Outcome)),
		zap.String("reason", logReason(out)),
		zap.Int("httpStatus", out.HTTPStatus),
		zap.Int("attempts", out.Attempts))
}

// logReason says why a row failed without quoting its values: local
// validation and МИП messages may echo names or numbers, so only their
// count is logged; the report holds the text.
func logReason(out Result) string {
	switch out.Outcome {
	case Invalid:
		return strconv.Itoa(len(out.Messages)) + " validation message(s), see the report"
	case Rejected:
		return "МИП answered NotValid, see the report"
	case Errored:
		return "МИП answered Error, see the report"
	case Partial:
		return "card uploaded, attachment " + out.AttachmentStatus
	case Duplicate:
		return "key repeated in the input"
	default:
		if out.HTTPStatus != 0 {
			return "HTTP " + strconv.Itoa(out.HTTPStatus)
		}
		return "no answer"
	}
}

type seqResult struct {
	seq  int
	mcod string // the clinic of the row's key, for the state
	hash string // payload hash of what was sent, "" when nothing was
	body []byte // the payload as hashed, sent as it is; nil once sent
	Result
}

// sent reports whether the outcome means a request reached МИП and was
// answered, so the payload hash is worth remembering.
func (o Outcome) sent() bool {
	switch o {
	case Uploaded, Partial, Rejected, Errored:
		return true
	}
	return false
}

func mustUUID(s string) uuid.UUID { return uuid.MustParse(s) }

// guidBytes returns the 16 bytes of a GUID in the canonical form
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (lowercase hex), and false for any
// other string: two strings are then equal exactly when their bytes are.
func guidBytes(s string) (g [16]byte, ok bool) {
	if len(s) != 36 {
		return g, false
	}
	n := 0 // hex digits so far
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return g, false
			}
			continue
		}
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		default:
			return g, false
		}
		g[n/2] |= v << (4 * (1 - n%2))
		n++
	}
	return g, true
}

// KeyGUID is the deterministic card GUID of a key within a clinic.
func KeyGUID(mcod, key string) string {
	return uuid.NewSHA1(KeyNamespace, []byte(mcod+"\x1f"+key)).String()
}
