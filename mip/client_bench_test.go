//go:build unix

package mip_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mipimport/mip"
	"mipimport/mip/mipmock"
)

// BenchmarkClientLoop keeps MIPIMPORT_BENCH_CONC (default 64) requests in
// flight through one Client, each a new card, with nothing else around: no
// file, no mapping, no reports. It is the HTTP client's own ceiling, which
// samples/load/run.sh sets between the import's rate and wrk's. It sends to
// MIPIMPORT_BENCH_URL (MIP_USER, MIP_PASSWORD; MIPIMPORT_BENCH_LATENCY
// names that server's latency for the ratio), else to an in-process
// mipmock with MIPIMPORT_BENCH_LATENCY, over TLS when MIPIMPORT_BENCH_TLS
// is set.
//
//	MIPIMPORT_BENCH_LATENCY=20ms go test -run='^$' -bench=ClientLoop -benchtime=10s ./mip/
func BenchmarkClientLoop(b *testing.B) {
	conc := 64
	if v, err := strconv.Atoi(os.Getenv("MIPIMPORT_BENCH_CONC")); err == nil && v > 0 {
		conc = v
	}
	latency, _ := time.ParseDuration(os.Getenv("MIPIMPORT_BENCH_LATENCY"))
	url, user, pass := os.Getenv("MIPIMPORT_BENCH_URL"), os.Getenv("MIP_USER"), os.Getenv("MIP_PASSWORD")
	var roots *x509.CertPool
	if url == "" {
		user, pass = "u", "p"
		srv := httptest.NewUnstartedServer(mipmock.New(mipmock.Config{User: user, Password: pass, Latency: latency}))
		if os.Getenv("MIPIMPORT_BENCH_TLS") != "" {
			srv.StartTLS()
			roots = x509.NewCertPool()
			roots.AddCert(srv.Certificate())
		} else {
			srv.Start()
		}
		defer srv.Close()
		url = srv.URL
	}
	c, err := mip.NewClient(mip.Config{BaseURL: url, User: user, Password: pass, Concurrency: conc, RootCAs: roots})
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	yes := true
	b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			p := &mip.Patient{
				GUID: fmt.Sprintf("4a57967a-5f96-5cb5-825c-%012x", n), Family: "Петров", Name: "Никита", Patronymic: "Александрович",
				Birthday: mip.Date{Year: 1995, Month: 3, Day: 2},
				Polis:    &mip.Polis{Type: &mip.CodeName{Code: "3", Name: "Полис ОМС единого образца"}, Number: fmt.Sprintf("51%014d", n)},
				Mcod:     "770001", Phone: "+79024878987", Gender: 1,
				RegAddress: "г. Москва, ул. Мира, д. 41, кв. 83", IsWorker: &yes, BloodType: 4, RH: &yes,
				Attachment: &mip.Attachment{Mcod: "770001", District: &mip.District{Code: "10"}, Method: 1, Date: mip.Date{Year: 2023, Month: 10, Day: 25}},
			}
			r, err := c.Send(context.Background(), p)
			if err != nil || r.Answer.MkabStatus != mip.MkabUploaded {
				b.Errorf("row %d: %v %+v", n, err, r.Answer)
				return
			}
		}
	})
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "req/s")
	// The process's CPU per request: the client's own when MIPIMPORT_BENCH_URL
	// names a server in another process, client and server otherwise.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/req")
	if latency > 0 {
		b.ReportMetric(rate*latency.Seconds()/float64(conc), "ratio-to-C/L")
	}
}

// processCPU is the user and system time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
