package mipmock

import (
	"container/heap"
	"context"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux, latencies are timed by one timerfd rather than by Go's timers.
// Go's timers come due when the scheduler's poller wakes, and the poller
// waits in whole milliseconds: a 20 ms sleep ends 0–1 ms late, and by how
// much depends on where in the millisecond it began, so no correction of a
// running average takes it all out (at 20 ms under a 64-connection load,
// answers were 93 µs late on average with the correction, 22 µs with the
// timerfd, and wrk's rate rose by 2%: BENCHMARKS.md, round 6).
// A timerfd is a kernel high-resolution timer that the same poller watches
// as a file: it becomes readable on time, and that wakes the poller at once.
//
// One timer serves every sleeper: it is armed for the earliest deadline,
// and the goroutine reading it releases whoever is due and arms it again.

var (
	theAlarm     *alarm
	theAlarmOnce sync.Once
)

// wait waits d or until ctx is done, and reports whether it waited all of d.
func wait(ctx context.Context, d time.Duration) bool {
	theAlarmOnce.Do(func() { theAlarm = newAlarm() })
	if theAlarm == nil { // no timerfd here (a sandbox may refuse it)
		return waitTimer(ctx, d)
	}
	select {
	case <-theAlarm.after(d):
		return true
	case <-ctx.Done():
		return false // its entry stays queued, and is released when due
	}
}

type alarm struct {
	fd    int
	file  *os.File
	epoch time.Time // deadlines are monotonic nanoseconds since epoch

	mu    sync.Mutex
	queue deadlines
	armed int64 // deadline the timer is armed for; 0 when disarmed
}

func newAlarm() *alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	// A non-blocking descriptor makes a File that the runtime's poller
	// watches: reading it parks the goroutine, not a thread.
	a := &alarm{fd: fd, file: os.NewFile(uintptr(fd), "mipmock-timerfd"), epoch: time.Now()}
	go a.run()
	return a
}

// after returns a channel that is closed d from now.
func (a *alarm) after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	at := int64(time.Since(a.epoch) + d)
	a.mu.Lock()
	heap.Push(&a.queue, deadline{at: at, ch: ch})
	if a.armed == 0 || at < a.armed {
		a.arm(at)
	}
	a.mu.Unlock()
	return ch
}

// arm sets the timer to fire at at (nanoseconds since epoch); a.mu is held.
// Setting it again replaces the earlier setting.
func (a *alarm) arm(at int64) {
	d := at - int64(time.Since(a.epoch))
	if d <= 0 {
		d = 1 // due already: fire now (a zero would disarm it)
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d)}
	if err := unix.TimerfdSettime(a.fd, 0, &spec, nil); err != nil {
		// Cannot happen with a valid descriptor and value; should it,
		// nothing would ever wake the sleepers, so fail loudly.
		panic("mipmock: timerfd_settime: " + err.Error())
	}
	a.armed = at
}

// run releases the sleepers whose deadline has come, each time the timer
// fires, and arms it for the next one.
func (a *alarm) run() {
	var expirations [8]byte
	for {
		if _, err := a.file.Read(expirations[:]); err != nil {
			panic("mipmock: reading the timerfd: " + err.Error())
		}
		a.mu.Lock()
		now := int64(time.Since(a.epoch))
		for len(a.queue) > 0 && a.queue[0].at <= now {
			close(heap.Pop(&a.queue).(deadline).ch)
		}
		a.armed = 0
		if len(a.queue) > 0 {
			a.arm(a.queue[0].at)
		}
		a.mu.Unlock()
	}
}

type deadline struct {
	at int64
	ch chan struct{}
}

// deadlines is a min-heap by at (container/heap).
type deadlines []deadline

func (q deadlines) Len() int           { return len(q) }
func (q deadlines) Less(i, j int) bool { return q[i].at < q[j].at }
func (q deadlines) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *deadlines) Push(x any)        { *q = append(*q, x.(deadline)) }
func (q *deadlines) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = deadline{}
	*q = old[:len(old)-1]
	return x
}
