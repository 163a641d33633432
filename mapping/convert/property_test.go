package convert

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The property every identifier converter is held to (issue 17): whatever
// it accepts, the digits it sends are the input's own digits, in order,
// or one of the listed repairs — leading zeros added to a number, and the
// check digit of an ЕНП recomputed where Excel zeroed it. Never a digit the
// input did not carry. TestIdentifiersCarryInputDigits checks it over
// generated inputs (in -short too); FuzzIdentifiersCarryInputDigits lets
// the fuzzer look for more (make fuzz).

// readings returns the digit strings a cell's text can stand for: the
// integer of a number form (exactly, with math/big; also rounded to
// Excel's 15 significant digits when it has more than 16), or the ASCII
// digits of the text in order.
func readings(s string, c Cell) []string {
	t := strings.TrimSpace(strings.Map(func(r rune) rune {
		if isBlank(r) {
			return ' '
		}
		return r
	}, s))
	var out []string
	if r, sig, ok := exactNumber(t); ok {
		if r.IsInt() {
			out = append(out, r.Num().String())
		}
		if sig > 16 && c.Number {
			out = append(out, round15(r)) // a number cell's binary artefact, as Excel shows it
		}
		if isAllDigits(t) {
			out = append(out, t) // leading zeros as typed
		}
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if isASCIIDigit(t[i]) {
			b.WriteByte(t[i])
		}
	}
	return append(out, b.String())
}

// exactNumber reads digits[.,digits][E[+-]digits] as an exact number,
// and its count of significant mantissa digits.
func exactNumber(t string) (*big.Rat, int, bool) {
	mant, exp, hasExp := t, "0", false
	if i := strings.IndexAny(t, "Ee"); i >= 0 {
		mant, exp, hasExp = t[:i], strings.TrimPrefix(t[i+1:], "+"), true
	}
	whole, frac, _ := strings.Cut(strings.Replace(mant, ",", ".", 1), ".")
	if whole == "" || !isAllDigits(whole) || (frac != "" && !isAllDigits(frac)) || strings.Count(mant, ".")+strings.Count(mant, ",") > 1 {
		return nil, 0, false
	}
	e, err := strconv.Atoi(exp)
	if err != nil || (hasExp && exp == "") || e > 60 || e < -60 {
		return nil, 0, false
	}
	r, ok := new(big.Rat).SetString(whole + "." + frac + "0")
	if !ok {
		return nil, 0, false
	}
	r.Mul(r, new(big.Rat).SetFrac(pow10(max(e, 0)), pow10(max(-e, 0))))
	sig := strings.Trim(whole+frac, "0")
	return r, len(sig), true
}

// round15 rounds r (at least 1) half up to 15 significant digits, as
// Excel keeps a number, and returns the integer's digits.
func round15(r *big.Rat) string {
	whole := new(big.Int).Quo(r.Num(), r.Denom())
	n := len(whole.String())
	if n <= 15 {
		return "" // a fraction is left: no integer reading
	}
	unit := new(big.Rat).SetInt(pow10(n - 15))
	q := new(big.Rat).Quo(r, unit)
	q.Add(q, big.NewRat(1, 2))
	k := new(big.Int).Quo(q.Num(), q.Denom())
	return k.Mul(k, pow10(n-15)).String()
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// carried reports whether out (digits) is one of the readings of in, with
// leading zeros added, or — excel — an ЕНП whose 16th digit, a 0, was
// computed again.
func carried(in string, c Cell, out string, excel bool) bool {
	for _, d := range readings(in, c) {
		if strings.HasSuffix(out, d) && strings.Trim(out[:len(out)-len(d)], "0") == "" && d != "" {
			return true
		}
		if excel && len(d) == 16 && len(out) == 16 && d[15] == '0' && out[:15] == d[:15] && luhnValid(out) {
			return true
		}
	}
	return false
}

// substringOf reports whether out (digits) stands, in one piece, in one of
// the readings of in.
func substringOf(in string, c Cell, out string) bool {
	for _, d := range readings(in, c) {
		if strings.Contains(d, out) {
			return true
		}
	}
	return false
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isASCIIDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// checkCarried runs every identifier converter on one cell text of the
// given origin and fails when one sends a digit the text did not carry.
func checkCarried(t *testing.T, s string, c Cell) {
	t.Helper()
	if out, _, err := SNILS(s, c); err == nil && out != "" {
		if !carried(s, c, onlyDigits(out), false) {
			t.Fatalf("SNILS(%q, %+v) = %q: digits the input did not carry", s, c, out)
		}
	}
	for _, code := range []string{"3", "2", "1", ""} {
		out, _, err := PolisNumber(s, code, c)
		if err != nil || out == "" {
			continue
		}
		switch d := onlyDigits(out); {
		case code == "3" || len(out) == 16 && d == out:
			if !carried(s, c, out, c.ExcelDigits) {
				t.Fatalf("PolisNumber(%q, %q, %+v) = %q: digits the input did not carry", s, code, c, out)
			}
			if !c.ExcelDigits && !carried(s, c, out, false) {
				t.Fatalf("PolisNumber(%q, %q, %+v) = %q: the check digit recomputed without Excel", s, code, c, out)
			}
		case d != "" && !carried(s, c, d, false) && !substringOf(s, c, d):
			t.Fatalf("PolisNumber(%q, %q, %+v) = %q: digits the input did not carry", s, code, c, out)
		}
	}
	for _, format := range []string{PhoneFormatPlus7, PhoneFormat8} {
		out, _, err := Phone(s, format, c)
		if err != nil || out == "" {
			continue
		}
		national := onlyDigits(out)
		if len(national) == 11 && (strings.HasPrefix(out, "+7") || format == PhoneFormat8 && out[0] == '8') {
			national = national[1:] // the country code or trunk prefix is the format, not the number
		}
		if !substringOf(s, c, national) {
			t.Fatalf("Phone(%q, %q, %+v) = %q: digits the input did not carry", s, format, c, out)
		}
	}
	if out, _, err := SMO(s, c); err == nil && out != "" && !carried(s, c, out, false) {
		t.Fatalf("SMO(%q, %+v) = %q: digits the input did not carry", s, c, out)
	}
	for _, split := range [][2]string{{"", s}, {s, ""}} {
		ser, num, _, err := Document(DocPassport, split[0], split[1], c, c)
		if err == nil && (ser != "" || num != "") {
			if d := onlyDigits(ser + num); !carried(s, c, d, false) && !carried(s, c, d[:10], false) {
				t.Fatalf("Document(14, %q, %q, %+v) = %q %q: digits the input did not carry", split[0], split[1], c, ser, num)
			}
		}
	}
}

// idGen writes the cell texts registry files hold for identifiers: valid
// numbers written every way, numbers that lost leading zeros or their
// 16th digit, exponent forms of every length (as Russian and English
// programs show them, and as a number cell stores them), and junk.
type idGen struct{ rng *rand.Rand }

func (g idGen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	return string(b)
}

func (g idGen) identifier() string {
	switch g.rng.IntN(6) {
	case 0: // СНИЛС with its check number
		d := g.digits(9)
		return d + fmt.Sprintf("%02d", snilsCheckNumber(d))
	case 1, 2: // ЕНП with its check digit
		return luhnRepair(g.digits(15) + "0")
	case 3: // a phone
		return g.pick("8", "7", "") + "9" + g.digits(9)
	case 4: // an F002 code or an ОГРН
		return g.pick(g.digits(5), "1"+g.digits(12))
	}
	return g.digits(1 + g.rng.IntN(18))
}

func (g idGen) pick(s ...string) string { return s[g.rng.IntN(len(s))] }

// exponent writes d in exponent form with keep mantissa digits, cut or
// rounded, with a decimal comma or point.
func (g idGen) exponent(d string, keep int) string {
	d = strings.TrimLeft(d, "0")
	if d == "" {
		return "0"
	}
	keep = max(1, min(keep, len(d)))
	m := d[:keep]
	if g.rng.IntN(2) == 0 && keep < len(d) && d[keep] >= '5' {
		v, _ := new(big.Int).SetString(m, 10)
		m = v.Add(v, big.NewInt(1)).String()
		if len(m) > keep { // 99… rounded up
			d = "1" + d
			m = m[:keep]
		}
	}
	sep := g.pick(",", ".")
	out := m[:1]
	if len(m) > 1 {
		out += sep + m[1:]
	}
	return out + g.pick("E+", "e+", "E") + strconv.Itoa(len(d)-1)
}

func (g idGen) cell() (string, Cell) {
	c := Cell{Number: g.rng.IntN(3) == 0, ExcelDigits: g.rng.IntN(2) == 0}
	d := g.identifier()
	switch g.rng.IntN(9) {
	case 0: // as typed, with separators
		var b strings.Builder
		for i := range d {
			if i > 0 && g.rng.IntN(4) == 0 {
				b.WriteString(g.pick(" ", "-", "\u00a0", "–"))
			}
			b.WriteByte(d[i])
		}
		return b.String(), Cell{ExcelDigits: c.ExcelDigits}
	case 1: // a number: leading zeros lost
		return strings.TrimLeft(d, "0"), c
	case 2: // Excel kept 15 significant digits
		if len(d) > 15 {
			d = d[:15] + strings.Repeat("0", len(d)-15)
		}
		return strings.TrimLeft(d, "0"), c
	case 3: // exponent form, as a spreadsheet shows it
		return g.exponent(d, 1+g.rng.IntN(len(d)+1)), c
	case 4: // a number cell's value as written in the XML
		f, _ := strconv.ParseFloat(d, 64)
		return strconv.FormatFloat(f, g.pick("g", "E", "f")[0], -1, 64), Cell{Number: true, ExcelDigits: c.ExcelDigits}
	case 5: // a float form with a decimal part
		return strings.TrimLeft(d, "0") + g.pick(".0", ",0", ",00"), c
	case 6: // digits lost in the middle
		i := g.rng.IntN(len(d))
		return d[:i] + d[i+1:], c
	case 7: // junk around the number
		return g.pick("№ ", "тел. ", "", "+") + d + g.pick("", " доб. 12", ";"+g.digits(3), "A"), c
	}
	return d, c
}

func TestIdentifiersCarryInputDigits(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 20000
	}
	g := idGen{rng: rand.New(rand.NewPCG(2026, 17))}
	for range n {
		s, c := g.cell()
		checkCarried(t, s, c)
	}
	// The issue's own case, whatever the program: refused.
	for _, c := range []Cell{{}, {ExcelDigits: true}} {
		if out, _, err := PolisNumber("5,09197E+15", "", c); err == nil {
			t.Fatalf("5,09197E+15 (%+v) accepted as %q", c, out)
		}
	}
}

func FuzzIdentifiersCarryInputDigits(f *testing.F) {
	g := idGen{rng: rand.New(rand.NewPCG(1, 17))}
	for range 40 {
		s, c := g.cell()
		f.Add(s, c.Number, c.ExcelDigits)
	}
	for _, s := range []string{"5,09197E+15", "7700000000000020", "101998900", "8.4519991228999904E+15", "9.99999999999999999E+15", "1001"} {
		f.Add(s, false, true)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, s string, number, excel bool) {
		checkCarried(t, s, Cell{Number: number, ExcelDigits: excel})
	})
}
