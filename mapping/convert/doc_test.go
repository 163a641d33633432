package convert

import (
	"strconv"
	"strings"
	"testing"
)

func TestNormalizePassport(t *testing.T) {
	tests := []struct {
		series, number       string
		wantSer, wantNum, wn string
		err                  error
	}{
		{"", "", "", "", "", nil},
		{"4506", "123456", "45 06", "123456", "", nil},
		{"45 06", "123456", "45 06", "123456", "", nil},
		{"45\u00a006", "\u00a0123456\u00a0", "45 06", "123456", "", nil},
		{"45-06", "123456", "45 06", "123456", "", nil},
		{"45–06", "№ 123456", "45 06", "123456", "", nil},
		{"4506.0", "123456.0", "45 06", "123456", "", nil},
		{"", "4506 123456", "45 06", "123456", "", nil},
		{"", "45 06 123456", "45 06", "123456", "", nil},
		{"", "4506123456", "45 06", "123456", "", nil},
		{"", "45-06 №123456", "45 06", "123456", "", nil},
		{"", "4506 N 123456", "45 06", "123456", "", nil},
		{"4506 123456", "", "45 06", "123456", "", nil},
		{"4506", "4506 123456", "45 06", "123456", "", nil}, // the number repeats the series
		{"", "106123456", "01 06", "123456", warnPassportPadded, nil},
		{"", "106123456.0", "01 06", "123456", warnPassportPadded, nil},
		{"106", "123456", "01 06", "123456", warnPassportPadded, nil},
		{"4506", "12345", "45 06", "012345", warnPassportPadded, nil},
		{"4506", "1234567", "45 06", "1234567", warnPassportSeven, nil},
		{"", "1 06 123456", "", "", "", errPassportDigits}, // typed with spaces: not a damaged number
		{"45 0", "123456", "", "", "", errPassportDigits},
		{"4506", "1234", "", "", "", errPassportDigits},
		{"", "45061234567", "", "", "", errPassportDigits},
		{"", "4506 12345", "", "", "", errPassportDigits},
		{"IV-АГ", "123456", "", "", "", errPassportLetters},
		{"4506", "12345б", "", "", "", errPassportLetters},
		{"4506", "123/456", "", "", "", errPassportDigits},
	}
	for _, tt := range tests {
		for _, code := range []string{"14", " 14.0 "} {
			s, n, w, err := Document(code, tt.series, tt.number, Cell{}, Cell{})
			if s != tt.wantSer || n != tt.wantNum || w != tt.wn || err != tt.err {
				t.Errorf("Document(%q, %q, %q) = %q, %q, %q, %v; want %q, %q, %q, %v",
					code, tt.series, tt.number, s, n, w, err, tt.wantSer, tt.wantNum, tt.wn, tt.err)
			}
		}
	}
}

// TestPassportFromNumbers: a number cell's value is a number whatever its
// notation, and may have lost a leading zero; text shown in exponent form
// that writes fewer than the passport's 10 digits lost the others.
func TestPassportFromNumbers(t *testing.T) {
	num := Cell{Number: true}
	for _, tt := range []struct {
		series, number string
		sc, nc         Cell
		ser, n, warn   string
		err            string
	}{
		{"", "1.06123456E+8", Cell{}, num, "01 06", "123456", warnPassportPadded, ""},
		{"", "4506123456", Cell{}, num, "45 06", "123456", "", ""},
		{"106", "123456", num, num, "01 06", "123456", warnPassportPadded, ""},
		{"", "1.06123456E+8", Cell{}, Cell{}, "", "", "", "в ячейке число в экспоненциальной записи 1.06123456E+8 — значащих цифр в нём 9, а в серии и номере паспорта их 10"},
		{"", "4,50612E+9", Cell{}, Cell{}, "", "", "", "в ячейке число в экспоненциальной записи 4,50612E+9"},
		{"4506", "1,23456E+5", Cell{}, Cell{}, "45 06", "123456", "", ""}, // all six digits written
		{"4506", "1,2345E+5", Cell{}, Cell{}, "", "", "", "в ячейке число в экспоненциальной записи 1,2345E+5"},
		{"", "45 06 123456", Cell{}, num, "", "", "", "серия и номер паспорта должны содержать 10 цифр"}, // a number cell holds a number
	} {
		s, n, w, err := Document("14", tt.series, tt.number, tt.sc, tt.nc)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%q %q: %q %q %v; want error %q", tt.series, tt.number, s, n, err, tt.err)
			}
			continue
		}
		if err != nil || s != tt.ser || n != tt.n || w != tt.warn {
			t.Errorf("%q %q: %q %q %q %v; want %q %q %q", tt.series, tt.number, s, n, w, err, tt.ser, tt.n, tt.warn)
		}
	}
}

func TestNormalizeBirthCertificate(t *testing.T) {
	tests := []struct {
		series, number       string
		wantSer, wantNum, wn string
	}{
		{"IV-АГ", "123456", "IV-АГ", "123456", ""},
		{"iv-аг", "123456", "IV-АГ", "123456", ""},
		{"IV АГ", "123456", "IV-АГ", "123456", ""},
		{"IVАГ", "123456", "IV-АГ", "123456", ""},
		{"1У-АГ", "123456", "IV-АГ", "123456", ""},   // Cyrillic У for V, digit 1 for I
		{"ХII-ЛО", "123456", "XII-ЛО", "123456", ""}, // Cyrillic Х
		{"XII-ЛO", "123456", "XII-ЛО", "123456", ""}, // Latin O in the letters
		{"IV-AK", "123456", "IV-АК", "123456", ""},   // Latin look-alikes
		{"ЛХ–ВС", "123456", "LX-ВС", "123456", ""},   // en dash; Cyrillic Л Х in the numeral
		{"IV\u00a0-\u00a0АГ", "№ 123456", "IV-АГ", "123456", ""},
		{"", "IV-АГ № 123456", "IV-АГ", "123456", ""},
		{"", "IV-АГ123456", "IV-АГ", "123456", ""},
		{"IV-АГ 123456", "", "IV-АГ", "123456", ""},
		{"IV-АГ", "12345", "IV-АГ", "012345", warnBirthNumberPadded},
		{"IV-АГ", "12345.0", "IV-АГ", "012345", warnBirthNumberPadded},
		{"IIII-АГ", "123456", "IIII-АГ", "123456", warnBirthSeries}, // not a canonical numeral
		{"IV-АГД", "123456", "IV-АГД", "123456", warnBirthSeries},   // three letters
		{"IV-A1", "123456", "IV-A1", "123456", warnBirthSeries},     // digit in the letters
		{"АГ", "123456", "АГ", "123456", warnBirthSeries},           // no numeral
		{"IV-QW", "123456", "IV-QW", "123456", warnBirthSeries},     // Latin letters with no look-alike
		{"IV-АГ", "1234", "IV-АГ", "1234", warnBirthNumber},         // typed 4 digits
		{"IV-АГ", "1 2345", "IV-АГ", "1 2345", warnBirthNumber},     // typed with a space: no padding
		{"IV-АГ", "12345а", "IV-АГ", "12345а", warnBirthNumber},
		{"", "123456", "", "123456", ""},
		{"IV-АГ", "", "IV-АГ", "", ""},
		{"  ", " ", "", "", ""},
		{"IV-АГ", "1234567", "IV-АГ", "1234567", warnBirthNumber},
		{"IIII АГ", "12", "IIII АГ", "12", warnBirthSeries + "; " + warnBirthNumber},
	}
	for _, tt := range tests {
		s, n, w, err := Document("3", tt.series, tt.number, Cell{}, Cell{})
		if err != nil || s != tt.wantSer || n != tt.wantNum || w != tt.wn {
			t.Errorf("Document(3, %q, %q) = %q, %q, %q, %v; want %q, %q, %q",
				tt.series, tt.number, s, n, w, err, tt.wantSer, tt.wantNum, tt.wn)
		}
	}
}

func TestNormalizeOtherDocuments(t *testing.T) {
	tests := []struct {
		code, series, number string
		wantSer, wantNum, wn string
	}{
		{"9", " AB\u00a0 12 ", " 1234567 ", "AB 12", "1234567", ""},
		{"9", "", "1234567.0", "", "1234567", ""},
		{"9", "", "1.234567E+6", "", "1234567", ""}, // every digit written
		{"21", "", "N 123", "", "N 123", ""},
		{"", "45 06", "123456", "45 06", "123456", ""},
		{"99", "x", "y", "x", "y", ""},
	}
	for _, tt := range tests {
		s, n, w, err := Document(tt.code, tt.series, tt.number, Cell{}, Cell{})
		if err != nil || s != tt.wantSer || n != tt.wantNum || w != tt.wn {
			t.Errorf("Document(%q, %q, %q) = %q, %q, %q, %v; want %q, %q, %q",
				tt.code, tt.series, tt.number, s, n, w, err, tt.wantSer, tt.wantNum, tt.wn)
		}
	}
}

func TestOtherDocumentExponentLostDigits(t *testing.T) {
	_, _, _, err := Document("9", "", "1,23E+6", Cell{}, Cell{})
	if err == nil || !strings.Contains(err.Error(), "в номере документа их 7") {
		t.Errorf("err = %v, want the lost digits refused", err)
	}
	if _, n, _, err := Document("9", "", "1.23E+6", Cell{}, Cell{Number: true}); err != nil || n != "1230000" {
		t.Errorf("a number cell's value: %q, %v", n, err)
	}
}

func TestDocumentTypeName(t *testing.T) {
	tests := map[string]string{
		"14":      "Паспорт гражданина Российской Федерации",
		" 14.0":   "Паспорт гражданина Российской Федерации",
		"3":       "Свидетельство о рождении, выданное в Российской Федерации",
		"11":      "Вид на жительство",
		"12":      "Удостоверение беженца в Российской Федерации",
		"21":      "Документ иностранного гражданина",
		"24":      "Свидетельство о рождении, выданное не в Российской Федерации",
		"19":      "",
		"0":       "",
		"":        "",
		"паспорт": "",
	}
	for code, want := range tests {
		if got := DocumentTypeName(code); got != want {
			t.Errorf("DocumentTypeName(%q) = %q, want %q", code, got, want)
		}
	}
	for code := 1; code <= 26; code++ {
		name := DocumentTypeName(strconv.Itoa(code))
		if (name == "") != (code == 19 || code == 20) {
			t.Errorf("DocumentTypeName(%d) = %q", code, name)
		}
	}
}

func TestRomanValid(t *testing.T) {
	for _, s := range []string{"I", "II", "III", "IV", "V", "IX", "XIV", "XIX", "XL", "XC", "CCCXCIX"} {
		if !romanValid(s) {
			t.Errorf("romanValid(%q) = false", s)
		}
	}
	for _, s := range []string{"", "IIII", "VV", "IIV", "IC", "XXXX", "CCCC", "VX", "A"} {
		if romanValid(s) {
			t.Errorf("romanValid(%q) = true", s)
		}
	}
}
