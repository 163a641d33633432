package mip

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a loopback HTTP/1.1 server written by hand, for answers
// net/http's server does not send: a kept-alive connection closed without
// a word after its answer, headers without end, a TLS handshake never
// answered.
type rawServer struct {
	ln    net.Listener
	conns atomic.Int64
	reqs  atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	open  []net.Conn // closed at the end of the test, ending serve
}

// newRawServer serves each connection with serve and closes it when serve
// returns.
func newRawServer(t *testing.T, serve func(s *rawServer, conn net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, conn)
			s.mu.Unlock()
			s.wg.Go(func() {
				defer conn.Close()
				serve(s, conn, bufio.NewReader(conn))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) URL() string { return "http://" + s.ln.Addr().String() }

// request reads one request, body included; false at the end of the
// connection.
func (s *rawServer) request(br *bufio.Reader) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, req.Body)
	s.reqs.Add(1)
	return true
}

// sendUploaded sends a patient and fails the test unless МИП's answer,
// Uploaded, came back to the first attempt.
func sendUploaded(t *testing.T, c *Client, what string) {
	t.Helper()
	r, err := c.Send(context.Background(), testPatient())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r.Answer.MkabStatus != MkabUploaded || r.Attempts != 1 {
		t.Fatalf("%s: answer %q after %d attempts, want Uploaded after 1", what, r.Answer.MkabStatus, r.Attempts)
	}
}

// A server whose keep-alive timeout is shorter than the pause between two
// requests closes the idle connection without a word. The next request must
// go on a new connection at its first attempt: written into the dead one,
// it would fail, and the row with it when no retries are configured.
func TestIdleConnectionClosedByServer(t *testing.T) {
	closed := make(chan struct{}, 10)
	srv := newRawServer(t, func(s *rawServer, conn net.Conn, br *bufio.Reader) {
		if s.request(br) {
			fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(answerPascal), answerPascal)
		}
		conn.Close()
		closed <- struct{}{}
	})
	c := testClient(t, srv.URL(), nil) // no retries: a failed attempt fails the send
	for i := range 3 {
		sendUploaded(t, c, fmt.Sprintf("request %d", i+1))
		<-closed
		time.Sleep(20 * time.Millisecond) // for the FIN to reach the client
	}
	if n, m := srv.conns.Load(), srv.reqs.Load(); n != 3 || m != 3 {
		t.Errorf("%d connections, %d requests; want 3 and 3", n, m)
	}
}

// A server (or proxy) that sends headers without end fails the request once
// a megabyte of them has come, long before the timeout.
func TestEndlessAnswerHeaders(t *testing.T) {
	srv := newRawServer(t, func(s *rawServer, conn net.Conn, br *bufio.Reader) {
		if !s.request(br) {
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\n")
		line := "X-Padding: " + strings.Repeat("a", 1000) + "\r\n"
		for range 3000 { // 3 MB
			if _, err := io.WriteString(conn, line); err != nil {
				return // the client gave up
			}
		}
	})
	c := testClient(t, srv.URL(), func(cfg *Config) { cfg.Timeout = 20 * time.Second })
	start := time.Now()
	_, err := c.Send(context.Background(), testPatient())
	e := mipError(t, err)
	if e.Kind != FailNetwork || !strings.Contains(e.Detail, "1048576") {
		t.Errorf("got %v (kind %v), want a broken connection naming the limit", err, e.Kind)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v: the headers were not bounded", d)
	}
}

// A TLS server that accepts the connection and never answers the handshake
// is reported as a timeout of that attempt, within the client's timeout.
func TestTLSHandshakeTimeout(t *testing.T) {
	srv := newRawServer(t, func(_ *rawServer, _ net.Conn, br *bufio.Reader) {
		io.Copy(io.Discard, br) // the ClientHello, and silence until the client gives up
	})
	c := testClient(t, "https://"+srv.ln.Addr().String(), func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Send(context.Background(), testPatient())
	e := mipError(t, err)
	if e.Kind != FailTimeout || e.Attempts != 1 {
		t.Errorf("got %v (kind %v), want a timeout after 1 attempt", err, e.Kind)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 200ms timeout", d)
	}
}

// A МИП that offers HTTP/2 in the TLS handshake is spoken to in HTTP/2,
// parallel requests included, with the same body and credentials.
func TestHTTP2WhenOffered(t *testing.T) {
	var mu sync.Mutex
	protos := map[string]int{}
	var bodies []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		mu.Lock()
		protos[r.Proto]++
		bodies = append(bodies, string(b))
		mu.Unlock()
		if user != testUser || pass != testPassword {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, answerPascal)
	}))
	srv.EnableHTTP2 = true
	// Parallel first requests may each dial; the server logs the spare
	// connections it closes at the end.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.RootCAs = roots; cfg.Concurrency = 4 })
	const sends = 12
	var wg sync.WaitGroup
	for i := range sends {
		wg.Go(func() { sendUploaded(t, c, fmt.Sprintf("request %d", i+1)) })
	}
	wg.Wait()
	want, _ := Encode(testPatient())
	mu.Lock()
	defer mu.Unlock()
	if protos["HTTP/2.0"] != sends {
		t.Errorf("protocols %v, want HTTP/2.0 for all %d requests", protos, sends)
	}
	for _, b := range bodies {
		if b != string(want) {
			t.Fatalf("body %s, want %s", b, want)
		}
	}
}

// proxyChildEnv marks the run of TestProxyFromEnvironment in a child
// process, whose environment names the proxy.
const proxyChildEnv = "MIPIMPORT_TEST_PROXY_CHILD"

// Requests go through the proxy the environment names. net/http reads the
// proxy variables once per process, so the client runs in a child process
// (this test binary again) started with HTTP_PROXY set; the proxy here
// answers in МИП's place.
func TestProxyFromEnvironment(t *testing.T) {
	if os.Getenv(proxyChildEnv) != "" {
		c := testClient(t, "http://mip.example", nil)
		sendUploaded(t, c, "through the proxy")
		return
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s host=%s user=%s", r.Method, r.RequestURI, r.Host, user))
		mu.Unlock()
		io.WriteString(w, answerPascal)
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyFromEnvironment$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), proxyChildEnv+"=1",
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestProxyFromEnvironment") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "POST http://mip.example/api/patients host=mip.example user=" + testUser
	if len(seen) != 1 || seen[0] != want {
		t.Errorf("the proxy saw %q, want [%q]", seen, want)
	}
}
