package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// textXMLRef is textXML's definition: a value that may grow when escaped
// counts six times its length.
func textXMLRef(v string) int64 {
	if strings.ContainsAny(v, "&<>\"'_\x7f\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f"+
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f") || !utf8.ValidString(v) {
		return 6 * int64(len(v))
	}
	return int64(len(v))
}

func TestTextXML(t *testing.T) {
	for _, v := range []string{
		"", "Иванов", "12345678901", "ООО \"Ромашка\"", "a&b", "Иванов<", "x_x0041_", "tab\there",
		"line\nbreak", "\x7f", "bad \xff byte", "Ив\xd0", "ё_", "Петров Пётр", "\x00", "a'b", ">",
	} {
		if got, want := textXML(v), textXMLRef(v); got != want {
			t.Errorf("textXML(%q) = %d, want %d", v, got, want)
		}
	}
}

func FuzzTextXML(f *testing.F) {
	f.Add("Иванов & Ко")
	f.Add("bad \xff")
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := textXML(v), textXMLRef(v); got != want {
			t.Errorf("textXML(%q) = %d, want %d", v, got, want)
		}
	})
}

// BenchmarkTextXML: one row's worth of typical values.
func BenchmarkTextXML(b *testing.B) {
	row := []string{"Иванова", "Мария", "Петровна", "1980-01-31", "123-456-789 64", "7700000000000024",
		"+79161234567", "г. Москва, ул. Ленина, д. 1, кв. 2", "Загружено", "Uploaded", "c180af82-b7bb-477c-a6de-e1625b49a21f"}
	for _, impl := range []struct {
		name string
		fn   func(string) int64
	}{{"table", textXML}, {"ContainsAny", textXMLRef}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				for _, v := range row {
					impl.fn(v)
				}
			}
		})
	}
}
