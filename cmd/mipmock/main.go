// Command mipmock serves a local stand-in for МИП's POST /patients API
// (package mipimport/mip/mipmock) with fault injection, for the demo, manual
// tests and benchmarks. This package only wires flags to that package.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mipimport/mip/mipmock"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

const (
	defaultUser     = "demo"
	defaultPassword = "demo"
	shutdownGrace   = 5 * time.Second
)

type options struct {
	listen       string
	allowRemote  bool
	addrFile     string
	user         string
	passwordFile string
	latency      time.Duration
	jitter       time.Duration
	rate5xx      float64
	rate429      float64
	retryAfter   time.Duration
	rateDrop     float64
	capacity     int
	rateLimit    float64
	rateBurst    int
	perRequest   time.Duration
	knee         int
	seed         uint64
}

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "mipmock:", err)
		os.Exit(2)
	}
}

func newRootCmd() *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "mipmock [flags]",
		Short: "Local stand-in for МИП's POST /patients API, with fault injection",
		Long: `mipmock serves МИП's POST {base}/patients API on a loopback address: Basic auth,
validation with Russian messages, create / update / Error on a GUID that belongs
to another patient, attachment statuses, PascalCase answer keys. It keeps the
cards in memory. Inspect it with GET /_mock/stats and GET /_mock/cards; clear it
with POST /_mock/reset (no auth needed for these).

The password comes from --password-file or the MIP_PASSWORD environment
variable (default "demo"); it is never a flag value and never printed. The
login is --user, else MIP_USER, else "demo".`,
		Version:       fmt.Sprintf("%s (commit %s, built %s)", version, commit, date),
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("user") {
				if u := os.Getenv("MIP_USER"); u != "" {
					o.user = u
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return run(ctx, o, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on, host:port (port 0 picks a free port)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a --listen address that is not loopback")
	f.StringVar(&o.addrFile, "addr-file", "", "after listening, write the actual host:port to this `FILE` (atomically)")
	f.StringVar(&o.user, "user", defaultUser, "login accepted for Basic auth (env MIP_USER replaces the default)")
	f.StringVar(&o.passwordFile, "password-file", "", "read the accepted password from this `FILE` (else env MIP_PASSWORD, else \"demo\")")
	f.DurationVar(&o.latency, "latency", 0, "latency added to every request")
	f.DurationVar(&o.jitter, "jitter", 0, "extra latency, uniform in 0..jitter")
	f.Float64Var(&o.rate5xx, "rate-5xx", 0, "share of requests answered 503, 0..1")
	f.Float64Var(&o.rate429, "rate-429", 0, "share of requests answered 429 with Retry-After, 0..1")
	f.DurationVar(&o.retryAfter, "retry-after", time.Second, "Retry-After sent with a 429 (whole seconds, rounded up)")
	f.Float64Var(&o.rateDrop, "rate-drop", 0, "share of requests whose connection is closed without an answer after the card was stored, 0..1")
	f.IntVar(&o.capacity, "capacity", 0, "serve at most N requests at a time; answer one more 503 at once (0: no limit)")
	f.Float64Var(&o.rateLimit, "rate-limit", 0, "serve at most R requests a second (token bucket); answer one more 429 with Retry-After at once (0: no limit)")
	f.IntVar(&o.rateBurst, "rate-burst", 0, "tokens of the --rate-limit bucket (default: a second's worth)")
	f.DurationVar(&o.perRequest, "latency-per-request", 0, "add this latency for each request being served beyond --latency-knee")
	f.IntVar(&o.knee, "latency-knee", 0, "requests served before --latency-per-request starts to add up (e.g. --latency 20ms --latency-knee 16 --latency-per-request 1.25ms: 16 workers, queueing beyond)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the fault random source (0: random)")
	return cmd
}

func (o *options) check() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"--rate-5xx", o.rate5xx}, {"--rate-429", o.rate429}, {"--rate-drop", o.rateDrop}} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("%s %v: want a share between 0 and 1", r.name, r.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--latency", o.latency}, {"--jitter", o.jitter}, {"--retry-after", o.retryAfter}, {"--latency-per-request", o.perRequest}} {
		if d.v < 0 {
			return fmt.Errorf("%s %v: must not be negative", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    float64
	}{{"--capacity", float64(o.capacity)}, {"--rate-limit", o.rateLimit}, {"--rate-burst", float64(o.rateBurst)}, {"--latency-knee", float64(o.knee)}} {
		if n.v < 0 {
			return fmt.Errorf("%s %v: must not be negative", n.name, n.v)
		}
	}
	if o.rateBurst > 0 && o.rateLimit == 0 {
		return errors.New("--rate-burst needs --rate-limit")
	}
	if o.user == "" {
		return errors.New("--user must not be empty")
	}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", o.listen, err)
	}
	if !o.allowRemote && !loopbackHost(host) {
		return fmt.Errorf("--listen %q is not a loopback address; add --allow-remote to serve other machines", o.listen)
	}
	return nil
}

// limits describes the load limits set, for the startup line.
func (o *options) limits() string {
	var b strings.Builder
	if o.capacity > 0 {
		fmt.Fprintf(&b, "capacity %d (503 beyond); ", o.capacity)
	}
	if o.rateLimit > 0 {
		burst := o.rateBurst
		if burst == 0 {
			burst = int(math.Ceil(o.rateLimit))
		}
		fmt.Fprintf(&b, "rate limit %g/s, burst %d (429 beyond); ", o.rateLimit, burst)
	}
	if o.perRequest > 0 {
		fmt.Fprintf(&b, "latency +%v per request beyond %d; ", o.perRequest, o.knee)
	}
	return b.String()
}

// loopbackHost reports whether host names a loopback address ("" means every
// interface, so it does not).
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// password returns the accepted password and where it came from.
func (o *options) password() (string, string, error) {
	if o.passwordFile != "" {
		b, err := os.ReadFile(o.passwordFile)
		if err != nil {
			return "", "", fmt.Errorf("--password-file: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", "", fmt.Errorf("--password-file %s is empty", o.passwordFile)
		}
		return p, "--password-file", nil
	}
	if p := os.Getenv("MIP_PASSWORD"); p != "" {
		return p, "MIP_PASSWORD", nil
	}
	return defaultPassword, "the default", nil
}

func run(ctx context.Context, o options, logw io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	password, passwordFrom, err := o.password()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !o.allowRemote && !tcp.IP.IsLoopback() {
		ln.Close()
		return fmt.Errorf("--listen %q resolved to %s, which is not loopback; add --allow-remote", o.listen, addr)
	}
	if o.addrFile != "" {
		if err := writeFileAtomic(o.addrFile, []byte(addr)); err != nil {
			ln.Close()
			return fmt.Errorf("--addr-file: %w", err)
		}
		defer removeIfOurs(o.addrFile, addr)
	}

	srv := &http.Server{
		Handler: mipmock.New(mipmock.Config{
			User:       o.user,
			Password:   password,
			Latency:    o.latency,
			Jitter:     o.jitter,
			Rate5xx:    o.rate5xx,
			Rate429:    o.rate429,
			RetryAfter: o.retryAfter,
			RateDrop:   o.rateDrop,
			Capacity:   o.capacity,
			RateLimit:  o.rateLimit,
			RateBurst:  o.rateBurst,

			LatencyPerRequest: o.perRequest,
			LatencyKnee:       o.knee,
			Seed:              o.seed,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logw, "mipmock: ", 0),
	}
	fmt.Fprintf(logw, "mipmock: listening on http://%s (POST /patients as user %q, password from %s; "+
		"latency %v + 0..%v, 5xx %g, 429 %g (Retry-After %v), drop %g, seed %d; "+
		"%sinspect GET /_mock/stats, GET /_mock/cards, POST /_mock/reset)\n",
		addr, o.user, passwordFrom, o.latency, o.jitter, o.rate5xx, o.rate429, o.retryAfter, o.rateDrop, o.seed, o.limits())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(logw, "mipmock: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // requests still sleeping their latency: cut them off
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path, so a reader sees either no file or the whole content.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// removeIfOurs removes the address file on exit unless another process has
// written its own address there since.
func removeIfOurs(path, addr string) {
	if b, err := os.ReadFile(path); err == nil && string(b) == addr {
		os.Remove(path)
	}
}
