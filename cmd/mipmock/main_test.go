package main

import (
	"strings"
	"testing"
	"time"
)

func TestCheckLoadFlags(t *testing.T) {
	base := options{listen: "127.0.0.1:0", user: "demo", retryAfter: time.Second}
	for _, tc := range []struct {
		name string
		set  func(*options)
		want string // "" : valid
	}{
		{"all set", func(o *options) {
			o.capacity, o.rateLimit, o.rateBurst, o.perRequest, o.knee = 12, 500, 50, time.Millisecond, 16
		}, ""},
		{"negative capacity", func(o *options) { o.capacity = -1 }, "--capacity"},
		{"negative rate limit", func(o *options) { o.rateLimit = -5 }, "--rate-limit"},
		{"negative burst", func(o *options) { o.rateLimit, o.rateBurst = 5, -1 }, "--rate-burst"},
		{"burst alone", func(o *options) { o.rateBurst = 10 }, "--rate-burst needs --rate-limit"},
		{"negative per request", func(o *options) { o.perRequest = -time.Millisecond }, "--latency-per-request"},
		{"negative knee", func(o *options) { o.knee = -2 }, "--latency-knee"},
	} {
		o := base
		tc.set(&o)
		err := o.check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
}

func TestLimitsLine(t *testing.T) {
	o := options{capacity: 12, rateLimit: 500, perRequest: 1250 * time.Microsecond, knee: 16}
	want := "capacity 12 (503 beyond); rate limit 500/s, burst 500 (429 beyond); latency +1.25ms per request beyond 16; "
	if got := o.limits(); got != want {
		t.Errorf("limits %q, want %q", got, want)
	}
	if got := (&options{}).limits(); got != "" {
		t.Errorf("no limits: %q", got)
	}
}
