package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

const benchMapping = `key: [snils]
fields:
  fio: ФИО
  birthday: Дата рождения
  gender: Пол
  snils: СНИЛС
  polis.number: Полис ОМС
  phone: Телефон
  regAddress: Адрес
  blood: Группа крови
  mcod: {value: "770001"}
`

var benchHeader = []any{"ФИО", "Дата рождения", "Пол", "СНИЛС", "Полис ОМС", "Телефон", "Адрес", "Группа крови"}

// benchRow makes a valid, distinct row i with correct check digits.
func benchRow(i int) []any {
	d9 := fmt.Sprintf("%09d", 2000000+i*7)
	s := 0
	for k := 0; k < 9; k++ {
		s += int(d9[k]-'0') * (9 - k)
	}
	snils := fmt.Sprintf("%s-%s-%s %02d", d9[:3], d9[3:6], d9[6:], (s%101)%100)
	p15 := fmt.Sprintf("77%013d", i)
	sum := 0
	for k := 0; k < 15; k++ {
		v := int(p15[14-k] - '0')
		if k%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	enp := fmt.Sprintf("%s%d", p15, (10-sum%10)%10)
	return []any{"Иванов Иван Иванович", fmt.Sprintf("%02d.%02d.19%02d", 1+i%28, 1+i%12, 30+i%70), []string{"М", "Ж"}[i%2], snils, enp,
		fmt.Sprintf("8 (912) %03d-%02d-%02d", i%1000, i%100, (i/100)%100), "г. Москва, ул. Ленина, д. 1", "A(II) Rh+"}
}

func writeBenchXLSX(b *testing.B, rows int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", benchHeader); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, benchRow(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

func writeBenchCSV(b *testing.B, rows int) string {
	b.Helper()
	var buf bytes.Buffer
	for i := -1; i < rows; i++ {
		cells := benchHeader
		if i >= 0 {
			cells = benchRow(i)
		}
		for j, c := range cells {
			if j > 0 {
				buf.WriteByte(';')
			}
			fmt.Fprint(&buf, c)
		}
		buf.WriteString("\r\n")
	}
	enc, err := charmap.Windows1251.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(path, enc, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchSource reads, maps and validates every row of path, b.N times, and
// reports rows/s and allocations per row.
func benchSource(b *testing.B, path string, rows int) {
	m, err := Parse("bench.yaml", []byte(benchMapping))
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		src, err := OpenSource(path, m, SourceOptions{})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			rec, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if rec.Invalid {
				b.Fatalf("row %d invalid: %q", rec.Line, rec.Messages)
			}
			got++
		}
		src.Close()
		if got != rows {
			b.Fatalf("%d rows, want %d", got, rows)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(rows * b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
}

const benchRows = 100_000

// go test -run='^$' -bench=Source -benchtime=1x ./mapping/
func BenchmarkSourceXLSX(b *testing.B) { benchSource(b, writeBenchXLSX(b, benchRows), benchRows) }
func BenchmarkSourceCSV(b *testing.B)  { benchSource(b, writeBenchCSV(b, benchRows), benchRows) }
