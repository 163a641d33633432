package mip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

const (
	testUser     = "clinic-777"
	testPassword = "s3cret-Пароль-42"
)

// answerPascal is the seed page's example answer, PascalCase keys and all.
const answerPascal = `{
  "MkabStatus": "Uploaded",
  "AttachmentStatus": "None",
  "PersonGuid": "2957007c-c4d2-4819-a79d-384ceee6bdd0",
  "MkabGuid": "c180af82-b7bb-477c-a6de-e1625b49a21f",
  "AttachmentGuid": "97a33040-9ecb-4ffe-854e-1eefcd5f94eb",
  "ValidationMessage": []
}`

// hit is one request as the test server saw it.
type hit struct {
	at     time.Time
	header http.Header
	body   []byte
	path   string
	method string
	length int64
}

// stub is a loopback МИП whose n-th answer (1-based) is decided by a test.
type stub struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []hit
	newConns atomic.Int64
}

func newStub(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *stub {
	t.Helper()
	s := &stub{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, hit{at: at, header: r.Header.Clone(), body: body, path: r.URL.Path, method: r.Method, length: r.ContentLength})
		n := len(s.hits)
		s.mu.Unlock()
		answer(n, w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *stub) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hits)
}

func (s *stub) hit(i int) hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[i]
}

// testClient returns a client for baseURL with fast test settings; change
// adjusts them.
func testClient(t *testing.T, baseURL string, change func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:    baseURL + "/api",
		User:       testUser,
		Password:   testPassword,
		Timeout:    5 * time.Second,
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
	}
	if change != nil {
		change(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func testPatient() *Patient {
	no := false
	return &Patient{
		GUID:       "26f407bc-01c7-4e64-ae16-80ae909b1574",
		Family:     "Иванова",
		Name:       "Мария",
		Patronymic: "Петровна",
		Birthday:   Date{1990, 1, 1},
		Polis:      &Polis{Type: &CodeName{Code: "3"}, Number: "5070000000000004"},
		Mcod:       "777777",
		Phone:      "89999999999",
		Gender:     2,
		BlackLabel: &no,
	}
}

func reply(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sequence answers the n-th request with the n-th handler and repeats the
// last one after that.
func sequence(hs ...func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		hs[min(n, len(hs))-1](n, w, r)
	}
}

// drop closes the connection without answering, as an overloaded proxy does.
func drop(_ int, w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// hang answers only after the client has gone (or after a long while).
func hang(_ int, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// mipError asserts that err is a *Error and returns it.
func mipError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *mip.Error", err, err)
	}
	return e
}

func TestSendDecodesAnswer(t *testing.T) {
	full := Answer{
		MkabStatus:        MkabUploaded,
		AttachmentStatus:  AttachmentNone,
		PersonGUID:        "2957007c-c4d2-4819-a79d-384ceee6bdd0",
		MkabGUID:          "c180af82-b7bb-477c-a6de-e1625b49a21f",
		AttachmentGUID:    "97a33040-9ecb-4ffe-854e-1eefcd5f94eb",
		ValidationMessage: []string{"ок", "предупреждение"},
	}
	tests := []struct {
		name string
		body string
		want Answer
	}{
		{"PascalCase", `{"MkabStatus":"Uploaded","AttachmentStatus":"None",
			"PersonGuid":"2957007c-c4d2-4819-a79d-384ceee6bdd0","MkabGuid":"c180af82-b7bb-477c-a6de-e1625b49a21f",
			"AttachmentGuid":"97a33040-9ecb-4ffe-854e-1eefcd5f94eb","ValidationMessage":["ок","предупреждение"]}`, full},
		{"camelCase", `{"mkabStatus":"Uploaded","attachmentStatus":"None",
			"personGuid":"2957007c-c4d2-4819-a79d-384ceee6bdd0","mkabGuid":"c180af82-b7bb-477c-a6de-e1625b49a21f",
			"attachmentGuid":"97a33040-9ecb-4ffe-854e-1eefcd5f94eb","validationMessage":["ок","предупреждение"]}`, full},
		{"status values in another case", `{"mkabStatus":"notvalid","attachmentStatus":"NONE","validationMessage":["Не указана фамилия"]}`,
			Answer{MkabStatus: MkabNotValid, AttachmentStatus: AttachmentNone, ValidationMessage: []string{"Не указана фамилия"}}},
		{"unknown keys ignored", `{"mkabStatus":"Error","extra":{"x":1},"validationMessage":["GUID занят"]}`,
			Answer{MkabStatus: MkabError, ValidationMessage: []string{"GUID занят"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStub(t, reply(http.StatusOK, tt.body))
			c := testClient(t, srv.URL, nil)
			got, err := c.Send(context.Background(), testPatient())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if fmt.Sprint(got.Answer) != fmt.Sprint(tt.want) {
				t.Errorf("answer\n got %+v\nwant %+v", got.Answer, tt.want)
			}
			if got.HTTPStatus != http.StatusOK || got.Attempts != 1 {
				t.Errorf("HTTPStatus %d, Attempts %d; want 200, 1", got.HTTPStatus, got.Attempts)
			}
		})
	}
}

func TestSendRequest(t *testing.T) {
	srv := newStub(t, reply(http.StatusOK, answerPascal))
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.UserAgent = "mipimport-test/1" })
	p := testPatient()
	if _, err := c.Send(context.Background(), p); err != nil {
		t.Fatalf("Send: %v", err)
	}
	h := srv.hit(0)
	if h.method != http.MethodPost || h.path != "/api/patients" {
		t.Errorf("request %s %s, want POST /api/patients", h.method, h.path)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
	if got := h.header.Get("Authorization"); got != wantAuth {
		t.Errorf("Authorization %q, want %q", got, wantAuth)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json; charset=utf-8",
		"Accept":       "application/json",
		"User-Agent":   "mipimport-test/1",
	} {
		if got := h.header.Get(k); got != want {
			t.Errorf("%s %q, want %q", k, got, want)
		}
	}
	want, _ := json.Marshal(p)
	if string(h.body) != string(want) {
		t.Errorf("body\n got %s\nwant %s", h.body, want)
	}
	if h.length != int64(len(want)) {
		t.Errorf("Content-Length %d, want %d", h.length, len(want))
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(h.body, &keys); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	for k, v := range map[string]string{
		"guid": `"26f407bc-01c7-4e64-ae16-80ae909b1574"`, "family": `"Иванова"`, "birthday": `"1990-01-01"`,
		"mcod": `"777777"`, "gender": `2`, "blackLabel": `false`,
	} {
		if string(keys[k]) != v {
			t.Errorf("body key %q = %s, want %s", k, keys[k], v)
		}
	}
	for _, k := range []string{"rh", "isWorker", "email", "bloodType", "Family", "attachment"} {
		if _, ok := keys[k]; ok {
			t.Errorf("body has key %q, want it absent", k)
		}
	}
	if c.Requests() != 1 {
		t.Errorf("Requests() = %d, want 1", c.Requests())
	}
}

func TestSendRetriesThenSucceeds(t *testing.T) {
	tests := []struct {
		name     string
		answers  []func(int, http.ResponseWriter, *http.Request)
		retries  int
		attempts int
	}{
		{"503 then 200", []func(int, http.ResponseWriter, *http.Request){reply(503, "busy"), reply(200, answerPascal)}, 5, 2},
		{"500, 502 then 200", []func(int, http.ResponseWriter, *http.Request){reply(500, ""), reply(502, ""), reply(200, answerPascal)}, 2, 3},
		{"408 then 200", []func(int, http.ResponseWriter, *http.Request){reply(408, ""), reply(200, answerPascal)}, 1, 2},
		{"429 without Retry-After then 200", []func(int, http.ResponseWriter, *http.Request){reply(429, ""), reply(200, answerPascal)}, 1, 2},
		{"dropped connection then 200", []func(int, http.ResponseWriter, *http.Request){drop, reply(200, answerPascal)}, 1, 2},
		{"dropped twice then 200", []func(int, http.ResponseWriter, *http.Request){drop, drop, reply(200, answerPascal)}, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStub(t, sequence(tt.answers...))
			c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = tt.retries })
			got, err := c.Send(context.Background(), testPatient())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got.Attempts != tt.attempts || got.HTTPStatus != 200 || got.Answer.MkabStatus != MkabUploaded {
				t.Errorf("reply %+v, want %d attempts, HTTP 200, Uploaded", got, tt.attempts)
			}
			if n := srv.count(); n != tt.attempts {
				t.Errorf("server saw %d requests, want %d", n, tt.attempts)
			}
			if n := c.Requests(); n != int64(tt.attempts) {
				t.Errorf("Requests() = %d, want %d", n, tt.attempts)
			}
			first := srv.hit(0).body
			for i := 1; i < srv.count(); i++ {
				if b := srv.hit(i).body; string(b) != string(first) {
					t.Errorf("attempt %d sent %q, attempt 1 sent %q", i+1, b, first)
				}
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	const retries = 2
	tests := []struct {
		name     string
		answer   func(int, http.ResponseWriter, *http.Request)
		kind     Failure
		status   int
		requests int
		is       error  // errors.Is target, if any
		detail   string // must appear in Detail
	}{
		{"400", reply(400, "Поле family обязательно\r\n"), FailRejected, 400, 1, nil, "Поле family обязательно"},
		{"404", reply(404, "no such API"), FailRejected, 404, 1, nil, "no such API"},
		{"422", reply(422, `{"error":"bad"}`), FailRejected, 422, 1, nil, `{"error":"bad"}`},
		{"401", reply(401, "Unauthorized"), FailAuth, 401, 1, ErrUnauthorized, "credentials rejected"},
		{"403", reply(403, "Forbidden"), FailAuth, 403, 1, ErrUnauthorized, "credentials rejected"},
		{"redirect", func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://mip.example/api/patients", http.StatusFound)
		}, FailRejected, 302, 1, nil, "https://mip.example/api/patients"},
		{"503 every time", reply(503, "Service Unavailable"), FailServer, 503, retries + 1, nil, "server error"},
		{"500 every time", reply(500, "NullReferenceException"), FailServer, 500, retries + 1, nil, "NullReferenceException"},
		{"429 every time", reply(429, ""), FailThrottled, 429, retries + 1, nil, "too many requests"},
		{"408 every time", reply(408, ""), FailTimeout, 408, retries + 1, nil, "timed out"},
		{"dropped every time", drop, FailNetwork, 0, retries + 1, nil, "connection broken"},
		{"5xx then dropped", sequence(reply(503, ""), drop), FailNetwork, 503, retries + 1, nil, ""},
		{"200 HTML", reply(200, "<!DOCTYPE html><html><body>Вход в систему</body></html>"), FailBadAnswer, 200, 1, nil, "Вход в систему"},
		{"200 empty", reply(200, ""), FailBadAnswer, 200, 1, nil, "not a JSON"},
		{"200 null", reply(200, "null"), FailBadAnswer, 200, 1, nil, "no mkabStatus"},
		{"200 empty object", reply(200, "{}"), FailBadAnswer, 200, 1, nil, "no mkabStatus"},
		{"200 array", reply(200, "[1,2]"), FailBadAnswer, 200, 1, nil, "not a JSON"},
		{"200 truncated", reply(200, `{"mkabStatus":"Uploaded",`), FailBadAnswer, 200, 1, nil, "not a JSON"},
		{"200 unknown status", reply(200, `{"mkabStatus":"Done"}`), FailBadAnswer, 200, 1, nil, `"Done"`},
		{"200 wrong type", reply(200, `{"mkabStatus":1}`), FailBadAnswer, 200, 1, nil, "not a JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStub(t, tt.answer)
			c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = retries })
			_, err := c.Send(context.Background(), testPatient())
			e := mipError(t, err)
			if e.Kind != tt.kind || e.HTTPStatus != tt.status || e.Attempts != tt.requests {
				t.Errorf("got kind %v, HTTP %d, %d attempts; want %v, %d, %d (%v)",
					e.Kind, e.HTTPStatus, e.Attempts, tt.kind, tt.status, tt.requests, err)
			}
			if n := srv.count(); n != tt.requests {
				t.Errorf("server saw %d requests, want %d", n, tt.requests)
			}
			if n := c.Requests(); n != int64(tt.requests) {
				t.Errorf("Requests() = %d, want %d", n, tt.requests)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			if tt.kind != FailAuth && errors.Is(err, ErrUnauthorized) {
				t.Errorf("%v matches ErrUnauthorized", err)
			}
			if !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("Detail %q does not contain %q", e.Detail, tt.detail)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error is not one line: %q", err.Error())
			}
		})
	}
}

func TestSendRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   func() string
		minGap  time.Duration
		maxGap  time.Duration
		backoff time.Duration // MaxBackoff
	}{
		{"seconds", func() string { return "1" }, 950 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		// The HTTP-date has whole seconds, so now+2s waits between 1 and 2s.
		{"HTTP-date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 900 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		{"capped at MaxBackoff", func() string { return "3600" }, 0, 2 * time.Second, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newStub(t, sequence(func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", tt.value())
				w.WriteHeader(http.StatusTooManyRequests)
			}, reply(200, answerPascal)))
			c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = 1; cfg.MaxBackoff = tt.backoff })
			got, err := c.Send(context.Background(), testPatient())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got.Attempts != 2 {
				t.Errorf("Attempts %d, want 2", got.Attempts)
			}
			gap := srv.hit(1).at.Sub(srv.hit(0).at)
			if gap < tt.minGap || gap > tt.maxGap {
				t.Errorf("second request came %v after the first, want between %v and %v", gap, tt.minGap, tt.maxGap)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true}, // RFC 850
		{"Sat Mar  1 12:00:05 2025", 5 * time.Second, true},     // asctime
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true},              // in the past: at once
		{"99999999999999999999", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if d, ok := parseRetryAfter("9223372036854775807", now); !ok || d <= 0 {
		t.Errorf("huge Retry-After = %v, %v; want a positive delay", d, ok)
	}
}

func TestSendTimeout(t *testing.T) {
	const retries = 2
	srv := newStub(t, hang)
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.Timeout = 50 * time.Millisecond; cfg.Retries = retries })
	start := time.Now()
	_, err := c.Send(context.Background(), testPatient())
	e := mipError(t, err)
	if e.Kind != FailTimeout || e.Attempts != retries+1 || e.HTTPStatus != 0 {
		t.Errorf("got %v, want timeout after %d attempts", err, retries+1)
	}
	if n := srv.count(); n != retries+1 {
		t.Errorf("server saw %d requests, want %d", n, retries+1)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v; the per-attempt timeout is 50ms", d)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := testClient(t, "http://"+addr, func(cfg *Config) { cfg.Retries = 1 })
	_, err = c.Send(context.Background(), testPatient())
	e := mipError(t, err)
	if e.Kind != FailConnect || e.Attempts != 2 || e.HTTPStatus != 0 {
		t.Errorf("got %v, want connect failure after 2 attempts", err)
	}
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("errors.Is(%v, ErrUnreachable) = false", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("errors.Is(%v, ECONNREFUSED) = false: the cause is lost", err)
	}
	if c.Requests() != 2 {
		t.Errorf("Requests() = %d, want 2", c.Requests())
	}
}

// countingTransport counts the answer bytes the client reads.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := ct.base.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &ct.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func TestSendHugeAnswerIsBounded(t *testing.T) {
	const size = 5 << 20
	// A valid answer padded to 5 MB: a client that read it all would accept it.
	srv := newStub(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"mkabStatus":"Uploaded","pad":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range size / len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return // the client hung up, as it should
			}
		}
		io.WriteString(w, `"}`)
	})
	ct := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.Transport = ct; cfg.Retries = 3 })
	_, err := c.Send(context.Background(), testPatient())
	e := mipError(t, err)
	if e.Kind != FailBadAnswer || e.Attempts != 1 {
		t.Errorf("got %v, want bad answer after 1 attempt", err)
	}
	if n := ct.read.Load(); n > maxBody+1 {
		t.Errorf("client read %d bytes of the answer, want at most %d", n, maxBody+1)
	}
}

func TestSendCanceled(t *testing.T) {
	t.Run("during backoff", func(t *testing.T) {
		srv := newStub(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "10")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = 3; cfg.MaxBackoff = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Send(ctx, testPatient())
		e := mipError(t, err)
		if e.Kind != FailCanceled || e.Attempts != 1 || e.HTTPStatus != 503 {
			t.Errorf("got %v, want canceled after 1 attempt with HTTP 503", err)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) = false", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %v, want promptly after the cancel", d)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}
	})
	t.Run("during the request", func(t *testing.T) {
		srv := newStub(t, hang)
		c := testClient(t, srv.URL, func(cfg *Config) { cfg.Retries = 3 })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Send(ctx, testPatient())
		e := mipError(t, err)
		if e.Kind != FailCanceled || e.Attempts != 1 {
			t.Errorf("got %v, want canceled after 1 attempt", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %v, want promptly after the cancel", d)
		}
		if n := c.Requests(); n != 1 {
			t.Errorf("Requests() = %d, want 1: a canceled request must not be retried", n)
		}
	})
	t.Run("before the request", func(t *testing.T) {
		srv := newStub(t, reply(200, answerPascal))
		c := testClient(t, srv.URL, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Send(ctx, testPatient())
		e := mipError(t, err)
		if e.Kind != FailCanceled || e.Attempts != 0 {
			t.Errorf("got %v, want canceled after 0 attempts", err)
		}
		if n := srv.count(); n != 0 {
			t.Errorf("server saw %d requests, want 0", n)
		}
	})
}

func TestSendLocalErrors(t *testing.T) {
	srv := newStub(t, reply(200, answerPascal))
	c := testClient(t, srv.URL, nil)
	p := testPatient()
	p.Extra = map[string]any{"family": "clash"}
	for name, p := range map[string]*Patient{"nil patient": nil, "bad Extra": p} {
		_, err := c.Send(context.Background(), p)
		if e := mipError(t, err); e.Kind != FailRejected || e.Attempts != 0 {
			t.Errorf("%s: got %v, want rejected after 0 attempts", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

// TestPasswordNeverInError makes the server echo the credentials back in
// every way it can and checks that no error text repeats them.
func TestPasswordNeverInError(t *testing.T) {
	echo := func(status int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, r *http.Request) {
			user, pass, _ := r.BasicAuth()
			w.WriteHeader(status)
			fmt.Fprintf(w, "%s %s:%s", r.Header.Get("Authorization"), user, pass)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name   string
		answer func(int, http.ResponseWriter, *http.Request)
		url    string // instead of the stub's
		cancel bool
		kind   Failure
	}{
		{"auth", echo(401), "", false, FailAuth},
		{"rejected", echo(400), "", false, FailRejected},
		{"server", echo(500), "", false, FailServer},
		{"throttled", echo(429), "", false, FailThrottled},
		{"bad answer", echo(200), "", false, FailBadAnswer},
		{"bad answer JSON", func(_ int, w http.ResponseWriter, r *http.Request) {
			_, pass, _ := r.BasicAuth()
			fmt.Fprintf(w, `{"mkabStatus":%q}`, pass)
		}, "", false, FailBadAnswer},
		{"timeout", hang, "", false, FailTimeout},
		{"network", drop, "", false, FailNetwork},
		{"connect", nil, refused, false, FailConnect},
		{"canceled", hang, "", true, FailCanceled},
	}
	token := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.url
			if base == "" {
				base = newStub(t, tt.answer).URL
			}
			c := testClient(t, base, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond; cfg.Retries = 1 })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				time.AfterFunc(30*time.Millisecond, cancel)
			}
			_, err := c.Send(ctx, testPatient())
			e := mipError(t, err)
			if e.Kind != tt.kind {
				t.Errorf("kind %v, want %v (%v)", e.Kind, tt.kind, err)
			}
			for _, text := range []string{err.Error(), e.Detail, e.Reason(), fmt.Sprintf("%+v", err)} {
				if strings.Contains(text, testPassword) || strings.Contains(text, token) {
					t.Errorf("error text holds the credentials: %q", text)
				}
			}
		})
	}
}

// TestConnectionsReused checks that answers are drained and connections
// kept alive: one connection for a sequence of requests, error answers
// with long bodies included.
func TestConnectionsReused(t *testing.T) {
	long := strings.Repeat("ошибка ", 500) // well past the excerpt
	srv := newStub(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n % 3 {
		case 0:
			reply(400, long)(n, w, r)
		case 1:
			reply(503, long)(n, w, r)
		default:
			reply(200, answerPascal)(n, w, r)
		}
	})
	c := testClient(t, srv.URL, nil)
	const sends = 30
	for range sends {
		c.Send(context.Background(), testPatient())
	}
	// The transport returns a drained connection to the pool asynchronously,
	// so an occasional second connection is normal; one per error answer is not.
	if n := srv.newConns.Load(); n > 3 {
		t.Errorf("%d connections for %d sequential requests, want about 1", n, sends)
	}
}

// TestPoolSizedForConcurrency checks that the idle pool keeps a connection
// per worker: net/http's default keeps two per host, so after every burst
// of parallel requests the others would be closed and dialled again.
func TestPoolSizedForConcurrency(t *testing.T) {
	// Slow answers make each round's requests overlap, so that all the
	// round's connections are busy at once and then idle at once.
	srv := newStub(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		reply(200, answerPascal)(n, w, r)
	})
	const workers, rounds = 8, 10
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.Concurrency = workers })
	for range rounds {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				if _, err := c.Send(context.Background(), testPatient()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// The transport puts a connection back in the pool just after the
		// answer is read; give it that moment.
		time.Sleep(5 * time.Millisecond)
	}
	if n := srv.newConns.Load(); n > 2*workers {
		t.Errorf("%d connections for %d workers in %d rounds, want about %d", n, workers, rounds, workers)
	}
	if n := c.Requests(); n != workers*rounds {
		t.Errorf("Requests() = %d, want %d", n, workers*rounds)
	}
}

func TestNewClient(t *testing.T) {
	bad := []string{
		"", "127.0.0.1:8080/api", "localhost:8080", "ftp://mip.example/api", "http://", "http:///api",
		"https://user:pass@mip.example/api", "::not a url",
	}
	for _, u := range bad {
		c, err := NewClient(Config{BaseURL: u})
		if err == nil {
			t.Errorf("NewClient(%q) = %v, want an error", u, c.endpoint)
		} else if strings.Contains(err.Error(), "pass@") {
			t.Errorf("NewClient(%q) error repeats the password: %v", u, err)
		}
	}
	for _, cfg := range []Config{
		{BaseURL: "http://h/api", Retries: -1},
		{BaseURL: "http://h/api", Timeout: -time.Second},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) succeeded, want an error", cfg)
		}
	}

	endpoints := map[string]string{
		"http://127.0.0.1:8080/api":  "http://127.0.0.1:8080/api/patients",
		"https://mip.example/api/":   "https://mip.example/api/patients",
		"https://mip.example":        "https://mip.example/patients",
		" https://mip.example/v1 ":   "https://mip.example/v1/patients",
		"http://[::1]:8080/api#frag": "http://[::1]:8080/api/patients",
	}
	for in, want := range endpoints {
		c, err := NewClient(Config{BaseURL: in})
		if err != nil {
			t.Errorf("NewClient(%q): %v", in, err)
			continue
		}
		if c.endpoint != want {
			t.Errorf("NewClient(%q) posts to %q, want %q", in, c.endpoint, want)
		}
	}

	c, err := NewClient(Config{BaseURL: "https://mip.example/api"})
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != 30*time.Second || c.retries != 0 || c.minBackoff != 100*time.Millisecond || c.maxBackoff != 30*time.Second {
		t.Errorf("defaults: timeout %v, retries %d, backoff %v..%v", c.timeout, c.retries, c.minBackoff, c.maxBackoff)
	}
	roots := x509.NewCertPool()
	for _, conc := range []int{0, 3, 64} {
		c, err := NewClient(Config{BaseURL: "https://mip.example/api", Concurrency: conc, Timeout: 5 * time.Second, RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		want := conc
		if conc == 0 {
			want = 8
		}
		tr, ok := c.rt.(*http.Transport)
		if !ok {
			t.Fatalf("transport is %T, want *http.Transport", c.rt)
		}
		if tr.MaxIdleConnsPerHost != want || tr.MaxIdleConns < want {
			t.Errorf("concurrency %d: idle pool %d per host, %d in all; want %d per host", conc, tr.MaxIdleConnsPerHost, tr.MaxIdleConns, want)
		}
		if tr.MaxConnsPerHost != 0 && tr.MaxConnsPerHost < want {
			t.Errorf("concurrency %d: at most %d connections per host", conc, tr.MaxConnsPerHost)
		}
		if tr.DialContext == nil || tr.TLSHandshakeTimeout <= 0 || tr.TLSHandshakeTimeout > 5*time.Second ||
			tr.ResponseHeaderTimeout <= 0 || tr.ResponseHeaderTimeout > 5*time.Second {
			t.Errorf("connection set-up and answer timeouts: TLS %v, answer head %v; want within the 5s per attempt",
				tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout)
		}
		if tr.Proxy == nil {
			t.Error("proxies from the environment are ignored")
		}
		if !tr.ForceAttemptHTTP2 {
			t.Error("HTTP/2 is not attempted")
		}
		if tr.MaxResponseHeaderBytes != 1<<20 {
			t.Errorf("answer headers bounded at %d bytes, want 1 MiB", tr.MaxResponseHeaderBytes)
		}
		if cfg := tr.TLSClientConfig; cfg == nil || cfg.MinVersion < tls.VersionTLS12 || cfg.RootCAs != roots {
			t.Errorf("TLS config %+v, want at least TLS 1.2 and the given roots", cfg)
		}
	}
}

// roundTripFunc is a transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A regional МИП under .рф: the host goes out in its ASCII form, which DNS,
// the Host header and the certificate use.
func TestCyrillicHost(t *testing.T) {
	for base, want := range map[string]string{
		"https://мип.рф/api":      "xn--h1ahk.xn--p1ai",
		"https://МИП.рф:8443/api": "xn--h1ahk.xn--p1ai:8443",
		"https://mip.example/api": "mip.example",
	} {
		var host, urlHost string
		c, err := NewClient(Config{BaseURL: base, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			host, urlHost = r.Host, r.URL.Host
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(answerPascal)), Request: r}, nil
		})})
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if _, err := c.Send(context.Background(), testPatient()); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if host != want || urlHost != want {
			t.Errorf("%s: Host %q, URL host %q; want %q", base, host, urlHost, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{minBackoff: 10 * time.Millisecond, maxBackoff: 80 * time.Millisecond}
	ceilings := []time.Duration{10, 20, 40, 80, 80, 80, 80}
	for i, ceiling := range ceilings {
		n, ceiling := i+1, ceiling*time.Millisecond
		var high bool
		for range 500 {
			d := c.backoff(n)
			if d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, ceiling)
			}
			high = high || d > ceiling/2
		}
		if !high {
			t.Errorf("backoff(%d) never exceeded %v: the ceiling does not grow to %v", n, ceiling/2, ceiling)
		}
	}
	huge := &Client{minBackoff: time.Second, maxBackoff: 1<<63 - 1}
	for n := 1; n < 200; n += 10 {
		if d := huge.backoff(n); d < 0 {
			t.Fatalf("backoff(%d) = %v: overflow", n, d)
		}
	}
}

func TestTransportFailure(t *testing.T) {
	live := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "http://mip/api/patients", Err: err} }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "x"}}
	tests := []struct {
		name    string
		parent  context.Context
		attempt context.Context
		err     error
		during  string
		kind    Failure
		retry   bool
	}{
		{"refused", live, live, wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), "", FailConnect, true},
		{"no such host", live, live, wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "mip.invalid", IsNotFound: true}}), "", FailConnect, true},
		{"no route", live, live, wrap(&net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}), "", FailConnect, true},
		{"dial op", live, live, wrap(refused), "", FailConnect, true},
		{"untrusted certificate", live, live, wrap(&tls.CertificateVerificationError{Err: errors.New("x509: unknown authority")}), "", FailConnect, false},
		{"reset", live, live, wrap(&net.OpError{Op: "read", Err: syscall.ECONNRESET}), "", FailNetwork, true},
		{"EOF", live, live, wrap(io.EOF), "", FailNetwork, true},
		{"unexpected EOF reading", live, live, io.ErrUnexpectedEOF, "while reading the answer", FailNetwork, true},
		{"attempt deadline", live, expired, wrap(context.DeadlineExceeded), "", FailTimeout, true},
		{"deadline reading", live, expired, context.DeadlineExceeded, "while reading the answer", FailTimeout, true},
		{"canceled", stopped, stopped, wrap(context.Canceled), "", FailCanceled, false},
		{"canceled looks like reset", stopped, stopped, wrap(syscall.ECONNRESET), "", FailCanceled, false},
	}
	for _, tt := range tests {
		r := transportFailure(tt.parent, tt.attempt, tt.err, tt.during)
		if r.kind != tt.kind || r.retry != tt.retry {
			t.Errorf("%s: kind %v retry %v, want %v %v", tt.name, r.kind, r.retry, tt.kind, tt.retry)
		}
	}
}

func TestExcerpt(t *testing.T) {
	c := &Client{password: testPassword, token: "dG9rZW4="}
	long := strings.Repeat("Ж", 300) // 2 bytes a letter: the cut falls inside one
	got := c.excerpt([]byte("  " + long))
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > maxExcerpt+len("…") {
		t.Errorf("excerpt of a long body = %q (%d bytes)", got, len(got))
	}
	tests := map[string]string{
		"a\r\nb\tc\x00d   e":                   "a b c d e",
		"pw " + testPassword + " tok dG9rZW4=": "pw *** tok ***",
		"bad \xff utf8":                        "bad \uFFFD utf8",
		"":                                     "",
	}
	for in, want := range tests {
		if got := c.excerpt([]byte(in)); got != want {
			t.Errorf("excerpt(%q) = %q, want %q", in, got, want)
		}
	}
	// The password is redacted before the cut, so not even its start survives.
	edge := strings.Repeat("a", maxExcerpt-5) + testPassword
	if got := c.excerpt([]byte(edge)); strings.Contains(got, testPassword[:5]) {
		t.Errorf("excerpt kept the start of the password: %q", got)
	}
}

func TestFailureStringsStable(t *testing.T) {
	// Reports and logs key on these names; a rename is a breaking change.
	want := map[Failure]string{FailAuth: "auth", FailServer: "server", FailBadAnswer: "bad_answer", FailCanceled: "canceled"}
	for f, s := range want {
		if f.String() != s {
			t.Errorf("%d.String() = %q, want %q", int(f), f.String(), s)
		}
	}
	e := &Error{Kind: FailServer, HTTPStatus: 503, Attempts: 6}
	if !strings.Contains(e.Error(), "HTTP 503") || !strings.Contains(e.Reason(), "попыток: 6") {
		t.Errorf("Error() %q, Reason() %q", e.Error(), e.Reason())
	}
}

// The limiter is waited on before every attempt, retries included, so a
// failing МИП is not hammered above the rate.
func TestClientLimiterPacesRetries(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n < 5 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"MkabStatus":"Uploaded"}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, User: "u", Password: "p", Retries: 10,
		MinBackoff: time.Microsecond, MaxBackoff: time.Microsecond,
		Limiter: rate.NewLimiter(rate.Limit(20), 1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), &Patient{Family: "Тестов"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Arrival times carry scheduling jitter (one attempt delayed makes the
	// next gap look short), so the span of all attempts is checked: at 20/s,
	// n attempts take at least (n-1)×50ms, less a little for that jitter.
	if len(times) < 5 {
		t.Fatalf("%d attempts, want 5", len(times))
	}
	span := times[len(times)-1].Sub(times[0])
	if min := time.Duration(len(times)-1)*50*time.Millisecond - 30*time.Millisecond; span < min {
		t.Fatalf("%d attempts within %v; at 20/s they take at least %v", len(times), span, min)
	}
}

// A МИП behind a private certificate authority is trusted only through
// RootCAs (--ca-file); without it the certificate is refused, not retried.
func TestClientPrivateCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"MkabStatus":"Uploaded"}`)
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := NewClient(Config{BaseURL: srv.URL, User: "u", Password: "p", RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), &Patient{Family: "Тестов"}); err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	plain, err := NewClient(Config{BaseURL: srv.URL, User: "u", Password: "p", Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.Send(context.Background(), &Patient{Family: "Тестов"})
	var me *Error
	if !errors.As(err, &me) || me.Kind != FailConnect || me.Attempts != 1 {
		t.Fatalf("without the CA: %v, want one refused attempt", err)
	}
}

// The backoff step follows a row's attempts only while the client's other
// requests fail too: a success anywhere resets the streak, so a row that
// was unlucky among succeeding ones retries at the first step again.
func TestRetryStepFollowsTheFailStreak(t *testing.T) {
	c := &Client{}
	for attempt := 1; attempt <= 6; attempt++ { // МИП down: the streak grows with the attempts
		if got := c.retryStep(attempt); got != attempt {
			t.Fatalf("attempt %d while everything fails: step %d, want %d", attempt, got, attempt)
		}
	}
	if got := c.retryStep(2); got != 2 {
		t.Fatalf("a row's second attempt: step %d, want 2", got)
	}
	c.failStreak.Store(0) // what a success does
	if got := c.retryStep(9); got != 1 {
		t.Fatalf("9th attempt right after a success elsewhere: step %d, want 1", got)
	}
	if got := c.retryStep(10); got != 2 {
		t.Fatalf("10th attempt, second failure in a row: step %d, want 2", got)
	}
}

// Against a server that fails one patient's first attempts while answering
// the others, the unlucky patient still gets through; and a success resets
// the client's streak.
func TestSuccessResetsTheFailStreak(t *testing.T) {
	var mu sync.Mutex
	failures := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		fail := strings.Contains(string(b), "Неудачин") && failures < 4
		if fail {
			failures++
		}
		mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"mkabStatus":"Uploaded","attachmentStatus":"Uploaded","personGuid":"c180af82-b7bb-477c-a6de-000000000001","mkabGuid":"c180af82-b7bb-477c-a6de-000000000002","attachmentGuid":"c180af82-b7bb-477c-a6de-000000000003"}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, User: "u", Password: "p", Retries: 5, MinBackoff: time.Millisecond, MaxBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Send(context.Background(), &Patient{Family: "Неудачин", Name: "Н"}); err != nil {
			t.Fatalf("the unlucky patient: %v", err)
		}
		if _, err := c.Send(context.Background(), &Patient{Family: "Удачин", Name: "У"}); err != nil {
			t.Fatal(err)
		}
		if n := c.failStreak.Load(); n != 0 {
			t.Fatalf("streak %d after a success, want 0", n)
		}
	}
}
