package convert

import "testing"

func TestPhoneVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Phone {
		for _, format := range []string{"", "+7", "8"} {
			got, warn, err := Phone(c.Input, format, Cell{})
			want := ""
			if c.E164 != nil {
				want = *c.E164
				if format == "8" && c.Status != "foreign_kept" {
					want = "8" + want[2:]
				}
			}
			switch c.Status {
			case "ok":
				if err != nil || got != want || warn != "" {
					t.Errorf("%q (%q): got %q, %q, %v; want %q", c.Input, format, got, warn, err, want)
				}
			case "unparseable":
				if err == nil {
					t.Errorf("%q (%q): got %q; want an error", c.Input, format, got)
				}
			case "foreign_kept":
				if err != nil || got != want || warn != warnPhoneForeign {
					t.Errorf("%q (%q): got %q, %q, %v; want %q with a warning", c.Input, format, got, warn, err, want)
				}
			case "multiple_first_taken":
				if err != nil || got != want || warn != warnPhoneMultiple {
					t.Errorf("%q (%q): got %q, %q, %v; want %q with a warning", c.Input, format, got, warn, err, want)
				}
			case "empty":
				if err != nil || got != "" || warn != "" {
					t.Errorf("%q (%q): got %q, %q, %v; want absent", c.Input, format, got, warn, err)
				}
			default:
				t.Errorf("%q: unknown status %q", c.Input, c.Status)
			}
		}
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		in, format, want, warn string
		err                    bool
	}{
		{"\u00a08\u00a0(912)\u00a0345\u201367\u201389\u00a0", "", "+79123456789", "", false},
		{"89123456789", "8", "89123456789", "", false},
		{"+7 912 345 67 89", "8", "89123456789", "", false},
		{"89123456789.0", "", "+79123456789", "", false},
		{"9.123456789E+9", "", "+79123456789", "", false},
		{"8,9123456789E+10", "", "+79123456789", "", false},
		{"тел. 8 912 345-67-89", "", "+79123456789", "", false},
		{"моб.: +7(912)345-67-89", "", "+79123456789", "", false},
		{"(+7) 912 345 67 89", "", "+79123456789", "", false},
		{"8.912.345.67.89", "", "+79123456789", "", false},
		{"8 912 345 67 89 доб. 123", "", "+79123456789", warnPhoneTail, false},
		{"8 912 345 67 89 или 8 999 777 66 55", "", "+79123456789", warnPhoneTail, false},
		{"8 912 345 67 89 (моб)", "", "+79123456789", "", false},
		{"8(912)345-67-89; 8(999)777-66-55", "8", "89123456789", warnPhoneMultiple, false},
		{"8(912)345-67-89/90", "", "+79123456789", warnPhoneMultiple, false},
		{"12-34-56, 8 912 345 67 89", "", "+79123456789", warnPhoneMultiple, false},
		{"8 912 345 67 89\n8 999 777 66 55", "", "+79123456789", warnPhoneMultiple, false},
		{", 89123456789", "", "+79123456789", "", false},
		{"+375 29 123-45-67", "8", "+375291234567", warnPhoneForeign, false},
		{"8 10 375 29 123 45 67", "", "+375291234567", warnPhoneForeign, false},
		{"00 375 29 123 45 67", "", "+375291234567", warnPhoneForeign, false},
		{"0079123456789", "", "+79123456789", "", false},
		{"+89123456789", "", "+79123456789", warnPhonePlus8, false},
		{"+7 912 345 67 8", "", "", "", true},
		{"+7 912 345 67 899", "", "", "", true},
		{"0123456789", "", "", "", true},
		{"80123456789", "", "", "", true},
		{"1234567", "", "", "", true},
		{"12345", "", "", "", true},
		{"123", "", "", "", true},
		{"69123456789", "", "", "", true},
		{"8912345678989997776655", "", "", "", true},
		{"нет", "", "", "", true},
		{"+", "", "", "", true},
		{"+0 123 456 789", "", "", "", true},
		{"9,12346E+9", "", "", "", true}, // a number shown in exponent form: digits lost
		{"8,91235E+10", "", "", "", true},
	}
	for _, tt := range tests {
		got, warn, err := Phone(tt.in, tt.format, Cell{})
		if (err != nil) != tt.err || got != tt.want || warn != tt.warn {
			t.Errorf("Phone(%q, %q) = %q, %q, %v; want %q, %q, error %v",
				tt.in, tt.format, got, warn, err, tt.want, tt.warn, tt.err)
		}
	}
}

func TestPhoneExponentForms(t *testing.T) {
	_, _, err := Phone("9,12346E+9", "", Cell{})
	if err == nil || err.Error() != "в ячейке число в экспоненциальной записи 9,12346E+9 — значащих цифр в нём 6, а в номере телефона их 10: остальные цифры потеряны, восстановить их нельзя — введите номер телефона полностью, например 8 (912) 345-67-89" {
		t.Errorf("err = %v", err)
	}
	// A number cell's value loses nothing, whatever its notation.
	if got, _, err := Phone("9.12346E+9", "", Cell{Number: true}); err != nil || got != "+79123460000" {
		t.Errorf("number cell: %q, %v", got, err)
	}
}

func BenchmarkPhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Phone("8 (912) 345-67-89", "", Cell{})
	}
}
