package convert

import "unicode"

var (
	errBloodConflict = valueErr("группа крови указана противоречиво")
	errBloodInvalid  = valueErr("группа крови указана неверно")
	errBloodUnknown  = valueErr("не удалось разобрать группу крови и резус")
)

// bloodParse collects what one blood cell says while it is scanned.
type bloodParse struct {
	groups  uint8 // bit g set: group g (1…4) indicated
	invalid int   // indications that name no group (V, VI, 5, "BA")
	posWord bool  // ПОЛОЖИТЕЛЬНЫЙ, POS…
	negWord bool  // ОТРИЦАТЕЛЬНЫЙ, ОТР, NEG…
	plus    int   // "+" signs
	minus   int   // "-" signs (a dash between two words is not one)

	run     [24]rune // the current letter run, upper case
	runLen  int
	runLong bool // the run did not fit: an ordinary word
	digits  [4]byte
	digLen  int
	digLong bool
	digGlue bool // the digit run follows a letter directly (A₂: a subgroup)
}

// Blood reads the ABO group and the rhesus from one cell, following the
// domain notes §6.3.
//
// The group comes from a Roman numeral I…IV, a letter code 0/O, A, B, AB
// (Latin or Cyrillic look-alikes), or a lone digit 1…4 ("2", "4 отр"); a
// subgroup digit after A or B is skipped ("A₂(II)", "A₂B(IV)" reads as AB).
// The rhesus comes from the words положительный / отрицательный (and
// abbreviations: пол…, отр…, поз…, pos, neg) or else from a "+" / "-" sign
// (U+2212 and other dashes included) after Rh / резус are removed; a dash
// between two letters or digits joins them and is no sign. Both or neither
// leave it unknown (rh nil — do not send it).
//
// Results: group 1…4 with rh; group 0 with rh when only the rhesus is given
// ("Rh+", no error); an error «группа крови указана противоречиво» when two
// indications disagree ("A(III)", "AB(VI)"; rh is still returned), «…указана
// неверно» for a lone impossible group ("VI", "5"), and an error when
// nothing is recognised. Empty: 0, nil, nil.
func Blood(s string) (group int, rh *bool, err error) {
	t := cleanCode(s)
	if t == "" {
		return 0, nil, nil
	}
	var p bloodParse
	prevLetter := false
	rs := t
	for i, r := range rs {
		r = bloodRune(r)
		switch {
		case r >= 0x2160 && r <= 0x2163: // Ⅰ Ⅱ Ⅲ Ⅳ as single characters
			p.endDigits()
			for _, c := range [...]string{"I", "II", "III", "IV"}[r-0x2160] {
				p.addLetter(c)
			}
			prevLetter = true
		case unicode.IsLetter(r):
			p.endDigits()
			p.addLetter(r)
			prevLetter = true
		case r >= '0' && r <= '9' && p.digLen == 0 && !p.digLong && p.runEndsAB():
			// A subgroup digit inside a letter code ("A₂", "A₂B"): skip it and
			// let the letters continue, so that A₂B reads as AB.
		case r >= '0' && r <= '9':
			p.endLetters()
			if p.digLen == 0 && !p.digLong {
				p.digGlue = prevLetter
			}
			if p.digLen < len(p.digits) {
				p.digits[p.digLen] = byte(r)
				p.digLen++
			} else {
				p.digLong = true
			}
			prevLetter = false
		default:
			p.endLetters()
			p.endDigits()
			prevLetter = false
			switch r {
			case '+':
				p.plus++
			case '-':
				// A dash followed by a letter or digit joins words ("A-II").
				next := nextRune(rs[i+1:])
				if next == 0 || !(unicode.IsLetter(next) || unicode.IsDigit(next)) {
					p.minus++
				}
			}
		}
	}
	p.endLetters()
	p.endDigits()

	switch {
	case p.posWord && !p.negWord:
		rh = newBool(true)
	case p.negWord && !p.posWord:
		rh = newBool(false)
	case p.posWord || p.negWord:
		// Both words: unknown.
	case p.plus > 0 && p.minus == 0:
		rh = newBool(true)
	case p.minus > 0 && p.plus == 0:
		rh = newBool(false)
	}

	n := 0
	for g := 1; g <= 4; g++ {
		if p.groups&(1<<g) != 0 {
			group = g
			n++
		}
	}
	switch {
	case n > 1 || (n == 1 && p.invalid > 0):
		return 0, rh, errBloodConflict
	case p.invalid > 0:
		return 0, rh, errBloodInvalid
	case n == 0 && rh == nil:
		return 0, nil, errBloodUnknown
	}
	return group, rh, nil
}

func newBool(v bool) *bool { return &v }

// nextRune returns the first rune of s after look-alike folding, or 0.
func nextRune(s string) rune {
	for _, r := range s {
		return bloodRune(r)
	}
	return 0
}

// bloodRune folds a rune for blood parsing: upper case, every dash to "-",
// subscript digits to digits, the Ukrainian І to the Roman I.
func bloodRune(r rune) rune {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	case isDash(r):
		return '-'
	case r >= '₀' && r <= '₉':
		return r - '₀' + '0'
	case r == 'І' || r == 'і' || r == 'Ӏ':
		return 'I'
	case r == '\uff0b':
		return '+'
	}
	return unicode.ToUpper(r)
}

// runEndsAB reports whether the current letter run ends in A or B (Latin or
// Cyrillic), the letters a subgroup number follows.
func (p *bloodParse) runEndsAB() bool {
	if p.runLen == 0 {
		return false
	}
	switch p.run[p.runLen-1] {
	case 'A', 'B', 'А', 'В':
		return true
	}
	return false
}

func (p *bloodParse) addLetter(r rune) {
	if p.runLen < len(p.run) {
		p.run[p.runLen] = r
		p.runLen++
	} else {
		p.runLong = true
	}
}

// endLetters classifies the finished letter run.
func (p *bloodParse) endLetters() {
	if p.runLen == 0 {
		return
	}
	run := p.run[:p.runLen]
	long := p.runLong
	p.runLen, p.runLong = 0, false

	switch {
	case runHasPrefix(run, "ПОЛ"), runHasPrefix(run, "ПОЗ"), runHasPrefix(run, "POS"):
		p.posWord = true
		return
	case runHasPrefix(run, "ОТР"), runHasPrefix(run, "НЕГ"), runHasPrefix(run, "NEG"):
		p.negWord = true
		return
	}
	if long || len(run) > 4 {
		return // an ordinary word: "резус", "группа", "подгруппы"
	}
	// Fold Cyrillic look-alikes to the Latin letters of the notation.
	var b [4]byte
	abo, roman := true, true
	for i, r := range run {
		switch r {
		case 'А':
			r = 'A'
		case 'В':
			r = 'B'
		case 'О':
			r = 'O'
		case 'С':
			r = 'C'
		case 'Х':
			r = 'X'
		case 'Р':
			r = 'R'
		case 'Н':
			r = 'H'
		}
		if r >= 0x80 {
			return // a Cyrillic word such as "ГР"
		}
		b[i] = byte(r)
		abo = abo && (r == 'A' || r == 'B' || r == 'O')
		roman = roman && (r == 'I' || r == 'V')
	}
	w := string(b[:len(run)]) // compared only: the compiler does not allocate
	switch {
	case w == "RH":
		return
	case abo || roman:
		names := &aboGroups
		if !abo {
			names = &romanGroups
		}
		for i, n := range names {
			if w == n {
				p.groups |= 1 << (i + 1)
				return
			}
		}
		p.invalid++
	}
}

// endDigits classifies the finished digit run.
func (p *bloodParse) endDigits() {
	if p.digLen == 0 && !p.digLong {
		return
	}
	d := p.digits[:p.digLen]
	long, glue := p.digLong, p.digGlue
	p.digLen, p.digLong, p.digGlue = 0, false, false
	if glue {
		return // A₂, A2: a subgroup
	}
	if long || len(d) != 1 {
		p.invalid++
		return
	}
	switch d[0] {
	case '0':
		p.groups |= 1 << 1
	case '1', '2', '3', '4':
		p.groups |= 1 << (d[0] - '0')
	default:
		p.invalid++
	}
}

func runHasPrefix(run []rune, prefix string) bool {
	i := 0
	for _, r := range prefix {
		if i >= len(run) || run[i] != r {
			return false
		}
		i++
	}
	return true
}

// The blood groups 1–4 as letters (AB0) and as Roman numerals: group i+1 is
// names[i].
var (
	aboGroups   = [...]string{"O", "A", "B", "AB"}
	romanGroups = [...]string{"I", "II", "III", "IV"}
)
