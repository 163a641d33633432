package mip

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"mipimport/mip/pace"
)

// Defaults for the zero values of Config.
const (
	defaultTimeout     = 30 * time.Second
	defaultConcurrency = 8
	defaultMinBackoff  = 100 * time.Millisecond
	defaultMaxBackoff  = 30 * time.Second
	defaultUserAgent   = "mipimport"
)

const (
	// maxBody bounds what is read of any answer: a МИП answer is a few
	// hundred bytes, so anything near this is not an answer, and a broken
	// proxy must not make us buffer gigabytes.
	maxBody = 1 << 20
	// maxAnswerHead bounds an answer's status line and headers.
	maxAnswerHead = 1 << 20
	// maxExcerpt is how much of a body goes into Error.Detail: enough to
	// recognise an error page, short enough for one log line.
	maxExcerpt = 200
	// dialTimeout and tlsTimeout bound connection set-up separately from the
	// per-attempt timeout so that an unreachable host is reported as such
	// (FailConnect) rather than as a slow answer.
	dialTimeout = 10 * time.Second
	tlsTimeout  = 10 * time.Second
)

// Config configures a Client.
type Config struct {
	BaseURL     string            // e.g. "http://127.0.0.1:8080/api"; POST goes to BaseURL + "/patients"
	User        string            // login for Basic authentication
	Password    string            // only ever put in the Authorization header
	Timeout     time.Duration     // per attempt; default 30s
	Retries     int               // extra attempts after the first on retryable failures; 0 means none
	Concurrency int               // expected parallel requests, sizes the idle connection pool; default 8
	MinBackoff  time.Duration     // ceiling of the first retry delay; default 100ms
	MaxBackoff  time.Duration     // longest retry delay, also caps Retry-After; default 30s
	Transport   http.RoundTripper // optional, for tests; otherwise a tuned *http.Transport is built once
	UserAgent   string            // optional; default "mipimport"
	// RootCAs, when set, replaces the system's trusted roots: a regional
	// МИП behind a private certificate authority (--ca-file).
	RootCAs *x509.CertPool
	// Limiter, when set, is waited on before every attempt, retries
	// included, so that a rate limit holds even while МИП is failing.
	Limiter Limiter
	// Pace, when set, bounds the requests in flight and finds the bound by
	// itself from МИП's answers (--concurrency auto): every attempt holds
	// one of its slots, and tells it how the attempt ended.
	Pace *pace.Limiter
}

// Limiter paces requests; *rate.Limiter from golang.org/x/time/rate fits.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Client sends patients to МИП. It is safe for concurrent use; build one per
// run and share it, so that connections are kept alive and reused.
type Client struct {
	endpoint   string
	password   string // only to redact it from details
	token      string // base64(user:password): in the header, and redacted from details
	timeout    time.Duration
	retries    int
	minBackoff time.Duration
	maxBackoff time.Duration
	url        *url.URL    // of endpoint, shared read-only by every request
	header     http.Header // the request headers, the same for every request
	rt         http.RoundTripper
	requests   atomic.Int64
	limiter    Limiter
	pace       *pace.Limiter
	// failStreak counts the retryable failures since the last success, of
	// any request: it tells an МИП that is down or overloaded (every
	// request fails, the streak grows) from one that fails a share of
	// requests at random (the streak stays short).
	failStreak atomic.Int64
}

// Reply is a successful answer and how it was obtained.
type Reply struct {
	Answer     Answer
	HTTPStatus int // status of the answer, normally 200
	Attempts   int // requests made, including the successful one
}

// NewClient checks cfg, fills in the defaults and builds the HTTP client
// once, so that every Send reuses the same pool of kept-alive connections.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil {
		return nil, fmt.Errorf("mip: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("mip: base URL %q: want http:// or https://", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("mip: base URL %q: no host", u.Redacted())
	}
	if u.User != nil {
		// A password in the URL would end up in every transport error and
		// log line; credentials go in User and Password only.
		return nil, fmt.Errorf("mip: base URL %q: put the login and password in the configuration, not in the URL", u.Redacted())
	}
	if cfg.Retries < 0 {
		return nil, fmt.Errorf("mip: retries %d: must not be negative", cfg.Retries)
	}
	if cfg.Timeout < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Concurrency < 0 {
		return nil, errors.New("mip: timeout, backoff and concurrency must not be negative")
	}
	u.Fragment, u.RawFragment = "", ""
	// A host in Cyrillic (a regional МИП under .рф) is looked up, sent in
	// the Host header and checked against the certificate in its ASCII
	// (punycode) form, as net/http's transport would convert it.
	if host := u.Hostname(); !isASCII(host) {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return nil, fmt.Errorf("mip: base URL host %q: %w", host, err)
		}
		if port := u.Port(); port != "" {
			ascii = net.JoinHostPort(ascii, port)
		}
		u.Host = ascii
	}
	endpoint := u.JoinPath("patients").String()
	// Parsed back as http.NewRequest would: JoinPath leaves the path of a
	// bare "http://host" without its leading slash, which String adds.
	if u, err = url.Parse(endpoint); err != nil {
		return nil, fmt.Errorf("mip: base URL: %w", err)
	}
	c := &Client{
		endpoint:   endpoint,
		url:        u,
		password:   cfg.Password,
		token:      base64.StdEncoding.EncodeToString([]byte(cfg.User + ":" + cfg.Password)),
		timeout:    orDefault(cfg.Timeout, defaultTimeout),
		retries:    cfg.Retries,
		minBackoff: orDefault(cfg.MinBackoff, defaultMinBackoff),
		maxBackoff: orDefault(cfg.MaxBackoff, defaultMaxBackoff),
		limiter:    cfg.Limiter,
		pace:       cfg.Pace,
	}
	if c.maxBackoff < c.minBackoff {
		c.maxBackoff = c.minBackoff
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = defaultUserAgent
	}
	c.header = http.Header{
		"Authorization": {"Basic " + c.token},
		"Content-Type":  {"application/json; charset=utf-8"},
		"Accept":        {"application/json"},
		"User-Agent":    {userAgent},
	}
	rt := cfg.Transport
	if rt == nil {
		rt = newTransport(orDefault(cfg.Concurrency, defaultConcurrency), c.timeout, cfg.RootCAs)
	}
	// Requests go to the transport directly, not through an http.Client:
	// a redirect is never followed (a redirected POST turns into a GET and
	// loses the patient; a redirect almost always means a wrong base URL,
	// http instead of https or a login page), so it is reported, and the
	// client would only add a copy of the headers per request.
	c.rt = rt
	return c, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// newTransport builds the one transport of a client. It keeps as many idle
// connections to МИП as requests run in parallel (net/http's default of two
// per host would make every further worker open and close a TCP and TLS
// connection per request) and sets no cap on open connections, so the
// workers never queue for one. Connection set-up and the wait for the
// answer's head have their own timeouts, within the per-attempt one, so that
// an unreachable МИП is reported as such rather than as a slow answer.
// Proxies come from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), and
// HTTP/2 is used when МИП offers it in the TLS handshake.
func newTransport(concurrency int, timeout time.Duration, roots *x509.CertPool) *http.Transport {
	dialer := &net.Dialer{Timeout: min(dialTimeout, timeout), KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, concurrency),
		MaxIdleConnsPerHost:   concurrency,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(tlsTimeout, timeout),
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		// A broken server or proxy sending headers without end fails the
		// request instead of filling the memory.
		MaxResponseHeaderBytes: maxAnswerHead,
		// A МИП answer is a few hundred bytes: compression would cost more
		// than it saves.
		DisableCompression: true,
	}
}

// Requests returns the total number of HTTP requests this client has made,
// retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Send POSTs one patient and returns МИП's answer. Retryable failures (5xx,
// 408, 429, timeouts, refused or dropped connections) are retried up to
// Config.Retries times with backoff. On failure the error is a *Error.
//
// Retrying after a timeout or a dropped connection may repeat a request МИП
// has already processed; for a patient without a GUID that can create a
// second card, so callers that care give every patient a GUID.
func (c *Client) Send(ctx context.Context, p *Patient) (Reply, error) {
	if p == nil {
		return Reply{}, &Error{Kind: FailRejected, Detail: "no patient to send"}
	}
	// Encoded once: every attempt sends the very same bytes.
	body, err := Encode(p)
	if err != nil {
		return Reply{}, &Error{Kind: FailRejected, Detail: c.clean("cannot encode the patient: " + err.Error()), Err: err}
	}
	return c.SendEncoded(ctx, body)
}

// SendEncoded is Send for a patient already encoded by Encode, for a caller
// that needs the bytes anyway (the importer hashes them to recognise an
// unchanged row) and should not encode every patient twice. body is sent
// as it is and must not be changed until SendEncoded returns.
func (c *Client) SendEncoded(ctx context.Context, body []byte) (Reply, error) {
	if len(body) == 0 {
		return Reply{}, &Error{Kind: FailRejected, Detail: "no patient to send"}
	}
	var attempts, status int
	for {
		if err := ctx.Err(); err != nil {
			return Reply{}, c.canceled(err, status, attempts, "stopped before the request was sent")
		}
		tok, stopped, err := c.admit(ctx, attempts == 0)
		if err != nil {
			return Reply{}, c.canceled(err, status, attempts, stopped)
		}
		attempts++
		began := time.Now()
		r := c.attempt(ctx, body)
		tok.Done(outcomeOf(r, time.Since(began)))
		if r.status != 0 {
			status = r.status
		}
		if r.kind == 0 {
			if c.failStreak.Load() != 0 {
				c.failStreak.Store(0)
			}
			return Reply{Answer: r.answer, HTTPStatus: r.status, Attempts: attempts}, nil
		}
		if r.kind == FailCanceled {
			return Reply{}, c.canceled(r.err, status, attempts, r.detail)
		}
		if !r.retry || attempts > c.retries {
			return Reply{}, &Error{Kind: r.kind, HTTPStatus: status, Attempts: attempts, Detail: c.clean(r.detail), Err: r.err}
		}
		wait := c.backoff(c.retryStep(attempts))
		if r.hasRetryAfter {
			wait = min(r.retryAfter, c.maxBackoff)
		}
		if err := sleep(ctx, wait); err != nil {
			return Reply{}, c.canceled(err, status, attempts, "stopped while waiting to retry after: "+r.detail)
		}
	}
}

// admit waits until an attempt may be sent (see wait). For a patient's
// first attempt under WithStop, the stop ends the waits too, and an
// attempt that may go once the stop has come does not.
func (c *Client) admit(ctx context.Context, first bool) (*pace.Token, string, error) {
	stop, _ := ctx.Value(stopKey{}).(context.Context)
	if !first || stop == nil {
		return c.wait(ctx)
	}
	const notSent = "stopped before the request was sent"
	if stop.Err() != nil {
		return nil, notSent, context.Cause(stop)
	}
	if c.pace != nil || c.limiter != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(stop, cancel)()
	}
	tok, what, err := c.wait(ctx)
	if stop.Err() != nil {
		tok.Done(pace.Outcome{Kind: pace.Other}) // nil after an error: nothing to give back
		return nil, notSent, context.Cause(stop)
	}
	return tok, what, err
}

// wait waits until an attempt may be sent: for a slot of the adaptive
// limit (Pace), then for the rate limit. In that order, so that the
// request goes the moment the rate allows it: waiting for the rate first
// and then for a slot would let the requests that queued for slots go
// together as slots free up (after a Retry-After pause, all at once), above
// the rate. A Retry-After pause that began while this request waited for
// the rate holds it too; once the pause is over it waits for the rate
// again. The token is nil without Pace (Done on nil does nothing). When
// ctx ends first, no slot is held and the string says what was waited for.
func (c *Client) wait(ctx context.Context) (*pace.Token, string, error) {
	var tok *pace.Token
	if c.pace != nil {
		var err error
		if tok, err = c.pace.Acquire(ctx); err != nil {
			return nil, "stopped while waiting for a free slot", err
		}
	}
	if c.limiter == nil {
		return tok, "", nil
	}
	for {
		if err := c.limiter.Wait(ctx); err != nil {
			tok.Done(pace.Outcome{Kind: pace.Other})
			return nil, "stopped while waiting for the rate limit", err
		}
		if c.pace == nil {
			return tok, "", nil
		}
		d := time.Until(c.pace.Stats().PausedUntil)
		if d <= 0 {
			return tok, "", nil
		}
		if err := sleep(ctx, d); err != nil {
			tok.Done(pace.Outcome{Kind: pace.Other})
			return nil, "stopped while МИП asked to wait (Retry-After)", err
		}
	}
}

type stopKey struct{}

// WithStop returns a context for Send and SendEncoded under which a
// patient is not sent at all once stop is done: if its first attempt has
// not gone out by then, it ends FailCanceled without one, whatever it was
// waiting for (a slot of Config.Pace, the rate limit). A request already
// sent goes on under ctx, its retries included, so that a stopped run lets
// the requests in flight finish without starting new ones.
func WithStop(ctx, stop context.Context) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// outcomeOf tells the adaptive limit what an attempt says about МИП's
// load: an answer is a latency sample, whatever it said about the patient;
// 429, 503 and a gateway's 502 or 504 are refusals for load (with their
// Retry-After); no answer within the attempt's time limit is a timeout; a
// connection refused, reset or closed without an answer is a dropped one.
// Everything else (401, another 4xx, 500, a stopped run) tells nothing
// about load.
func outcomeOf(r result, latency time.Duration) pace.Outcome {
	twoXX := r.status >= 200 && r.status < 300
	switch {
	case r.kind == FailCanceled:
		return pace.Outcome{Kind: pace.Other}
	case twoXX && (r.kind == 0 || r.kind == FailBadAnswer):
		return pace.Outcome{Kind: pace.OK, Latency: latency}
	case r.status == 0 || twoXX: // no answer, or an answer cut short
		switch {
		case r.kind == FailTimeout:
			return pace.Outcome{Kind: pace.Timeout}
		case r.kind == FailNetwork, r.kind == FailConnect && r.retry:
			return pace.Outcome{Kind: pace.Dropped}
		}
	case r.status == http.StatusTooManyRequests, r.status == http.StatusServiceUnavailable,
		r.status == http.StatusBadGateway, r.status == http.StatusGatewayTimeout:
		o := pace.Outcome{Kind: pace.Overload}
		if r.hasRetryAfter {
			o.RetryAfter = r.retryAfter
		}
		return o
	}
	return pace.Outcome{Kind: pace.Other}
}

func (c *Client) canceled(err error, status, attempts int, detail string) *Error {
	return &Error{Kind: FailCanceled, HTTPStatus: status, Attempts: attempts, Detail: c.clean(detail), Err: err}
}

// result is the outcome of one attempt. kind 0 means success.
type result struct {
	answer        Answer
	status        int
	kind          Failure
	retry         bool
	retryAfter    time.Duration
	hasRetryAfter bool
	detail        string
	err           error
}

// attempt makes one request under its own deadline and reads the answer.
func (c *Client) attempt(parent context.Context, body []byte) result {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	// The deadline also covers reading the body, so cancel only after it.
	defer cancel()
	// The transport only reads the request's fields, so every request
	// shares one URL and one header map: no per-request URL parsing, map,
	// canonicalisation or base64.
	req := (&http.Request{
		Method:        http.MethodPost,
		URL:           c.url,
		Host:          c.url.Host,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        c.header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		GetBody:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
		ContentLength: int64(len(body)),
	}).WithContext(ctx)

	c.requests.Add(1)
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		// As http.Client reports it: `Post "https://…/patients": …`.
		return transportFailure(parent, ctx, &url.Error{Op: "Post", URL: c.endpoint, Err: err}, "")
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		if err != nil {
			r := transportFailure(parent, ctx, err, "while reading the answer")
			r.status = resp.StatusCode
			return r
		}
		r := c.decodeAnswer(b)
		r.status = resp.StatusCode
		return r
	}

	// Read what an error answer says for the detail, then drain the rest
	// (up to the limit) so that the connection can be reused.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4*maxExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody-int64(len(head))))
	r := classifyStatus(resp)
	r.status = resp.StatusCode
	if s := c.excerpt(head); s != "" {
		r.detail += ": " + s
	}
	return r
}

// classifyStatus maps a non-2xx status to a failure kind and whether another
// attempt may help.
func classifyStatus(resp *http.Response) result {
	code := resp.StatusCode
	status := strconv.Itoa(code)
	if t := http.StatusText(code); t != "" {
		status += " " + t
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return result{kind: FailAuth, detail: "credentials rejected (" + status + ")"}
	case code == http.StatusRequestTimeout:
		return result{kind: FailTimeout, retry: true, detail: "server timed out waiting for the request (" + status + ")"}
	case code == http.StatusTooManyRequests:
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return result{kind: FailThrottled, retry: true, retryAfter: d, hasRetryAfter: ok, detail: "too many requests (" + status + ")"}
	case code >= 500:
		// 503 often carries Retry-After too; honour it the same way.
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return result{kind: FailServer, retry: true, retryAfter: d, hasRetryAfter: ok, detail: "server error (" + status + ")"}
	case code >= 300 && code < 400:
		detail := "unexpected redirect (" + status + ")"
		if loc := resp.Header.Get("Location"); loc != "" {
			detail += " to " + loc + "; check the base URL"
		}
		return result{kind: FailRejected, detail: detail}
	default:
		return result{kind: FailRejected, detail: "request rejected (" + status + ")"}
	}
}

// decodeAnswer turns a 2xx body into an Answer. A body that is not a МИП
// answer is not retried: МИП may well have stored the card already.
func (c *Client) decodeAnswer(b []byte) result {
	if len(b) > maxBody {
		return result{kind: FailBadAnswer, detail: fmt.Sprintf("answer is larger than %d bytes", maxBody)}
	}
	var a Answer
	if err := json.Unmarshal(b, &a); err != nil {
		r := result{kind: FailBadAnswer, detail: "answer is not a JSON answer object", err: err}
		if s := c.excerpt(b); s != "" {
			r.detail += ": " + s
		}
		return r
	}
	mkab, ok := canonical(a.MkabStatus, MkabUploaded, MkabNotValid, MkabError)
	if !ok {
		r := result{kind: FailBadAnswer, detail: fmt.Sprintf("answer has unknown mkabStatus %.40q", a.MkabStatus)}
		if a.MkabStatus == "" {
			r.detail = "answer has no mkabStatus"
		}
		if s := c.excerpt(b); s != "" {
			r.detail += ": " + s
		}
		return r
	}
	a.MkabStatus = mkab
	// attachmentStatus is informative; an unknown value is kept as sent.
	if s, ok := canonical(a.AttachmentStatus, AttachmentNone, AttachmentUploaded, AttachmentNotValid, AttachmentError); ok {
		a.AttachmentStatus = s
	}
	return result{answer: a}
}

// canonical returns the known status s matches ignoring case: МИП already
// mixes the case of its keys, so its values are read just as leniently.
func canonical(s string, known ...string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, k := range known {
		if strings.EqualFold(s, k) {
			return k, true
		}
	}
	return "", false
}

// transportFailure classifies an error from sending a request or reading its
// answer. The order matters: a stopped run is never retried, whatever the
// error looks like.
func transportFailure(parent, attempt context.Context, err error, during string) result {
	describe := func(what string) string {
		if during != "" {
			what += " " + during
		}
		return what + ": " + err.Error()
	}
	if perr := parent.Err(); perr != nil {
		return result{kind: FailCanceled, detail: describe("stopped"), err: perr}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		// A certificate that does not verify will not verify on retry.
		return result{kind: FailConnect, detail: describe("TLS certificate not trusted"), err: err}
	}
	if during == "" && isDialError(err) {
		return result{kind: FailConnect, retry: true, detail: describe("cannot connect"), err: err}
	}
	var nerr net.Error
	if attempt.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()) {
		return result{kind: FailTimeout, retry: true, detail: describe("no answer in time"), err: err}
	}
	return result{kind: FailNetwork, retry: true, detail: describe("connection broken"), err: err}
}

// isDialError reports whether err happened before a connection was open,
// i.e. the request never reached МИП.
func isDialError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamped so that the multiplication cannot overflow; the caller
		// caps the delay at MaxBackoff anyway.
		return time.Duration(min(secs, 1<<30)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff is the delay before the attempt after the n-th one: "full jitter"
// (uniform in [0, ceiling) with a ceiling that doubles from MinBackoff up to
// MaxBackoff), so that workers that failed together do not retry together.
//
// SendEncoded passes the smaller of the row's attempts and the client's
// streak of failures: while other requests succeed, a row that failed a few
// times in a row was unlucky, not a sign of an overloaded МИП, and waiting
// longer and longer would only make it the one the whole run waits for.
// When every request fails, the streak keeps up with the attempts and each
// row backs off exponentially. A Retry-After from МИП is always honoured.
func (c *Client) backoff(n int) time.Duration {
	ceiling := c.minBackoff
	for i := 1; i < n && ceiling < c.maxBackoff; i++ {
		if ceiling > c.maxBackoff/2 {
			ceiling = c.maxBackoff // and no overflow
			break
		}
		ceiling *= 2
	}
	return rand.N(min(ceiling, c.maxBackoff))
}

// retryStep counts a retryable failure of a row's attempts-th attempt in
// the client's streak and returns the step of backoff to wait: the smaller
// of the two (see backoff).
func (c *Client) retryStep(attempts int) int {
	return int(min(c.failStreak.Add(1), int64(attempts)))
}

// sleep waits for d or until ctx is done, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// clean makes a detail safe for one log line: no line breaks or control
// characters, and never the password, even if a server echoes it back.
func (c *Client) clean(s string) string {
	return oneLine(c.redact(s))
}

func (c *Client) redact(s string) string {
	if c.password != "" {
		s = strings.ReplaceAll(s, c.password, "***")
	}
	return strings.ReplaceAll(s, c.token, "***")
}

// excerpt returns at most maxExcerpt bytes of a body as one line, cut on a
// character boundary. The password is redacted before the cut so that no
// part of it can survive.
func (c *Client) excerpt(b []byte) string {
	b = []byte(c.redact(string(bytes.TrimSpace(b))))
	if len(b) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		b = append(b[:cut:cut], "…"...)
	}
	return oneLine(string(b))
}

// oneLine replaces control characters and runs of white space with a
// single space, and invalid UTF-8 with U+FFFD.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	return sb.String()
}
