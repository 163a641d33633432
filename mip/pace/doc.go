// Package pace finds by itself how many requests a batch client may keep in
// flight against a shared server: as many as the server carries without
// refusing them or queueing them, and no more. It imports nothing of the
// project.
//
//	l := pace.New(pace.Config{Max: 64})
//	tok, err := l.Acquire(ctx)      // waits for a free slot
//	…send one request…
//	tok.Done(pace.Outcome{Kind: pace.OK, Latency: rtt})
//
// Acquire hands out slots in the order callers came, while fewer than
// Limit are in flight and no Retry-After pause runs. When the limit drops,
// the requests in flight finish and new ones wait until the count is below
// it: never more than the current limit in flight.
//
// # The control law
//
// It is TCP's congestion control (slow start, additive increase,
// multiplicative decrease) with a latency signal from Netflix's
// concurrency-limits (Gradient2), fitted to a batch client and a server
// that says "no" in three ways: a capacity limit (503 beyond N requests in
// flight), a rate limit (429 with Retry-After beyond R requests a second),
// or a queue (latency grows with the load).
//
//   - Rounds. The limit changes at most once per round trip: a round ends
//     when the first request granted in it completes.
//   - Slow start. From Initial (8) the limit doubles every clean round that
//     used it all, until the first refusal or rise of the latency, or Max.
//   - Additive increase. After that, one more per clean, full round.
//   - Latency. The floor is the lowest latency seen. A round whose lowest
//     latency exceeds Tolerance × floor + LatencySlack (1.5 × floor + 2 ms)
//     means requests queue at the server: the limit shrinks in proportion
//     (×(tolerance × floor + slack) / lowest, at most by half), so it
//     settles where the latency stays near its floor. The lowest, not the
//     mean, as Linux's TCP Vegas takes the lowest RTT of each round trip: a
//     queue at the server delays every request, a client short of CPU (a
//     busy machine, a garbage collection) only those that answered while it
//     did not run, and it must not take that for МИП queueing. The floor
//     is measured afresh with at most 4 requests in flight when it has not
//     been seen for FloorWindow (30 s), as BBR's ProbeRTT does; it is
//     replaced only when it rose beyond the tolerance (a server slower for
//     good).
//   - Refusals, timeouts, dropped connections. The first one of requests
//     granted after the last backoff starts a backoff; each takes 2 off
//     the limit, and one round trip's failures take it at most to ×0.7
//     (×0.5 in slow start). A lone failure costs little, so a server that
//     fails now and then whatever the load does not drive the limit down
//     (it settles near 1/(2p) for a share p of failures); a flood of them
//     is a multiplicative backoff. Refused twice running at the same level,
//     the limit dwells 8 clean rounds just below it before trying it again
//     (the plateau of TCP CUBIC), which keeps the refusals of a capacity
//     limit near one in a few hundred requests.
//   - Retry-After. A refusal with Retry-After stops every new request until
//     it has passed (capped by MaxPause): the server asked for it, and a
//     shared platform is not to be flooded. Since every such refusal costs
//     a pause, the limit then learns a ceiling: the requests the server
//     accepted in the refused round (a lone refusal: one below the limit
//     then; a round the pause cut short, before it had sent as many as the
//     limit allowed: the share it accepted of the limit). The limit stays
//     at or under the ceiling for Hold (20 s), then tries one more for 5 ×
//     the pause; if that holds the ceiling rises by one and the next try
//     comes sooner (two in a row and the ceiling goes), if not the try is
//     dropped and the next waits twice as long, up to MaxHold. A refusal
//     at or below the ceiling lowers it, unless it is a lone one after the
//     ceiling held for that long (chance, not capacity).
//
// Why not Netflix's Gradient2 or Vegas alone: both read only latency and
// treat every failure alike. Against a capacity or rate limit that refuses
// at once the latency never rises, and Vegas' queue estimate at 64 in
// flight takes a millisecond of noise for queueing. Why not plain AIMD:
// each refusal with Retry-After costs a pause of every request, so probing
// above the rate every few round trips, as AIMD does, would pause the run
// every second.
package pace
