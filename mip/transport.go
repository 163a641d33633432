package mip

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// h1Transport is the HTTP/1.1 transport the client uses when it talks to
// МИП directly (no proxy). It exists for speed: an import is tens of
// thousands of small POSTs in parallel, and net/http's transport hands every
// request between three goroutines (the caller, the connection's writer and
// its reader), which cost more CPU per request than everything else the
// import does to a row (BENCHMARKS.md, round 5). Here the caller's goroutine
// writes the request and reads the answer itself; parsing the answer is
// still net/http's (http.ReadResponse: status line, headers, Content-Length
// and chunked bodies).
//
// It keeps what an import relies on from net/http's transport:
//   - kept-alive connections, up to maxIdle idle ones per host, closed after
//     idleTimeout unused;
//   - a connection the server has closed while it sat idle is noticed before
//     it is used (connAlive), so a POST is never written into a dead
//     connection and then reported as failed; net/http notices the same with
//     a goroutine reading every idle connection;
//   - a request whose context is canceled or times out is aborted at once,
//     also while dialing, writing or reading (context.AfterFunc sets a
//     deadline in the past on the connection, which is then thrown away);
//   - dial errors, certificate errors and timeouts come back as the same
//     error types, so transportFailure classifies them the same way.
//
// It speaks HTTP/1.1 only (ALPN "http/1.1" over TLS): parallel requests use
// parallel connections, as they do with net/http against an HTTP/1.1
// server. Requests must have a known length (ContentLength, or no body);
// the client's always do.
type h1Transport struct {
	dialer      *net.Dialer
	tlsConfig   *tls.Config // NextProtos is http/1.1; ServerName is filled in per host
	tlsTimeout  time.Duration
	maxIdle     int // per host
	idleTimeout time.Duration

	mu   sync.Mutex
	idle map[poolKey][]*h1Conn // most recently used last
}

func newH1Transport(dialer *net.Dialer, tlsConfig *tls.Config, tlsTimeout time.Duration, maxIdle int, idleTimeout time.Duration) *h1Transport {
	cfg := tlsConfig.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return &h1Transport{
		dialer:      dialer,
		tlsConfig:   cfg,
		tlsTimeout:  tlsTimeout,
		maxIdle:     maxIdle,
		idleTimeout: idleTimeout,
		idle:        make(map[poolKey][]*h1Conn),
	}
}

// poolKey identifies the server a connection goes to: the request URL's
// scheme and host as written, so that finding a pooled connection costs
// no string building per request.
type poolKey struct{ scheme, host string }

// h1Conn is one connection; it belongs either to the idle pool or to the one
// request using it, never to both.
type h1Conn struct {
	t         *h1Transport
	key       poolKey
	conn      net.Conn        // the TLS connection over raw, or raw itself
	raw       net.Conn        // the TCP connection
	rawFD     syscall.RawConn // raw's socket, for connAlive; nil if it has none
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	// headLeft, while an answer's head is read, is how much more may be
	// read for it; -1 while a body is read (bounded by the client).
	headLeft int
}

// maxAnswerHead bounds an answer's status line and headers, as net/http's
// Transport.MaxResponseHeaderBytes does: a broken server or proxy sending
// headers without end must fail the request, not fill the memory.
const maxAnswerHead = 1 << 20

var errAnswerHeadTooLarge = fmt.Errorf("mip: answer headers larger than %d bytes", maxAnswerHead)

// Read is what br reads from: the connection, bounded while a head is read.
func (c *h1Conn) Read(p []byte) (int, error) {
	if c.headLeft >= 0 {
		if c.headLeft == 0 {
			return 0, errAnswerHeadTooLarge
		}
		p = p[:min(len(p), c.headLeft)]
	}
	n, err := c.conn.Read(p)
	if c.headLeft >= 0 {
		c.headLeft -= n
	}
	return n, err
}

// errUnknownLength refuses a request body of unknown length: the client's
// bodies are byte slices, so one would be a programming error.
var errUnknownLength = errors.New("mip: request body of unknown length")

// RoundTrip implements http.RoundTripper.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	if err != nil && req.Body != nil {
		req.Body.Close() // the RoundTripper contract: the body is closed, even on errors
	}
	return resp, err
}

func (t *h1Transport) roundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mip: unsupported request URL %q", req.URL.Redacted())
	}
	if req.ContentLength == 0 && req.Body != nil && req.Body != http.NoBody {
		return nil, errUnknownLength
	}
	if len(req.TransferEncoding) > 0 || len(req.Trailer) > 0 {
		return nil, errors.New("mip: transfer encodings and trailers are not supported")
	}
	ctx := req.Context()
	key := poolKey{u.Scheme, u.Host}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := t.getConn(ctx, u, key)
	if err != nil {
		return nil, err
	}
	return c.roundTrip(ctx, req)
}

// getConn returns a live idle connection for key, else dials a new one.
func (t *h1Transport) getConn(ctx context.Context, u *url.URL, key poolKey) (*h1Conn, error) {
	for {
		t.mu.Lock()
		pool := t.idle[key]
		var c *h1Conn
		if n := len(pool); n > 0 {
			c = pool[n-1]
			pool[n-1] = nil
			t.idle[key] = pool[:n-1]
		}
		t.mu.Unlock()
		if c == nil {
			break
		}
		if time.Since(c.idleSince) > t.idleTimeout || c.br.Buffered() > 0 || !connAlive(c.rawFD) {
			c.close()
			continue
		}
		return c, nil
	}
	return t.dial(ctx, u, key)
}

func (t *h1Transport) dial(ctx context.Context, u *url.URL, key poolKey) (*h1Conn, error) {
	raw, err := t.dialer.DialContext(ctx, "tcp", connectAddr(u))
	if err != nil {
		return nil, err
	}
	c := &h1Conn{t: t, key: key, conn: raw, raw: raw, headLeft: -1}
	if sc, ok := raw.(syscall.Conn); ok {
		c.rawFD, _ = sc.SyscallConn() // once: SyscallConn allocates
	}
	if u.Scheme == "https" {
		cfg := t.tlsConfig
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(raw, cfg)
		hctx, cancel := context.WithTimeout(ctx, t.tlsTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			raw.Close()
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return nil, errTLSHandshakeTimeout
			}
			return nil, err
		}
		c.conn = tc
	}
	c.br = bufio.NewReaderSize(c, 4<<10)
	c.bw = bufio.NewWriterSize(c.conn, 4<<10)
	return c, nil
}

// errTLSHandshakeTimeout is a handshake that outlasted tlsTimeout; like
// net/http's, it is a net.Error with Timeout() true.
var errTLSHandshakeTimeout error = &timeoutError{"TLS handshake timeout"}

type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return "mip: " + e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// max1xx bounds the informational answers read before the real one.
const max1xx = 5

// aLongTimeAgo is a deadline that makes every pending and future I/O on a
// connection fail at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip writes req and reads the answer's head. On success the answer's
// body owns the connection and gives it back to the pool (or closes it) once
// it is read to the end or closed; on failure the connection is closed.
func (c *h1Conn) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	if err := c.writeRequest(req); err != nil {
		return fail(err)
	}
	var resp *http.Response
	c.headLeft = maxAnswerHead - c.br.Buffered()
	for n1xx := 0; ; n1xx++ {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			return fail(err)
		}
		// 1xx answers (100 Continue, 103 Early Hints) come before the real
		// one and have no body; a few at most, as net/http allows.
		if resp.StatusCode < 100 || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		if n1xx == max1xx {
			return fail(errors.New("mip: too many 1xx informational answers"))
		}
	}
	c.headLeft = -1
	keep := !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols
	resp.Body = &h1Body{c: c, ctx: ctx, body: resp.Body, stop: stop, keep: keep}
	return resp, nil
}

// writeRequest writes req's head and body and flushes them.
func (c *h1Conn) writeRequest(req *http.Request) error {
	w := c.bw
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !validHeaderText(method) || !validHeaderText(host) {
		return errors.New("mip: invalid method or host")
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	for k, vs := range req.Header {
		if !validHeaderText(k) || k == "" || strings.ContainsAny(k, ": ") {
			return fmt.Errorf("mip: invalid header name %q", k)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding":
			continue // written from the request's fields
		}
		for _, v := range vs {
			if !validHeaderText(v) {
				return fmt.Errorf("mip: invalid value of header %s", k)
			}
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	if req.Close {
		w.WriteString("Connection: close\r\n")
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		w.WriteString("Content-Length: ")
		var num [20]byte
		w.Write(strconv.AppendInt(num[:0], req.ContentLength, 10))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	if hasBody {
		if _, err := io.CopyN(w, req.Body, req.ContentLength); err != nil {
			if werr := w.Flush(); werr != nil {
				return werr // the connection failed, not the body
			}
			return fmt.Errorf("mip: reading the request body: %w", err)
		}
		req.Body.Close()
	}
	return w.Flush()
}

// validHeaderText reports whether s can go into a request head as it is:
// no line breaks or other control characters that would split it.
func validHeaderText(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// h1Body is an answer's body: it gives its connection back to the pool when
// it has been read to the end, and closes it when it is closed before that.
// Like the client that reads it, it expects Read and Close from one
// goroutine.
type h1Body struct {
	c    *h1Conn
	ctx  context.Context
	body io.ReadCloser
	stop func() bool
	keep bool // the connection may carry another request
	done bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

// finish releases the connection: back to the pool when the answer was
// read to its end, the connection may be kept and the context did not fire
// (which would have set a deadline on it); closed otherwise.
func (b *h1Body) finish(atEOF bool) {
	b.done = true
	stopped := b.stop()
	if atEOF && b.keep && stopped {
		b.c.t.putIdle(b.c)
		return
	}
	b.c.close()
}

func (t *h1Transport) putIdle(c *h1Conn) {
	c.idleSince = time.Now()
	t.mu.Lock()
	pool := t.idle[c.key]
	if len(pool) < t.maxIdle {
		t.idle[c.key] = append(pool, c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.close()
	}
}

func (c *h1Conn) close() { c.conn.Close() }

// CloseIdleConnections closes the kept-alive connections not in use;
// http.Client.CloseIdleConnections calls it.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = make(map[poolKey][]*h1Conn)
	t.mu.Unlock()
	for _, pool := range idle {
		for _, c := range pool {
			c.close()
		}
	}
}

// connectAddr is the host:port to dial for u, with the scheme's default port.
func connectAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
