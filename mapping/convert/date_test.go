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
		got, warn, err := Date(c.Input, nil, false)
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
		in       string
		layouts  []string
		date1904 bool
		want     string // "" with errMsg == "" means absent
		errMsg   string // prefix of the error, "" for none
	}{
		{"", nil, false, "", ""},
		{" \u00a0\t", nil, false, "", ""},
		{"\u00a001.02.1990\u00a0", nil, false, "1990-02-01", ""},
		{"1.2.1990", nil, false, "1990-02-01", ""},
		{"01/02/1990", nil, false, "1990-02-01", ""}, // day first, as in Russian files
		{"01-02-1990", nil, false, "1990-02-01", ""},
		{"1990.02.01", nil, false, "1990-02-01", ""},
		{"1990/2/1", nil, false, "1990-02-01", ""},
		{"01.02.1990 0:00:00", nil, false, "1990-02-01", ""},
		{"01.02.1990 00:00", nil, false, "1990-02-01", ""},
		{"1990-02-01 00:00:00", nil, false, "1990-02-01", ""},
		{"1990-02-01 00:00:00.000", nil, false, "1990-02-01", ""},
		{"1990-02-01T00:00:00", nil, false, "1990-02-01", ""},
		{"1990-02-01T00:00:00Z", nil, false, "1990-02-01", ""},
		{"1990-02-01T03:00:00+03:00", nil, false, "1990-02-01", ""},
		{"2/1/1990 12:00:00 AM", nil, false, "1990-01-02", ""},
		{"01.02.1990 г.", nil, false, "1990-02-01", ""},
		{"01.02.1990г.", nil, false, "1990-02-01", ""},
		{"19900201", nil, false, "1990-02-01", ""},
		{"32905", nil, false, "1990-02-01", ""},
		{"32905.0", nil, false, "1990-02-01", ""},
		{"32905,75", nil, false, "1990-02-01", ""},
		{"31443", nil, true, "1990-02-01", ""}, // 1904 system: 1462 days less
		{"1", nil, false, "1900-01-01", ""},
		{"59", nil, false, "1900-02-28", ""},
		{"61", nil, false, "1900-03-01", ""},
		{"2958465", nil, false, "9999-12-31", ""},
		{"60", nil, false, "", "такой даты нет"},
		{"0", nil, false, "", "число вне диапазона"},
		{"2958466", nil, false, "", "число вне диапазона"},
		{"1990", nil, false, "", "указан только год"},
		{"01.02.90", nil, false, "", "год указан двумя цифрами"},
		{"1.2.90", nil, false, "", "год указан двумя цифрами"},
		{"31.02.1990", nil, false, "", "такой даты нет"},
		{"29.02.1900", nil, false, "", "такой даты нет"},
		{"29.02.2000", nil, false, "2000-02-29", ""},
		{"1.13.1990", nil, false, "", "такой даты нет"},
		{"00.01.1990", nil, false, "", "такой даты нет"},
		{"31.12.1899", nil, false, "", "год раньше 1900"},
		{"0001-01-01", nil, false, "", "год раньше 1900"},
		{"01.02-1990", nil, false, "", "не похоже на дату"},
		{"01..1990", nil, false, "", "не похоже на дату"},
		{"01.02.1990 утром", nil, false, "", "не похоже на дату"},
		{"1 февраля 1990", nil, false, "", "не похоже на дату"},
		{"01.02.1990.", nil, false, "", "не похоже на дату"},
		{"1.2.3.4", nil, false, "", "не похоже на дату"},
		{"дата", nil, false, "", "не похоже на дату"},
		{"02/01/1990", []string{"01/02/2006"}, false, "1990-02-01", ""}, // American order by layout
		{"01.02.1990", []string{"01/02/2006"}, false, "1990-02-01", ""}, // falls back to the built-in forms
		{"Feb 1 1990", []string{"Jan 2 2006"}, false, "1990-02-01", ""},
		{"01/02/1890", []string{"02/01/2006"}, false, "", "год раньше 1900"},
	}
	for _, tt := range tests {
		got, warn, err := Date(tt.in, tt.layouts, tt.date1904)
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
		last := excelSerialMax
		if date1904 {
			last -= 1462
		}
		if d, _, err := Date(strconv.Itoa(last+1), nil, date1904); err == nil {
			t.Errorf("serial %d (1904: %v) accepted as %v", last+1, date1904, d)
		}
		for serial := 1; serial <= last; serial += 997 {
			for _, s := range []int{serial, 59, 61, 1462, last} {
				text := strconv.Itoa(s)
				got, _, err := Date(text, nil, date1904)
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
		_, _, _ = Date("01.02.1990", nil, false)
	}
}
