package importer

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mipimport/mip"
	"mipimport/mip/mipmock"
	"mipimport/mip/pace"
)

// With --concurrency auto the pool holds up to the cap of rows and the
// client's limiter decides how many are sent at once, so most rows wait
// for a slot inside Send. A stop sends none of them: the requests in
// flight finish, every other row ends not_sent.
func TestStopSendsNoRowWaitingForASlot(t *testing.T) {
	const rows, limit = 50, 2
	mock := mipmock.New(mipmock.Config{User: "u", Password: "p", Latency: 300 * time.Millisecond})
	srv := httptest.NewServer(mock)
	defer srv.Close()
	lim := pace.New(pace.Config{Initial: limit, Max: limit})
	client, err := mip.NewClient(mip.Config{BaseURL: srv.URL, User: "u", Password: "p", Concurrency: 16, Pace: lim})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for mock.Stats().InFlight < limit {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	sink := &memSink{}
	sum, err := Import(ctx, Config{Concurrency: 16, Grace: 10 * time.Second}, &genSource{n: rows}, client, sink)
	if err != nil {
		t.Fatal(err)
	}
	if n := mock.Stats().Requests; n != limit || sum.Counts[Uploaded] != limit || sum.Counts[NotSent] != rows-limit {
		t.Errorf("%d requests after the stop, counts %v; want the %d in flight uploaded and the rest not sent", n, sum.Counts, limit)
	}
	for _, r := range sink.out {
		if r.Outcome == NotSent && (r.Attempts != 0 || !strings.Contains(strings.Join(r.Messages, " "), "прерван")) {
			t.Errorf("row %d not sent after %d attempts, messages %q", r.Row, r.Attempts, r.Messages)
			break
		}
	}
}
