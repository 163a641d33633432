// Package mipmock is a local stand-in for МИП's POST /patients API: an
// http.Handler that tests start in-process (like net/http/httptest) and that
// cmd/mipmock serves for demos and benchmarks. It keeps everything in memory.
//
//	srv := httptest.NewServer(mipmock.New(mipmock.Config{User: "demo", Password: "demo"}))
//	defer srv.Close()
//	// POST srv.URL+"/patients" ...
//
// # Endpoints
//
// POST {base}/patients takes one mip.Patient as JSON and answers HTTP 200
// with the answer keys in PascalCase, exactly as the API page's example:
//
//	{"MkabStatus":"Uploaded","AttachmentStatus":"None","PersonGuid":"…",
//	 "MkabGuid":"…","AttachmentGuid":"","ValidationMessage":[]}
//
// Any path that ends in /patients is served, so a base prefix such as
// /api/patients works. ValidationMessage is always an array; a GUID that was
// not given out is "". Other answers:
//
//   - 405 (with Allow: POST) for another method;
//   - 401 with WWW-Authenticate when Basic auth is missing or wrong (the
//     login and password are compared in constant time); nothing else is
//     done for such a request, and it is never faulted;
//   - 413 for a body over MaxBodyBytes, 400 with a short text for a body
//     that is not a JSON Patient;
//   - 503 and 429 (with Retry-After) injected by Config.Rate5xx and
//     Config.Rate429, before anything is stored;
//   - 503 (without Retry-After) and 429 (with Retry-After) from the load
//     limits, at once (see below);
//   - no answer at all (the connection is closed) for a share
//     Config.RateDrop of the requests, drawn after the card was stored.
//
// Inspection, without auth and not counted in Stats.Requests (they also work
// under a base prefix):
//
//   - GET  /_mock/stats  → Stats as JSON;
//   - GET  /_mock/cards  → JSON array of Card, sorted by GUID;
//   - POST /_mock/reset  → forget every card, person and counter (204).
//
// # Order of work for one POST /patients
//
// Method check, Basic auth, the load limits (see below), body read and
// decode, then the request counts as in flight for its guid (see Stats.SameGUIDOverlaps), then the latency
// (Config.Latency plus a uniform 0..Jitter, counted from arrival, slept
// without any lock and cut short when the client goes away; timed on Linux by
// a timerfd, which ends it within tens of microseconds where Go's timers end
// it up to a millisecond late; Stats.MeanLateMicros says how true it was),
// then 400/413 for a bad body, then the 503
// and 429 draws, then validation and storage, then the drop draw. Faults are
// drawn from one math/rand/v2 source seeded by Config.Seed, so a sequential
// run with a fixed seed is reproducible.
//
// # Load limits
//
// Where the injected faults strike at random, these answer the load, as a
// real МИП behind a gateway does; they are what an adaptive client has to
// find (mipimport --concurrency auto). Each is off unless set:
//
//   - Capacity N: at most N requests served at a time; one more is
//     answered 503 at once, without Retry-After (Stats.Refused503).
//   - RateLimit R: at most R requests a second, as a token bucket of
//     RateBurst tokens (default: R rounded up, a second's worth); one more
//     is answered 429 at once, with Retry-After the time until the next
//     token in whole seconds rounded up, so at least 1 (Stats.Refused429).
//     A reset fills the bucket again.
//   - LatencyPerRequest D with LatencyKnee K: the latency of a request
//     grows by D for each request being served (itself included) beyond
//     K, counted when it arrives: Latency + D × max(0, served − K). With
//     K = 0 it grows from the first request; with D = Latency/K it is a
//     server of K workers whose requests queue beyond K, whose throughput
//     no concurrency above K improves.
//
// Refused requests are not served: they take no capacity and no token,
// read no body and store nothing. Unauthorized requests are refused 401
// before the limits and never count against them.
//
// # Validation (mkabStatus NotValid)
//
// One Russian message per problem, naming the field as the API page does,
// e.g. "Не заполнено обязательное поле Family (Фамилия)". Required: family,
// name, patronymic, birthday, polis with a non-empty number, mcod, phone
// (blank or spaces count as missing). Also invalid: a guid that is not a
// GUID, a birthday in the future, a gender other than 1 or 2, a polis of
// type code 3 (single-format, ЕНП) whose number is not exactly 16 digits.
// A NotValid card is not stored; attachmentStatus is None and the GUIDs are
// empty. Check digits (СНИЛС, ЕНП) are not verified: the API page's own
// example fails them.
//
// # Create, update, Error
//
// No guid: a card is created with a new random GUID. A guid that no card has:
// the card is created with exactly that GUID (in canonical lower-case form).
// A guid that a card has: when the request is the same person as the stored
// card, the stored patient is replaced (an update); otherwise the answer is
// mkabStatus Error, "Карта с guid … принадлежит другому пациенту (ФИО, дата
// рождения и документы не совпадают)", and nothing is stored.
//
// Same person: the two records are the same person when any strong
// identifier matches — СНИЛС (digits only), polis number (spaces removed,
// upper case), identity document series+number (spaces removed, upper case) —
// each compared only when both records have it; failing that, when family,
// name and birthday all match after folding case, ё→е and runs of spaces. So a
// surname change after marriage with the same polis is an update, and a
// completely different patient is an Error. An identifier made only of zeros
// (the API page's placeholder "000-000-000 00") counts as absent.
//
// # Persons
//
// A person (personGuid) is found by СНИЛС or polis number. Creating a card
// for a person who already has one reuses that person's personGuid and counts
// Stats.DuplicatePersons: the "no card created twice" check for importers.
// An update keeps the card's personGuid and adds any new СНИЛС or polis
// number to that person.
//
// # Attachment (attachmentStatus)
//
//   - None: no attachment sent, or the card was not stored.
//   - NotValid: attachment.mcod missing, attachment.date missing or in the
//     future, attachment.method other than 1 or 2. The card is still stored.
//   - Error: the person already has an attachment, uploaded by an earlier
//     request, to a different attachment mcod whose date is less than 365
//     days from this one ("Прикрепление к другой МО чаще одного раза в год").
//     The card is still stored.
//   - Uploaded: with an attachmentGuid that is stable per card (updates of
//     the card get the same one back).
//
// # Concurrency
//
// State lives in maps behind one mutex that is held only for the map work,
// never while sleeping. The package has no package-level mutable state; each
// Server is independent.
package mipmock
