package reader

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzCSVReader feeds arbitrary bytes through encoding and delimiter
// detection and the record reader: it must never panic, every row it
// returns has a line number that does not go backwards, and errors name
// the file.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("Фамилия;Имя\r\nИванов;Иван\r\n"))
	f.Add([]byte("\xef\xbb\xbfa,b\n\"x\ny\",2\n"))
	f.Add([]byte("\xd4\xe0\xec\xe8\xeb\xe8\xff;\xc8\xec\xff\r\n")) // Windows-1251
	f.Add([]byte("a\tb\n1\t2\t3\n\"unterminated"))
	f.Add([]byte{0, 1, 2, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := newCSVTable("fuzz.csv", bytes.NewReader(data), ReadOptions{})
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.File != "fuzz.csv" {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		last := 0
		for i := 0; i < 10000; i++ {
			line, _, err := tb.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var re *ReadError
				if !errors.As(err, &re) || re.File != "fuzz.csv" {
					t.Fatalf("error without the file name: %v", err)
				}
				continue // csv.Reader goes on after a parse error
			}
			if line < last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
		}
	})
}
