package main

import (
	"fmt"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"mipimport/mip/pace"
)

// autoCap is the most requests --concurrency auto ever keeps in flight: a
// regional МИП is shared by every clinic, and beyond this one client's
// throughput gains little while its share of the platform grows.
const autoCap = 64

// concurrency is --concurrency: auto (the limit is found while sending, up
// to n) or a fixed n.
type concurrency struct {
	auto bool
	n    int
}

func parseConcurrency(s string) (concurrency, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "auto") {
		return concurrency{auto: true, n: autoCap}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return concurrency{}, fmt.Errorf("--concurrency %q: want auto or a whole number of at least 1", s)
	}
	return concurrency{n: n}, nil
}

func (c concurrency) String() string {
	if c.auto {
		return fmt.Sprintf("auto (up to %d)", c.n)
	}
	return strconv.Itoa(c.n)
}

// setting is how the state's record of the run keeps it.
func (c concurrency) setting() any {
	if c.auto {
		return "auto"
	}
	return c.n
}

// logLimit logs every change of the adaptive limit at debug level: what it
// changed to and why, from the latencies and refusals it saw. Nothing of a
// patient is in it. The limiter calls it with its lock held, so it only
// writes a line, and only when debug is on.
func logLimit(log *zap.Logger) func(pace.Change) {
	return func(ch pace.Change) {
		ce := log.Check(zap.DebugLevel, "concurrency limit changed")
		if ce == nil {
			return
		}
		fields := []zap.Field{zap.Int("from", ch.Old), zap.Int("to", ch.New), zap.String("reason", string(ch.Reason)),
			zap.Duration("floorLatency", ch.Floor)}
		if ch.Latency > 0 {
			fields = append(fields, zap.Duration("latency", ch.Latency))
		}
		if ch.PausedFor > 0 {
			fields = append(fields, zap.Duration("pausedFor", ch.PausedFor))
		}
		if ch.Ceiling > 0 {
			fields = append(fields, zap.Int("ceiling", ch.Ceiling))
		}
		ce.Write(fields...)
	}
}
