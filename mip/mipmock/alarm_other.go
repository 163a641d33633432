//go:build !linux

package mipmock

import (
	"context"
	"time"
)

// wait waits d or until ctx is done, and reports whether it waited all of d.
// Elsewhere than on Linux it uses Go's timers; the sleeper's running
// correction is all there is against their lateness.
func wait(ctx context.Context, d time.Duration) bool { return waitTimer(ctx, d) }
