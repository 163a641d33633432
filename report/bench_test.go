package report

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"mipimport/importer"
)

// benchResults is a cycle of realistic rows: 12 input columns, GUIDs, and
// a message on the rows that failed.
func benchResults(n int) ([]string, []importer.Result) {
	header := []string{"Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Полис",
		"Серия паспорта", "Номер паспорта", "Телефон", "Код МО", "Адрес"}
	rs := make([]importer.Result, n)
	outcomes := importer.Outcomes
	for i := range rs {
		row := strconv.Itoa(i + 2)
		rs[i] = importer.Result{
			Row: i + 2, Key: "0012345" + row, Outcome: outcomes[i%len(outcomes)],
			MkabStatus: "Uploaded", AttachmentStatus: "None",
			PersonGUID: "0b6f1c1e-0000-4000-8000-0000000" + fmt.Sprintf("%05d", i%100000),
			MkabGUID:   "1c7f2d2f-0000-4000-8000-0000000" + fmt.Sprintf("%05d", i%100000),
			HTTPStatus: 200, Attempts: 1,
			Cells: []string{"Иванов", "Иван", "Иванович", "01.02.1980", "М", "001234567" + row[len(row)-1:],
				"0012345678901234", "4510", "12345" + row[len(row)-1:], "+79001234567", "5003", "г. Москва, ул. Ленина, д. 1, кв. " + row},
		}
		if !rs[i].Outcome.OK() {
			rs[i].Messages = []string{"СНИЛС: неверное контрольное число", "Полис: не найден в ФОМС"}
		}
	}
	return header, rs
}

const benchRows = 100_000

// BenchmarkXLSXWrite writes and saves a 100k-row report (12 input columns)
// per iteration.
func BenchmarkXLSXWrite(b *testing.B) {
	header, rs := benchResults(benchRows)
	dir := b.TempDir()
	path := filepath.Join(dir, "r.xlsx")
	meta := Meta{Input: "in.xlsx", URL: "http://127.0.0.1:8080", Concurrency: 8}
	s := importer.Summary{Counts: map[importer.Outcome]int{importer.Uploaded: benchRows}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		x, err := NewXLSX(path, header, meta)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if err := x.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := x.Close(s); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	rows := float64(n * benchRows)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/benchRows, "file-B/row")
	}
}

// BenchmarkJSONLWrite writes one row per iteration, flushed as in a run.
func BenchmarkJSONLWrite(b *testing.B) {
	_, rs := benchResults(1024)
	j, err := NewJSONL(filepath.Join(b.TempDir(), "r.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := j.Write(rs[i%len(rs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkJSONLWriteNoFlush is BenchmarkJSONLWrite without the flush
// after every row (the 32 KiB buffer is written when full): the difference
// is what the per-row flush costs, one write(2) per row.
func BenchmarkJSONLWriteNoFlush(b *testing.B) {
	_, rs := benchResults(1024)
	j, err := NewJSONL(filepath.Join(b.TempDir(), "r.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := rs[i%len(rs)]
		j.line = jsonLine{Row: r.Row, Key: r.Key, Outcome: string(r.Outcome), MkabStatus: r.MkabStatus,
			AttachmentStatus: r.AttachmentStatus, PersonGUID: r.PersonGUID, MkabGUID: r.MkabGUID,
			AttachmentGUID: r.AttachmentGUID, Messages: r.Messages, HTTPStatus: r.HTTPStatus, Attempts: r.Attempts}
		if err := j.enc.Encode(&j.line); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "rows/s")
}
