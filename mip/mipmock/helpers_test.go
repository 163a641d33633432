package mipmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testUser = "demo"
	testPass = "s3cret"
)

// testNow is the fixed "today" of the tests.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start starts a mock with the test credentials and the fixed clock unless
// cfg sets its own.
func start(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.User == "" && cfg.Password == "" {
		cfg.User, cfg.Password = testUser, testPass
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// wireAnswer mirrors the PascalCase answer.
type wireAnswer struct {
	MkabStatus        string
	AttachmentStatus  string
	PersonGuid        string
	MkabGuid          string
	AttachmentGuid    string
	ValidationMessage []string
}

// patient returns a valid patient as a JSON tree, so tests can delete or
// change any key.
func patient() map[string]any {
	return map[string]any{
		"family":     "Иванова",
		"name":       "Мария",
		"patronymic": "Петровна",
		"birthday":   "1990-01-01",
		"polis": map[string]any{
			"type":   map[string]any{"code": "3", "name": "Полис ОМС единого образца"},
			"number": "5070000000000004",
		},
		"identityDocument": map[string]any{
			"type":   map[string]any{"code": "14", "name": "Паспорт гражданина РФ"},
			"series": "45 10",
			"number": "123456",
		},
		"mcod":   "777777",
		"phone":  "89990000000",
		"snils":  "112-233-445 95",
		"gender": 2,
	}
}

// other returns a patient sharing nothing with patient().
func other() map[string]any {
	return map[string]any{
		"family":     "Петров",
		"name":       "Сергей",
		"patronymic": "Иванович",
		"birthday":   "1975-03-15",
		"polis": map[string]any{
			"type":   map[string]any{"code": "3"},
			"number": "7755000000000017",
		},
		"mcod":   "777777",
		"phone":  "89991111111",
		"snils":  "123-456-789 64",
		"gender": 1,
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	if b, ok := v.([]byte); ok {
		return b
	}
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send makes one request with the test credentials (user "" sends none).
func send(t testing.TB, c *http.Client, method, url string, body any, user, pass string) (*http.Response, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(mustJSON(t, body))
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// post sends body to /patients with the right credentials and expects 200.
func post(t testing.TB, ts *httptest.Server, body any) wireAnswer {
	t.Helper()
	a, err := tryPost(t, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tryPost is post for goroutines other than the test's: it returns the
// failure instead of stopping the test.
func tryPost(t testing.TB, ts *httptest.Server, body any) (wireAnswer, error) {
	var a wireAnswer
	resp, b, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", body, testUser, testPass)
	if err != nil {
		return a, fmt.Errorf("POST /patients: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("POST /patients: HTTP %d: %s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("answer %s: %w", b, err)
	}
	return a, nil
}

func wantStatus(t testing.TB, a wireAnswer, mkab, att string) {
	t.Helper()
	if a.MkabStatus != mkab || a.AttachmentStatus != att {
		t.Fatalf("got MkabStatus %q AttachmentStatus %q (messages %q), want %q %q",
			a.MkabStatus, a.AttachmentStatus, a.ValidationMessage, mkab, att)
	}
}

// hasMessage reports whether some message contains every part.
func hasMessage(msgs []string, parts ...string) bool {
	for _, m := range msgs {
		ok := true
		for _, p := range parts {
			if !strings.Contains(m, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
