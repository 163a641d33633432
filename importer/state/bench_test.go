//go:build unix

package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"mipimport/importer"
)

// unchangedNote is what the importer adds to an unchanged row.
const unchangedNote = "Без изменений: эти данные уже загружены в МИП, строка не отправлялась"

// realistic returns row i as МИП would answer it: random GUIDs, an
// 11-digit key (a СНИЛС), a 64-hex payload hash.
func realistic(i int) (importer.Result, string) {
	sum := sha256.Sum256([]byte(fmt.Sprint("payload", i)))
	return importer.Result{
		Row: i + 2, Key: fmt.Sprintf("%011d", 10000000000+int64(i)*7919), Outcome: importer.Uploaded,
		MkabStatus: "Uploaded", AttachmentStatus: "Uploaded",
		MkabGUID: uuid.NewString(), PersonGUID: uuid.NewString(), AttachmentGUID: uuid.NewString(),
		HTTPStatus: 200, Attempts: 1,
	}, hex.EncodeToString(sum[:])
}

// importRows records one run of n uploaded rows and returns their keys.
func importRows(b *testing.B, s *Store, n int) []string {
	b.Helper()
	r := begin(b, s, testTarget)
	keys := make([]string, n)
	for i := range n {
		res, h := realistic(i)
		keys[i] = res.Key
		if err := r.Save(res, mcod, h); err != nil {
			b.Fatal(err)
		}
	}
	finish(b, r)
	return keys
}

// BenchmarkKnown: one point lookup in a state of 100k keys.
func BenchmarkKnown(b *testing.B) {
	s := open(b, tempPath(b))
	keys := importRows(b, s, 100_000)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	r := begin(b, s, testTarget)
	i := 0
	var cpu time.Duration
	for b.Loop() {
		if i == 0 {
			cpu = cpuTime(b)
		}
		k, err := r.Known(mcod, keys[i%len(keys)])
		if err != nil || !k.Found {
			b.Fatal(k, err)
		}
		i++
	}
	b.ReportMetric(float64((cpuTime(b)-cpu).Nanoseconds())/float64(i), "cpu-ns/op")
}

// BenchmarkKnownMiss: a new key among 100,000 known ones (the key filter
// answers without a query).
func BenchmarkKnownMiss(b *testing.B) {
	s := open(b, tempPath(b))
	importRows(b, s, 100_000)
	r := begin(b, s, testTarget)
	i := 0
	for b.Loop() {
		k, err := r.Known(mcod, strconv.Itoa(i))
		if err != nil || k.Found {
			b.Fatal(k, err)
		}
		i++
	}
}

// BenchmarkSave: the cost per row of recording results, batching and the
// final commit included.
func BenchmarkSave(b *testing.B) {
	for _, mode := range []string{"uploaded", "unchanged", "uploaded-random-keys"} {
		outcome := importer.Outcome(strings.TrimSuffix(mode, "-random-keys"))
		b.Run(mode, func(b *testing.B) {
			s := open(b, tempPath(b))
			rows := make([]importer.Result, 4096)
			hashes := make([]string, len(rows))
			for i := range rows {
				rows[i], hashes[i] = realistic(i)
				if outcome == importer.Unchanged {
					rows[i].Outcome, rows[i].MkabStatus, rows[i].AttachmentStatus = importer.Unchanged, "", ""
					rows[i].HTTPStatus, rows[i].Attempts, rows[i].Messages = 0, 0, []string{unchangedNote}
					hashes[i] = ""
				}
			}
			r := begin(b, s, testTarget)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime(b)
			for i := range b.N {
				res := rows[i%len(rows)]
				res.Row, res.Key = i+2, fmt.Sprint("key-", i)
				if mode == "uploaded-random-keys" {
					// A clerk's file is sorted by name, not by key: every
					// insert lands somewhere else in the indexes.
					res.Key = fmt.Sprintf("%016d", (uint64(i)*0x9E3779B97F4A7C15)%1e16)
				}
				if err := r.Save(res, mcod, hashes[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
			}
			fin := time.Now()
			if err := r.Finish(importer.Summary{}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(fin).Milliseconds()), "finish-ms")
			b.ReportMetric(float64((cpuTime(b)-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkStateFileSize reports the size of the state file per 100k rows:
// after a first import of 100k patients, and what a nightly re-run of the
// same 100k rows (all unchanged) adds to it.
func BenchmarkStateFileSize(b *testing.B) {
	const rows = 100_000
	size := func(b *testing.B, path string) int64 {
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	for b.Loop() {
		path := tempPath(b)
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		importRows(b, s, rows)
		if err := s.Close(); err != nil { // checkpoints the WAL into the file
			b.Fatal(err)
		}
		first := size(b, path)

		s, err = Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		r := begin(b, s, testTarget)
		for i := range rows {
			res, _ := realistic(i)
			k, err := r.Known(mcod, res.Key)
			if err != nil || !k.Found {
				b.Fatal(k, err)
			}
			res.Outcome, res.MkabStatus, res.AttachmentStatus, res.HTTPStatus, res.Attempts = importer.Unchanged, "", "", 0, 0
			res.MkabGUID, res.PersonGUID, res.AttachmentGUID = k.MkabGUID, k.PersonGUID, k.AttachmentGUID
			res.Messages = []string{unchangedNote}
			if err := r.Save(res, mcod, ""); err != nil {
				b.Fatal(err)
			}
		}
		finish(b, r)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(first), "bytes/100k-rows")
		b.ReportMetric(float64(size(b, path)-first), "bytes/100k-unchanged-rerun")
	}
}
