package convert

import "testing"

func TestBoolVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Bool {
		got, err := Bool(c.Input)
		switch {
		case c.Value != nil:
			if err != nil || got == nil || *got != *c.Value {
				t.Errorf("%q: got %v, %v; want %v", c.Input, got, err, *c.Value)
			}
		case c.Input == "":
			if err != nil || got != nil {
				t.Errorf("%q: got %v, %v; want nil, nil", c.Input, got, err)
			}
		default:
			if err == nil || got != nil {
				t.Errorf("%q: got %v, %v; want an error", c.Input, got, err)
			}
		}
		val, ok := parseBool(c.Input)
		if ok != (c.Value != nil) || (ok && val != *c.Value) {
			t.Errorf("parseBool(%q) = %v, %v", c.Input, val, ok)
		}
	}
}

func TestBoolLenient(t *testing.T) {
	yes := []string{"true", "TRUE", "Yes", "y", "x", "X", "х", "Х", "v", "✓", "\u00a0да\u00a0", "Да.", "д", "1.0", "истина", "Истина", "+", "есть"}
	no := []string{"false", "FALSE", "No", "n", "N", "нет", "НЕТ.", "н", "0", "0,0", "ложь", "-", "−", "–", "—"}
	for _, s := range yes {
		if v, ok := parseBool(s); !ok || !v {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, v, ok)
		}
	}
	for _, s := range no {
		if v, ok := parseBool(s); !ok || v {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, v, ok)
		}
	}
	for _, s := range []string{"", " ", "возможно", "2", "да нет", ".", "++", "yes!"} {
		if v, ok := parseBool(s); ok {
			t.Errorf("parseBool(%q) = %v, true; want not ok", s, v)
		}
	}
	// Each call returns its own pointer: a patient may change its value.
	a, _ := Bool("да")
	b, _ := Bool("да")
	if a == b {
		t.Error("Bool returned a shared pointer")
	}
	if _, err := Bool("может быть"); err == nil || err.Error() != "непонятное значение: ожидается да или нет" {
		t.Errorf("error: %v", err)
	}
}
