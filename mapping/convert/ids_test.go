package convert

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

// testVectors mirrors testdata/testvectors.json, a copy of the domain
// notes' machine-readable cases (shared/domain/testvectors.json).
type testVectors struct {
	SNILS []struct {
		Input  string `json:"input"`
		Digits string `json:"digits"`
		Expect string `json:"expect"`
		Note   string `json:"note"`
	} `json:"snils"`
	ENP []struct {
		Input      string `json:"input"`
		Expect     string `json:"expect"`
		Note       string `json:"note"`
		Normalized string `json:"normalized"`
	} `json:"enp"`
	OGRN   []idVector `json:"ogrn"`
	OGRNIP []idVector `json:"ogrnip"`
	Parse  struct {
		Damage struct {
			ENP []struct {
				Input    string  `json:"input"`
				Repaired *string `json:"repaired"`
				Status   string  `json:"status"`
			} `json:"enp"`
			SNILS []struct {
				Input    string `json:"input"`
				Repaired string `json:"repaired"`
				Status   string `json:"status"`
			} `json:"snils"`
		} `json:"excel_numeric_damage"`
		Bool []struct {
			Input string `json:"input"`
			Value *bool  `json:"value"`
		} `json:"bool"`
		Blood []struct {
			Input  string `json:"input"`
			Group  *int   `json:"group"`
			RhPos  *bool  `json:"rh_positive"`
			Status string `json:"status"`
		} `json:"blood"`
		Phone []struct {
			Input  string  `json:"input"`
			E164   *string `json:"e164"`
			Status string  `json:"status"`
		} `json:"phone"`
		Gender []struct {
			Input  string `json:"input"`
			Gender *int   `json:"gender"`
		} `json:"gender"`
		FIO []struct {
			Input  string `json:"input"`
			Parsed *struct {
				Family     string  `json:"family"`
				Name       string  `json:"name"`
				Patronymic *string `json:"patronymic"`
			} `json:"parsed"`
		} `json:"fio"`
		BirthDate []struct {
			Input  string  `json:"input"`
			ISO    *string `json:"iso"`
			Status string  `json:"status"`
		} `json:"birth_date"`
	} `json:"proposed_parsing"`
}

type idVector struct {
	Input  string `json:"input"`
	Expect string `json:"expect"`
	Note   string `json:"note"`
}

// loadVectors reads the repository copy of the vectors (CI has no
// /work/shared) and fails when a list the tests rely on is missing, so that
// a renamed key cannot make a test pass vacuously.
func loadVectors(t *testing.T) *testVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/testvectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v testVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	p := v.Parse
	for name, n := range map[string]int{
		"snils": len(v.SNILS), "enp": len(v.ENP), "ogrn": len(v.OGRN), "ogrnip": len(v.OGRNIP),
		"damage.enp": len(p.Damage.ENP), "damage.snils": len(p.Damage.SNILS), "bool": len(p.Bool),
		"blood": len(p.Blood), "phone": len(p.Phone), "gender": len(p.Gender), "fio": len(p.FIO),
		"birth_date": len(p.BirthDate),
	} {
		if n == 0 {
			t.Fatalf("testvectors.json: list %s is empty or missing", name)
		}
	}
	if len(p.Blood) != 18 {
		t.Fatalf("testvectors.json: %d blood vectors, the domain notes promise 18", len(p.Blood))
	}
	return &v
}

var snilsShape = regexp.MustCompile(`^\d{3}-\d{3}-\d{3} \d{2}$`)

func snilsFromDigits(d string) string {
	return d[0:3] + "-" + d[3:6] + "-" + d[6:9] + " " + d[9:11]
}

// stripSep removes spaces and hyphens, the normalisation testvectors.json
// assumes for СНИЛС and ЕНП.
func stripSep(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

func TestSNILSVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.SNILS {
		got, warn, err := SNILS(c.Input, Cell{})
		switch c.Expect {
		case "valid":
			if err != nil || got != snilsFromDigits(c.Digits) || warn != "" {
				t.Errorf("%q (%s): got %q, %q, %v; want %q", c.Input, c.Note, got, warn, err, snilsFromDigits(c.Digits))
			}
		case "invalid_checksum":
			if !errors.Is(err, errSNILSChecksum) || err.Error() != "неверная контрольная сумма" {
				t.Errorf("%q (%s): got %q, %v; want the checksum error", c.Input, c.Note, got, err)
			}
		case "invalid_format":
			if err == nil || errors.Is(err, errSNILSChecksum) {
				t.Errorf("%q (%s): got %q, %v; want a format error", c.Input, c.Note, got, err)
			}
		case "unchecked_low_range":
			if err != nil || got != snilsFromDigits(c.Digits) || warn != warnSNILSLowRange {
				t.Errorf("%q (%s): got %q, %q, %v; want it accepted with a warning", c.Input, c.Note, got, warn, err)
			}
		case "placeholder_all_zeros":
			if err != nil || got != "" || warn != warnSNILSZeros {
				t.Errorf("%q (%s): got %q, %q, %v; want absent with a warning", c.Input, c.Note, got, warn, err)
			}
		default:
			t.Errorf("%q: unknown expectation %q", c.Input, c.Expect)
		}
	}
}

func TestSNILSExcelDamageVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Damage.SNILS {
		got, warn, err := SNILS(c.Input, Cell{Number: true})
		if err != nil || got != snilsFromDigits(c.Repaired) {
			t.Errorf("%q: got %q, %v; want %q", c.Input, got, err, snilsFromDigits(c.Repaired))
			continue
		}
		switch c.Status {
		case "left_padded":
			if warn != warnSNILSPadded {
				t.Errorf("%q: warning %q, want the padding warning", c.Input, warn)
			}
		case "as_is":
			if warn != "" {
				t.Errorf("%q: unexpected warning %q", c.Input, warn)
			}
		default:
			t.Errorf("%q: unknown status %q", c.Input, c.Status)
		}
	}
}

func TestSNILS(t *testing.T) {
	num := Cell{Number: true}
	tests := []struct {
		in, want, warn string
		err            bool
		cell           Cell
	}{
		{"", "", "", false, Cell{}},
		{" \u00a0 ", "", "", false, Cell{}},
		{"\u00a0112\u00a0233\u00a0445\u00a095\t", "112-233-445 95", "", false, Cell{}},
		{"112–233–445 95", "112-233-445 95", "", false, Cell{}},           // en dash
		{"112\u2212233\u2212445 95", "112-233-445 95", "", false, Cell{}}, // minus sign
		{"11223344595.0", "112-233-445 95", "", false, Cell{}},
		{"1.1223344595E+10", "112-233-445 95", "", false, Cell{}},
		{"1,1223344595e10", "112-233-445 95", "", false, Cell{}},
		{"101998900.0", "001-019-989 00", warnSNILSPadded, false, Cell{}},
		{"101998900", "001-019-989 00", warnSNILSPadded, false, num},
		{"1.019989E+8", "001-019-989 00", warnSNILSPadded, false, num}, // a number cell's value
		{"1.019989E+8", "", "", true, Cell{}},                          // shown in exponent form: two digits lost
		{"1,12233E+10", "", "", true, Cell{}},
		{"101 998 900", "", "", true, Cell{}},   // typed with separators: not a damaged number
		{"12345678", "", "", true, Cell{}},      // 8 digits: too short even for a numeric cell
		{"1001998", "", "", true, Cell{}},       // 7 digits
		{"100199800", "", "", true, num},        // padded into the unchecked range: nothing verifies it
		{"101998901", "", "", true, num},        // padded, the check number fails: a typo, not lost zeros
		{"0", "", warnSNILSZeros, true, Cell{}}, // a single zero is just a wrong length
		{"000-000-000 00", "", warnSNILSZeros, false, Cell{}},
		{"001-001-998 00", "001-001-998 00", warnSNILSLowRange, false, Cell{}},
		{"112-233-445 9a", "", "", true, Cell{}},
		{"СНИЛС 112-233-445 95", "", "", true, Cell{}},
		{"1.12233445951E+10", "", "", true, Cell{}}, // not an integer
		{"112233445950", "", "", true, Cell{}},
		{"1E+999", "", "", true, Cell{}},
		{"112-233-445 95", "", "", true, num}, // a number cell holds a number
	}
	for _, tt := range tests {
		got, warn, err := SNILS(tt.in, tt.cell)
		if (err != nil) != tt.err {
			t.Errorf("%q (%+v): err = %v, want error %v", tt.in, tt.cell, err, tt.err)
			continue
		}
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Msg == "" {
				t.Errorf("%q: error %v is not a *ValueError", tt.in, err)
			}
			continue
		}
		if got != tt.want || warn != tt.warn {
			t.Errorf("%q (%+v): got %q, %q; want %q, %q", tt.in, tt.cell, got, warn, tt.want, tt.warn)
		}
		if got != "" && !snilsShape.MatchString(got) {
			t.Errorf("%q: %q is not XXX-XXX-XXX YY", tt.in, got)
		}
	}
	_, _, err := SNILS("1.019989E+8", Cell{})
	if err == nil || err.Error() != "в ячейке число в экспоненциальной записи 1.019989E+8 — значащих цифр в нём 7, а в СНИЛС их 11: остальные цифры потеряны, восстановить их нельзя — введите СНИЛС полностью (ХХХ-ХХХ-ХХХ ХХ) в текстовую ячейку" {
		t.Errorf("message: %v", err)
	}
}

func TestENPVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.ENP {
		d := stripSep(c.Input)
		if c.Normalized != "" && d != c.Normalized {
			t.Errorf("%q: normalised %q, vector says %q", c.Input, d, c.Normalized)
		}
		ok := ValidENP(d)
		if want := c.Expect == "valid"; ok != want {
			t.Errorf("ValidENP(%q) = %v, want %v (%s)", d, ok, want, c.Note)
		}
		if ValidENP(c.Input) != (c.Expect == "valid" && c.Input == d) {
			t.Errorf("ValidENP(%q) must not accept separators", c.Input)
		}
		// The converter: valid numbers pass untouched; a typed number with
		// a wrong check digit is a warning; a plain number that ends in 0
		// and fails the check lost its last digit: repaired only for a file
		// Excel saved, refused otherwise.
		for _, cell := range []Cell{{}, {ExcelDigits: true}} {
			got, warn, err := PolisNumber(c.Input, "3", cell)
			switch c.Expect {
			case "valid":
				if err != nil || got != d || warn != "" {
					t.Errorf("PolisNumber(%q) = %q, %q, %v; want %q", c.Input, got, warn, err, d)
				}
			case "invalid_checksum":
				switch {
				case d[15] != '0' || c.Input != d: // typed with separators, or not a lost digit
					if err != nil || got != d || warn != warnENPChecksum {
						t.Errorf("PolisNumber(%q) = %q, %q, %v; want it kept with the checksum warning", c.Input, got, warn, err)
					}
				case cell.ExcelDigits && len(strings.TrimRight(d, "0")) <= 6:
					// 5070000000000000, the МИП page's sample: as few digits
					// as a number pasted from an exponent display.
					if err == nil {
						t.Errorf("PolisNumber(%q, Excel) = %q; want it refused", c.Input, got)
					}
				case cell.ExcelDigits:
					if err != nil || got != luhnRepair(d) || warn != warnENPRepaired {
						t.Errorf("PolisNumber(%q, Excel) = %q, %q, %v; want the repaired number", c.Input, got, warn, err)
					}
				default:
					if err != errENPLostDigit {
						t.Errorf("PolisNumber(%q) = %q, %q, %v; want it refused", c.Input, got, warn, err)
					}
				}
			case "invalid_format":
				// 15 digits typed as text: an error unless the zero-padded form
				// passes the check (a numeric cell that lost a leading zero).
				if !luhnValid(d) && err == nil {
					t.Errorf("PolisNumber(%q) = %q, %q; want an error", c.Input, got, warn)
				}
			default:
				t.Errorf("%q: unknown expectation %q", c.Input, c.Expect)
			}
		}
	}
}

// TestENPExcelDamageVectors: the vectors of numbers a number cell holds
// after Excel kept their first 15 digits. From a number cell of a file
// Excel saved, the check digit is computed again; the same text in a CSV
// or a text cell shows an exponent form that lost the 16th digit, or a
// number whose last digit nobody can know: refused.
func TestENPExcelDamageVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Damage.ENP {
		for _, code := range []string{"3", ""} {
			got, warn, err := PolisNumber(c.Input, code, Cell{Number: true, ExcelDigits: true})
			fewDigits := strings.Trim(strings.NewReplacer(",", "", ".", "").Replace(strings.Split(c.Input, "E")[0]), "0") != "" &&
				len(strings.TrimRight(strings.NewReplacer(",", "", ".", "").Replace(strings.Split(c.Input, "E")[0]), "0")) <= 6
			switch {
			case c.Status == "check_digit_recomputed_after_excel_15_digit_truncation" && fewDigits:
				// 7700000000000000: two significant digits, the shape of a
				// number pasted from an exponent display; not repaired.
				if err == nil {
					t.Errorf("%q type %q: got %q; want it refused (too few significant digits to be a typed ЕНП)", c.Input, code, got)
				}
				continue
			case err != nil:
				t.Errorf("%q type %q: %v", c.Input, code, err)
				continue
			}
			switch c.Status {
			case "check_digit_recomputed_after_excel_15_digit_truncation":
				if c.Repaired == nil || got != *c.Repaired || warn != warnENPRepaired {
					t.Errorf("%q type %q: got %q, %q; want %v repaired", c.Input, code, got, warn, *c.Repaired)
				}
			case "valid_as_is":
				if c.Repaired == nil || got != *c.Repaired || warn != "" {
					t.Errorf("%q type %q: got %q, %q; want %v without warning", c.Input, code, got, warn, *c.Repaired)
				}
			case "invalid_checksum":
				if c.Repaired != nil || got != c.Input || warn != warnENPChecksum {
					t.Errorf("%q type %q: got %q, %q; want it kept with the checksum warning", c.Input, code, got, warn)
				}
			default:
				t.Errorf("%q: unknown status %q", c.Input, c.Status)
			}
			if !ValidENP(got) && c.Status != "invalid_checksum" {
				t.Errorf("%q type %q: result %q fails the check", c.Input, code, got)
			}
		}
		// As text (a CSV, a text cell): an exponent form keeps 15 digits of
		// 16, and a plain number's lost digit cannot be known.
		got, _, err := PolisNumber(c.Input, "3", Cell{})
		if strings.ContainsAny(c.Input, "Ee") && err == nil {
			t.Errorf("%q as text: got %q; want the exponent form refused", c.Input, got)
		}
	}
}

func TestOGRNVectors(t *testing.T) {
	v := loadVectors(t)
	for _, list := range [][]idVector{v.OGRN, v.OGRNIP} {
		for _, c := range list {
			if got, want := ValidOGRN(c.Input), c.Expect == "valid"; got != want {
				t.Errorf("ValidOGRN(%q) = %v, want %v (%s)", c.Input, got, want, c.Note)
			}
			if c.Expect == "invalid_format" {
				continue
			}
			if len(c.Input) == 13 {
				got, warn, err := SMO(c.Input, Cell{})
				wantWarn := ""
				if c.Expect != "valid" {
					wantWarn = warnSMOChecksum
				}
				if err != nil || got != c.Input || warn != wantWarn {
					t.Errorf("SMO(%q) = %q, %q, %v; want warning %q", c.Input, got, warn, err, wantWarn)
				}
			}
		}
	}
	for _, s := range []string{"", "abcdefghijklm", "10240000000O1", "1024000000001 ", "٠١٢٣٤٥٦٧٨٩٠١٢"} {
		if ValidOGRN(s) {
			t.Errorf("ValidOGRN(%q) = true", s)
		}
	}
}

func TestSMO(t *testing.T) {
	num := Cell{Number: true}
	tests := []struct {
		in, want, warn string
		cell           Cell
	}{
		{"", "", "", Cell{}},
		{"1025004642519", "1025004642519", "", Cell{}},
		{" 1 025 004 642 519 ", "1025004642519", "", Cell{}},
		{"1.025004642519E+12", "1025004642519", "", Cell{}},
		{"1024000000000", "1024000000000", warnSMOChecksum, Cell{}},
		{"22001", "22001", "", Cell{}},
		{"1001", "01001", warnSMOPadded, Cell{}},
		{"1001.0", "01001", warnSMOPadded, Cell{}},
		{"1001", "01001", warnSMOPadded, num},
		{"1 001", "", warnSMOUnknown, Cell{}}, // typed with a space: not a number that lost a zero
		// Neither an ОГРН nor an F002 code: left out, with a warning.
		{"АО «СОГАЗ-Мед»", "", warnSMOUnknown, Cell{}},
		{`ООО "Капитал МС"`, "", warnSMOUnknown, Cell{}},
		{"  Капитал\u00a0МС ", "", warnSMOUnknown, Cell{}},
		{"123456", "", warnSMOUnknown, Cell{}},
		{"1,025E+12", "", warnSMOExponent, Cell{}},           // an ОГРН whose digits were lost
		{"1.025E+12", "1025000000000", warnSMOChecksum, num}, // a number cell's value: 13 digits, the check fails
	}
	for _, tt := range tests {
		got, warn, err := SMO(tt.in, tt.cell)
		if err != nil || got != tt.want || warn != tt.warn {
			t.Errorf("SMO(%q, %+v) = %q, %q, %v; want %q, %q", tt.in, tt.cell, got, warn, err, tt.want, tt.warn)
		}
	}
}

func TestPolisNumber(t *testing.T) {
	excel := Cell{ExcelDigits: true}
	numExcel := Cell{Number: true, ExcelDigits: true}
	num := Cell{Number: true}
	tests := []struct {
		in, code, want, warn string
		err                  bool
		cell                 Cell
	}{
		{"", "3", "", "", false, Cell{}},
		{"5070 0000 0000 0004", "3", "5070000000000004", "", false, Cell{}},
		{"5070-0000-0000-0004", "3", "5070000000000004", "", false, Cell{}},
		{"\u00a05070\u00a00000\u00a00000\u00a00004\u00a0", "3", "5070000000000004", "", false, Cell{}},
		{"5070 0000 0000 0000", "3", "5070000000000000", warnENPChecksum, false, excel}, // typed: no repair
		{"8451999122899990", "3", "8451999122899990", "", false, Cell{}},
		{"7700000000000020", "3", "", "", true, Cell{}},                                 // lost its last digit: unknowable
		{"7700000000000020", "3", "7700000000000024", warnENPRepaired, false, excel},    // a CSV the mapping says Excel wrote
		{"7700000000000020", "3", "7700000000000024", warnENPRepaired, false, numExcel}, // a number cell of a file Excel saved
		{"7700000000000020", "3", "", "", true, num},                                    // LibreOffice rounds: unknowable
		{"7.70000000000002E+15", "3", "7700000000000024", warnENPRepaired, false, numExcel},
		{"7.70000000000002E+15", "3", "", "", true, excel}, // shown in exponent form: 15 digits of 16
		{"5,09197E+15", "3", "", "", true, excel},          // the case: nine digits were invented
		{"5,09197E+15", "3", "", "", true, Cell{}},
		{"5.09197E+15", "3", "", "", true, numExcel}, // a number pasted from that display: too few digits
		{"5.07E+15", "3", "", "", true, numExcel},
		{"8.4519991228999904E+15", "3", "8451999122899990", "", false, num}, // binary double artefact
		{"8.4519991228999904E+15", "3", "", "", true, Cell{}},               // as text: not a whole number
		{"8451999122899990.0", "3", "8451999122899990", "", false, Cell{}},
		{"8,45199912289999E+15", "3.0", "8451999122899990", "", false, num},
		{"8,45199912289999E+15", "3.0", "", "", true, Cell{}}, // as text: 15 digits of 16
		{"8,451999122899990E+15", "3", "8451999122899990", "", false, Cell{}},
		{"123456789012347", "3", "0123456789012347", warnENPPadded, false, Cell{}}, // leading zero lost, check passes
		{"123456789012347", "3", "0123456789012347", warnENPPadded, false, num},
		{"123 456 789 012 347", "3", "", "", true, Cell{}}, // typed with spaces: 15 digits are too few
		{"123456789012345", "3", "", "", true, Cell{}},
		{"50700000000000041", "3", "", "", true, Cell{}},
		{"ЕНП 5070000000000004", "3", "", "", true, Cell{}},
		{"5070000000000004", "4", "5070000000000004", "", false, Cell{}},
		{"5070000000000004", "", "5070000000000004", "", false, Cell{}},
		{"123456789", "2", "123456789", "", false, Cell{}},
		{"123 456 789", "", "123456789", "", false, Cell{}},
		{"123456789.0", "2", "123456789", "", false, Cell{}},
		{"1,2345E+8", "2", "", "", true, Cell{}},
		{"12345678", "2", "", "", true, Cell{}},
		{"12345678A", "2", "", "", true, Cell{}},
		{"  АБВ\u00a0 123456 ", "1", "АБВ 123456", "", false, Cell{}},
		{"1234567890", "", "1234567890", "", false, Cell{}},
		{"1.23456789E+9", "1", "", "", true, Cell{}}, // the exponent supplies the last digit: a 0, or a lost one?
		{"1.23456789E+9", "1", "1234567890", "", false, num},
		{"1.234567891E+9", "1", "1234567891", "", false, Cell{}},
		{"1.23456E+9", "1", "", "", true, Cell{}},
		{"1.23456E+9", "1", "1234560000", "", false, num},
		{"123456789012345678901", "1", "", "", true, Cell{}},
		{"что-то", "9", "что-то", "", false, Cell{}},
	}
	for _, tt := range tests {
		got, warn, err := PolisNumber(tt.in, tt.code, tt.cell)
		if (err != nil) != tt.err || got != tt.want || warn != tt.warn {
			t.Errorf("PolisNumber(%q, %q, %+v) = %q, %q, %v; want %q, %q, error %v",
				tt.in, tt.code, tt.cell, got, warn, err, tt.want, tt.warn, tt.err)
		}
	}
	_, _, err := PolisNumber("5,09197E+15", "3", Cell{})
	if want := "в ячейке число в экспоненциальной записи 5,09197E+15 — значащих цифр в нём 6, а в номере полиса их 16: остальные цифры потеряны, восстановить их нельзя — впишите номер полиса из документа в текстовую ячейку"; err == nil || err.Error() != want {
		t.Errorf("message %v, want %q", err, want)
	}
}

func TestInferPolisType(t *testing.T) {
	tests := []struct{ series, number, want string }{
		{"", "", ""},
		{"", "5070000000000004", "3"},
		{"", "5070 0000 0000 0004", "3"},
		{"", "5,07E+15", "3"},
		{"", "123456789", "2"},
		{"", "123456789.0", "2"},
		{"АБ", "5070000000000004", "1"},
		{"АБ", "123456", "1"},
		{"", "12345", "1"},
		{"\u00a0", "123456789", "2"},
	}
	for _, tt := range tests {
		if got := InferPolisType(tt.series, tt.number); got != tt.want {
			t.Errorf("InferPolisType(%q, %q) = %q, want %q", tt.series, tt.number, got, tt.want)
		}
	}
	for code, want := range map[string]string{
		"1": "Полис ОМС старого образца", "3": "Полис ОМС единого образца", " 3.0 ": "Полис ОМС единого образца",
		"2": "Временное свидетельство, подтверждающее оформление полиса обязательного медицинского страхования",
		"4": "", "": "", "x": "",
	} {
		if got := PolisTypeName(code); got != want {
			t.Errorf("PolisTypeName(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestNumberDigits(t *testing.T) {
	tests := []struct {
		in, want string
		form     numberForm
		ok       bool
	}{
		{"0012", "0012", bareInteger, true},
		{"12.0", "12", floatNumber, true},
		{"12,", "12", floatNumber, true},
		{"12.5", "", notNumber, false},
		{"1,0E+3", "1000", floatNumber, true},
		{"1.5e1", "15", floatNumber, true},
		{"1500E-2", "15", floatNumber, true},
		{"1E-2", "", notNumber, false},
		{"8.4519991228999904E+15", "8451999122899990", floatNumber, true},
		{"9.99999999999999999E+16", "100000000000000000", floatNumber, true},
		{"1E+999", "", notNumber, false},
		{"1E+39", "1000000000000000000000000000000000000000", floatNumber, true},
		{"1E+40", "", notNumber, false},
		{"0.0", "0", floatNumber, true},
		{"E+5", "", notNumber, false},
		{"1E", "", notNumber, false},
		{"1 2", "", notNumber, false},
		{"-1", "", notNumber, false},
		{"", "", notNumber, false},
	}
	for _, tt := range tests {
		got, form, _, ok := numberDigits(tt.in)
		if got != tt.want || form != tt.form || ok != tt.ok {
			t.Errorf("numberDigits(%q) = %q, %v, %v; want %q, %v, %v", tt.in, got, form, ok, tt.want, tt.form, tt.ok)
		}
	}
}

func TestTrimAndCollapse(t *testing.T) {
	if got := trim("\ufeff\u200b\u00a0 a b\u202f\t"); got != "a b" {
		t.Errorf("trim = %q", got)
	}
	if got := Collapse(" a \u00a0\t b  c "); got != "a b c" {
		t.Errorf("Collapse = %q", got)
	}
	if got := cleanCode(" 14.0 "); got != "14" {
		t.Errorf("cleanCode = %q", got)
	}
}

func BenchmarkSNILS(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = SNILS("112-233-445 95", Cell{})
	}
}

func BenchmarkPolisNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = PolisNumber("5070000000000004", "3", Cell{})
	}
}
