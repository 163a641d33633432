package convert

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/mip"
)

func TestBirthDateVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.BirthDate {
		got, warn, err := Date(c.Input, nil, NoSerials)
		if c.Status == "excel_serial" {
			// A bare number is a date only where the mapping says the
			// column holds Excel serial numbers.
			if err == nil || !strings.HasPrefix(err.Error(), "в ячейке число "+c.Input+", а не дата") {
				t.Errorf("%q without excel_serial: got %v, %v; want «в ячейке число …, а не дата»", c.Input, got, err)
			}
			got, warn, err = Date(c.Input, nil, Serials1900)
		}
		switch c.Status {
		case "ok", "excel_serial":
			if err != nil || c.ISO == nil || got.String() != *c.ISO || warn != "" {
				t.Errorf("%q: got %v, %q, %v; want %v", c.Input, got, warn, err, c.ISO)
			}
		case "two_digit_year_rejected":
			if err != errDateTwoDigits {
				t.Errorf("%q: got %v, %v; want the two-digit-year error", c.Input, got, err)
			}
		case "invalid_calendar_date":
			if err == nil || !strings.HasPrefix(err.Error(), "такой даты нет") {
				t.Errorf("%q: got %v, %v; want «такой даты нет»", c.Input, got, err)
			}
		default:
			t.Errorf("%q: unknown status %q", c.Input, c.Status)
		}
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		in      string
		layouts []string
		serials Serials
		want    string // "" with errMsg == "" means absent
		errMsg  string // prefix of the error, "" for none
	}{
		{"", nil, NoSerials, "", ""},
		{" \u00a0\t", nil, NoSerials, "", ""},
		{"\u00a001.02.1990\u00a0", nil, NoSerials, "1990-02-01", ""},
		{"1.2.1990", nil, NoSerials, "1990-02-01", ""},
		{"01/02/1990", nil, NoSerials, "1990-02-01", ""}, // day first, as in Russian files
		{"01-02-1990", nil, NoSerials, "1990-02-01", ""},
		{"1990.02.01", nil, NoSerials, "1990-02-01", ""},
		{"1990/2/1", nil, NoSerials, "1990-02-01", ""},
		{"01.02.1990 0:00:00", nil, NoSerials, "1990-02-01", ""},
		{"01.02.1990 00:00", nil, NoSerials, "1990-02-01", ""},
		{"1990-02-01 00:00:00", nil, NoSerials, "1990-02-01", ""},
		{"1990-02-01 00:00:00.000", nil, NoSerials, "1990-02-01", ""},
		{"1990-02-01T00:00:00", nil, NoSerials, "1990-02-01", ""},
		{"1990-02-01T00:00:00Z", nil, NoSerials, "1990-02-01", ""},
		{"1990-02-01T03:00:00+03:00", nil, NoSerials, "1990-02-01", ""},
		{"2/1/1990 12:00:00 AM", nil, NoSerials, "1990-01-02", ""},
		{"01.02.1990 г.", nil, NoSerials, "1990-02-01", ""},
		{"01.02.1990г.", nil, NoSerials, "1990-02-01", ""},
		// A bare number is not a date unless the mapping says the column
		// holds Excel serial numbers (excel_serial: true).
		{"10385", nil, NoSerials, "", "в ячейке число 10385, а не дата — введите дату полностью (дд.мм.гггг)"},
		{"010385", nil, NoSerials, "", "в ячейке число 010385, а не дата"},
		{"41934", nil, NoSerials, "", "в ячейке число 41934, а не дата"},
		{"32905,75", nil, NoSerials, "", "в ячейке число 32905,75, а не дата"},
		{"19900201", nil, NoSerials, "", "в ячейке число 19900201, а не дата"},
		{"1990", nil, NoSerials, "", "в ячейке число 1990, а не дата"},
		{"12345678901234567890", nil, NoSerials, "", "в ячейке число 12345678901234567890, а не дата"},
		{"19900201", []string{"20060102"}, NoSerials, "1990-02-01", ""}, // compact, by layout
		{"32905", nil, Serials1900, "1990-02-01", ""},
		{"32905.0", nil, Serials1900, "1990-02-01", ""},
		{"32905,75", nil, Serials1900, "1990-02-01", ""},
		{"31443", nil, Serials1904, "1990-02-01", ""}, // 1904 system: 1462 days less
		{"1", nil, Serials1900, "1900-01-01", ""},
		{"59", nil, Serials1900, "1900-02-28", ""},
		{"61", nil, Serials1900, "1900-03-01", ""},
		{"2958465", nil, Serials1900, "9999-12-31", ""},
		{"60", nil, Serials1900, "", "такой даты нет"},
		{"0", nil, Serials1900, "", "число вне диапазона"},
		{"2958466", nil, Serials1900, "", "число вне диапазона"},
		{"19900201", nil, Serials1900, "", "число вне диапазона"},
		{"1990", nil, Serials1900, "", "указан только год"},
		{"01.02.1990", nil, Serials1900, "1990-02-01", ""}, // text dates read as ever
		{"01.02.90", nil, NoSerials, "", "год указан двумя цифрами"},
		{"1.2.90", nil, NoSerials, "", "год указан двумя цифрами"},
		{"31.02.1990", nil, NoSerials, "", "такой даты нет"},
		{"29.02.1900", nil, NoSerials, "", "такой даты нет"},
		{"29.02.2000", nil, NoSerials, "2000-02-29", ""},
		{"1.13.1990", nil, NoSerials, "", "такой даты нет"},
		{"00.01.1990", nil, NoSerials, "", "такой даты нет"},
		{"31.12.1899", nil, NoSerials, "", "год раньше 1900"},
		{"0001-01-01", nil, NoSerials, "", "год раньше 1900"},
		{"01.02-1990", nil, NoSerials, "", "не похоже на дату"},
		{"01..1990", nil, NoSerials, "", "не похоже на дату"},
		{"01.02.1990 утром", nil, NoSerials, "", "не похоже на дату"},
		{"1 февраля 1990", nil, NoSerials, "", "не похоже на дату"},
		{"01.02.1990.", nil, NoSerials, "", "не похоже на дату"},
		{"1.2.3.4", nil, NoSerials, "", "не похоже на дату"},
		{"дата", nil, NoSerials, "", "не похоже на дату"},
		{"02/01/1990", []string{"01/02/2006"}, NoSerials, "1990-02-01", ""}, // American order by layout
		{"01.02.1990", []string{"01/02/2006"}, NoSerials, "1990-02-01", ""}, // falls back to the built-in forms
		{"Feb 1 1990", []string{"Jan 2 2006"}, NoSerials, "1990-02-01", ""},
		{"01/02/1890", []string{"02/01/2006"}, NoSerials, "", "год раньше 1900"},
	}
	for _, tt := range tests {
		got, warn, err := Date(tt.in, tt.layouts, tt.serials)
		if tt.errMsg != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.errMsg) {
				t.Errorf("Date(%q) = %v, %v; want error %q", tt.in, got, err, tt.errMsg)
			}
			continue
		}
		if err != nil || got.String() != tt.want || warn != "" {
			t.Errorf("Date(%q, %v) = %v, %q, %v; want %s", tt.in, tt.layouts, got, warn, err, tt.want)
		}
	}
}

// TestDateSerialMatchesExcelize sweeps serial numbers and compares
// with excelize, which the xlsx reader uses for formatted date cells.
func TestDateSerialMatchesExcelize(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		last, serials := excelSerialMax, Serials1900
		if date1904 {
			last, serials = last-1462, Serials1904
		}
		if d, _, err := Date(strconv.Itoa(last+1), nil, serials); err == nil {
			t.Errorf("serial %d (1904: %v) accepted as %v", last+1, date1904, d)
		}
		for serial := 1; serial <= last; serial += 997 {
			for _, s := range []int{serial, 59, 61, 1462, last} {
				text := strconv.Itoa(s)
				got, _, err := Date(text, nil, serials)
				if len(text) == 4 && s >= 1900 && s <= 2100 {
					continue // a bare year is rejected on purpose
				}
				tm, xerr := excelize.ExcelDateToTime(float64(s), date1904)
				if xerr != nil {
					t.Fatal(xerr)
				}
				want := mip.DateOf(tm)
				if err != nil || got != want {
					t.Fatalf("serial %d (1904: %v): got %v, %v; excelize %v", s, date1904, got, err, want)
				}
			}
		}
	}
}

func TestNotFuture(t *testing.T) {
	today := mip.Date{Year: 2024, Month: time.May, Day: 10}
	tests := []struct {
		d   mip.Date
		err bool
	}{
		{mip.Date{}, false},
		{mip.Date{Year: 2024, Month: time.May, Day: 10}, false},
		{mip.Date{Year: 2024, Month: time.May, Day: 9}, false},
		{mip.Date{Year: 2024, Month: time.May, Day: 11}, true},
		{mip.Date{Year: 2025, Month: time.January, Day: 1}, true},
	}
	for _, tt := range tests {
		err := NotFuture(tt.d, today)
		if (err != nil) != tt.err {
			t.Errorf("NotFuture(%v) = %v, want error %v", tt.d, err, tt.err)
		}
	}
	if err := NotFuture(mip.Date{Year: 2024, Month: time.May, Day: 11}, today); err == nil || err.Error() != "дата в будущем" {
		t.Errorf("message: %v", err)
	}
}

func BenchmarkDate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Date("01.02.1990", nil, NoSerials)
	}
}
