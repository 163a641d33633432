package mipmock

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func testAlarm(t *testing.T) *alarm {
	t.Helper()
	a := newAlarm()
	if a == nil {
		t.Skip("timerfd_create refused here: mipmock falls back to Go's timers")
	}
	return a
}

// Every sleeper is released, none before its deadline, whatever the order
// the deadlines were set in.
func TestAlarmReleasesEverySleeperOnTime(t *testing.T) {
	a := testAlarm(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	early := make(chan string, 200)
	for i := range 200 {
		d := time.Duration(rng.IntN(30_000)) * time.Microsecond
		if i%50 == 0 {
			d = 0 // due at once
		}
		wg.Go(func() {
			began := time.Now()
			select {
			case <-a.after(d):
				if el := time.Since(began); el < d {
					early <- el.String() + " < " + d.String()
				}
			case <-time.After(d + 10*time.Second):
				early <- "never released: " + d.String()
			}
		})
	}
	wg.Wait()
	close(early)
	for e := range early {
		t.Error(e)
	}
}

// A deadline earlier than the one the timer is armed for re-arms it: the
// short sleep ends while the long one still runs.
func TestAlarmEarlierDeadlineComesFirst(t *testing.T) {
	a := testAlarm(t)
	long := a.after(5 * time.Second)
	short := a.after(10 * time.Millisecond)
	select {
	case <-short:
	case <-long:
		t.Fatal("the 5 s sleep ended before the 10 ms one")
	}
	select {
	case <-long:
		t.Fatal("the 5 s sleep ended with the 10 ms one")
	default:
	}
}

// A sleeper that leaves (its request cancelled) does not hold up the others.
func TestAlarmCancelledSleeperLeavesTheOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if wait(ctx, time.Hour) {
		t.Fatal("wait on a cancelled context reported a full sleep")
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if wait(ctx, time.Hour) {
		t.Fatal("wait past its context's deadline reported a full sleep")
	}
	began := time.Now()
	if !wait(context.Background(), 5*time.Millisecond) {
		t.Fatal("a plain 5 ms wait did not complete")
	}
	if el := time.Since(began); el < 5*time.Millisecond {
		t.Errorf("5 ms wait ended after %v", el)
	}
}
