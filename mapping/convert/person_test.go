package convert

import (
	"testing"

	"mipimport/mip"
)

func TestFIOVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.FIO {
		fam, name, pat, warn, err := FIO(c.Input)
		if c.Parsed == nil {
			if err == nil {
				t.Errorf("%q: got %q %q %q; want an error", c.Input, fam, name, pat)
			}
			continue
		}
		wantPat := ""
		if c.Parsed.Patronymic != nil {
			wantPat = *c.Parsed.Patronymic
		}
		if err != nil || fam != c.Parsed.Family || name != c.Parsed.Name || pat != wantPat || warn != "" {
			t.Errorf("%q: got %q %q %q, %q, %v; want %q %q %q", c.Input, fam, name, pat, warn, err,
				c.Parsed.Family, c.Parsed.Name, wantPat)
		}
	}
}

func TestFIO(t *testing.T) {
	tests := []struct {
		in, fam, name, pat, warn string
		err                      string
	}{
		{"", "", "", "", "", ""},
		{"\u00a0Иванов\u00a0\tИван\u00a0Иванович\u00a0", "Иванов", "Иван", "Иванович", "", ""},
		{"Иванов,Иван,Иванович", "Иванов", "Иван", "Иванович", "", ""},
		{"Петрова - Водкина Анна Сергеевна", "Петрова-Водкина", "Анна", "Сергеевна", "", ""},
		{"Петрова– Водкина Анна", "Петрова-Водкина", "Анна", "", "", ""},
		{"Петрова -Водкина Анна", "Петрова-Водкина", "Анна", "", "", ""},
		{"ПЕТРОВА-ВОДКИНА АННА-МАРИЯ", "Петрова-Водкина", "Анна-Мария", "", "", ""},
		{"АЛИЕВ РУСТАМ ИЛЬХАМ ОГЛЫ", "Алиев", "Рустам", "Ильхам оглы", "", ""},
		{"алиева лейла ильхам кызы", "Алиева", "Лейла", "Ильхам кызы", "", ""},
		{"иванов Иван иванович", "Иванов", "Иван", "Иванович", "", ""}, // per word, as the vectors want
		{"МакДональд ДЖОН", "МакДональд", "Джон", "", "", ""},          // mixed case kept
		{"Петрова-ВОДКИНА Анна", "Петрова-Водкина", "Анна", "", "", ""},
		{"Иванов Иван нет", "Иванов", "Иван", "", "", ""},
		{"Иванов Иван -", "Иванов", "Иван", "", "", ""},
		{"Иванов Иван без отчества", "Иванов", "Иван", "", "", ""},
		{"Иванов Иван Иванович.", "Иванов", "Иван", "Иванович", "", ""},
		{"Ивaнов Иван Иванович", "Иванов", "Иван", "Иванович", warnFIOLookalike, ""}, // Latin a
		{"Smіth John", "Smith", "John", "", warnFIOLookalike, ""},                    // Cyrillic і is no look-alike of ours
		{"Иванов Иван Иванович Петров", "Иванов", "Иван", "Иванович Петров", warnFIOManyWords, ""},
		{"Д'Артаньян Шарль", "Д'Артаньян", "Шарль", "", "", ""},
		{"Иванов", "", "", "", "", "указано только одно слово — нужны фамилия и имя"},
		{"  Иванов  ", "", "", "", "", "указано только одно слово — нужны фамилия и имя"},
		{"Иванов Иван 2", "", "", "", "", "содержит цифры"},
		{"Иванов И.И.", "", "", "", "", "указаны инициалы — нужны полные имя и отчество"},
		{"Иванов И. И.", "", "", "", "", "указаны инициалы — нужны полные имя и отчество"},
		{"Иванов И И", "", "", "", "", "указаны инициалы — нужны полные имя и отчество"},
		{"Иванова (Петрова) Анна", "", "", "", "", "недопустимый символ «(»"},
		{"Ивanov Иван", "", "", "", "", "в слове смешаны русские и латинские буквы"},
		{", ,", "", "", "", "", "нет букв"},
		{"Иванов - Иван", "Иванов-Иван", "", "", "", "указано только одно слово — нужны фамилия и имя"},
	}
	for _, tt := range tests {
		fam, name, pat, warn, err := FIO(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("FIO(%q) = %q %q %q, %v; want error %q", tt.in, fam, name, pat, err, tt.err)
			}
			continue
		}
		if err != nil || fam != tt.fam || name != tt.name || pat != tt.pat || warn != tt.warn {
			t.Errorf("FIO(%q) = %q %q %q, %q, %v; want %q %q %q, %q", tt.in, fam, name, pat, warn, err,
				tt.fam, tt.name, tt.pat, tt.warn)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{" \u00a0", "", ""},
		{"ИВАНОВ", "Иванов", ""},
		{"иванов", "Иванов", ""},
		{"МакДональд", "МакДональд", ""},
		{"\u00a0петрова – водкина\t", "Петрова-Водкина", ""},
		{"ИЛЬХАМ  ОГЛЫ", "Ильхам оглы", ""},
		{"Ильхам оглы", "Ильхам оглы", ""},
		{"Фёдор", "Фёдор", ""},
		{"ЁЖИКОВ", "Ёжиков", ""},
		{"Ивaнов", "Иванов", ""}, // Latin a, replaced silently
		{"Иван0в", "", "содержит цифры"},
		{"И.", "", "указаны инициалы — нужны полные имя и отчество"},
		{"Иванов_", "", "недопустимый символ «_»"},
		{"-", "", "нет букв"},
		{"Ивanov", "", "в слове смешаны русские и латинские буквы"},
	}
	for _, tt := range tests {
		got, err := Name(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Name(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Name(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestIsNoPatronymic(t *testing.T) {
	for _, s := range []string{"нет", "НЕТ", " Нет. ", "-", "—", "−", "--", "без отчества", "БЕЗ  ОТЧЕСТВА", "Неизвестно", "н/д", "отсутствует"} {
		if !IsNoPatronymic(s) {
			t.Errorf("IsNoPatronymic(%q) = false", s)
		}
	}
	for _, s := range []string{"", " ", "Иванович", "Нетович", "нет-нет", "."} {
		if IsNoPatronymic(s) {
			t.Errorf("IsNoPatronymic(%q) = true", s)
		}
	}
}

func TestGenderVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Parse.Gender {
		got, err := Gender(c.Input)
		switch {
		case c.Gender != nil:
			if err != nil || got != mip.Code(*c.Gender) {
				t.Errorf("%q: got %d, %v; want %d", c.Input, got, err, *c.Gender)
			}
		case c.Input == "":
			if err != nil || got != 0 {
				t.Errorf("%q: got %d, %v; want absent", c.Input, got, err)
			}
		default:
			if err == nil || got != 0 {
				t.Errorf("%q: got %d, %v; want an error", c.Input, got, err)
			}
		}
	}
}

func TestGender(t *testing.T) {
	tests := []struct {
		in   string
		want mip.Code
		err  bool
	}{
		{"\u00a0м\u00a0", GenderMale, false},
		{"МУЖ.", GenderMale, false},
		{"мужчина", GenderMale, false},
		{"Male", GenderMale, false},
		{"1.0", GenderMale, false},
		{"Ж.", GenderFemale, false},
		{"F", GenderFemale, false},
		{"Женщина", GenderFemale, false},
		{"2,0", GenderFemale, false},
		{"3", 0, true},
		{"мж", 0, true},
		{".", 0, true},
	}
	for _, tt := range tests {
		got, err := Gender(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Gender(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func BenchmarkFIO(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _, _, _ = FIO("Иванов Иван Иванович")
	}
}
