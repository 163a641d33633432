package convert

import "testing"

func TestBloodVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Blood {
		group, rh, err := Blood(c.Input)
		if !sameRh(rh, c.RhPos) {
			t.Errorf("%q: rh = %v, want %v", c.Input, fmtRh(rh), fmtRh(c.RhPos))
		}
		switch c.Status {
		case "ok":
			if err != nil || c.Group == nil || group != *c.Group {
				t.Errorf("%q: got %d, %v; want group %v", c.Input, group, err, c.Group)
			}
		case "no_group":
			if err != nil || group != 0 {
				t.Errorf("%q: got %d, %v; want no group, no error", c.Input, group, err)
			}
		case "conflict":
			if err != errBloodConflict || group != 0 || err.Error() != "группа крови указана противоречиво" {
				t.Errorf("%q: got %d, %v; want the conflict error", c.Input, group, err)
			}
		case "empty":
			if err != nil || group != 0 || rh != nil {
				t.Errorf("%q: got %d, %v, %v; want nothing", c.Input, group, fmtRh(rh), err)
			}
		default:
			t.Errorf("%q: unknown status %q", c.Input, c.Status)
		}
	}
}

func sameRh(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func fmtRh(p *bool) string {
	switch {
	case p == nil:
		return "unknown"
	case *p:
		return "+"
	}
	return "-"
}

func TestBlood(t *testing.T) {
	pos, neg, unk := "+", "-", "unknown"
	tests := []struct {
		in    string
		group int
		rh    string
		err   error
	}{
		{"\u00a0O(I)\u00a0Rh+\u00a0", 1, pos, nil},
		{"о(i) rh-", 1, neg, nil},
		{"О (I) Rh+", 1, pos, nil},
		{"ⅠⅠ Rh+", 2, pos, nil},
		{"Ⅱ Rh+", 2, pos, nil},
		{"II (A) Rh-", 2, neg, nil},
		{"A-II Rh+", 2, pos, nil}, // the dash joins, it is no sign
		{"1+", 1, pos, nil},
		{"1", 1, unk, nil},
		{"4.0", 4, unk, nil},
		{"0", 1, unk, nil},
		{"АВ", 4, unk, nil},
		{"B", 3, unk, nil},
		{"Rh(+)", 0, pos, nil},
		{"-", 0, neg, nil},
		{"отрицательный", 0, neg, nil},
		{"B(III) без уточнения подгруппы", 3, unk, nil},
		{"2 группа, резус положительный", 2, pos, nil},
		{"AB(IV) резус позитивний", 4, pos, nil},
		{"A(II) Rh+ отрицательный", 2, neg, nil}, // a word beats a sign
		{"A(II) положительный отрицательный", 2, unk, nil},
		{"II +-", 2, unk, nil},
		{"II Rh+ Rh−", 2, unk, nil},
		{"A₂B(IV) Rh+", 4, pos, nil}, // the A2B subgroup of AB
		{"A2(II)", 2, unk, nil},
		{"A(II)2", 2, unk, nil},
		{"II III", 0, unk, errBloodConflict},
		{"VI", 0, unk, errBloodInvalid},
		{"5", 0, unk, errBloodInvalid},
		{"12", 0, unk, errBloodInvalid},
		{"BA", 0, unk, errBloodInvalid},
		{"не знаю", 0, unk, errBloodUnknown},
		{"Rh", 0, unk, errBloodUnknown},
		{"+-", 0, unk, errBloodUnknown},
	}
	for _, tt := range tests {
		group, rh, err := Blood(tt.in)
		if group != tt.group || fmtRh(rh) != tt.rh || err != tt.err {
			t.Errorf("Blood(%q) = %d, %s, %v; want %d, %s, %v", tt.in, group, fmtRh(rh), err, tt.group, tt.rh, tt.err)
		}
	}
}

func BenchmarkBlood(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Blood("A(II) Rh+")
	}
}
