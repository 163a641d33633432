package convert

import "testing"

func TestEmail(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{" \u00a0", "", nil},
		{"ivan@mail.ru", "ivan@mail.ru", nil},
		{"\u00a0Ivan.Petrov@Mail.RU\u00a0", "Ivan.Petrov@mail.ru", nil},
		{"ivan.petrov+clinic@yandex.ru", "ivan.petrov+clinic@yandex.ru", nil},
		{"ivan@sub.mail-host.ru", "ivan@sub.mail-host.ru", nil},
		{"mailto:ivan@mail.ru", "ivan@mail.ru", nil},
		{"<ivan@mail.ru>", "ivan@mail.ru", nil},
		{"ivan@mail.ru.", "ivan@mail.ru", nil},
		{"иван@почта.РФ", "иван@почта.рф", nil},
		{"ivan@mail", "", errEmailDomain},
		{"ivan@.ru", "", errEmailDomain},
		{"ivan@mail..ru", "", errEmailDomain},
		{"ivan@-mail.ru", "", errEmailDomain},
		{"ivan@mail_ru.ru", "", errEmailDomain},
		{"ivan@1.2", "", errEmailDomain},
		{"ivan@[1.2.3.4]", "", errEmailDomain},
		{"ivan", "", errEmailAt},
		{"ivan@@mail.ru", "", errEmailAt},
		{"@mail.ru", "", errEmailNoAtName},
		{"ivan petrov@mail.ru", "", errEmailSpace},
		{"ivan@mail.ru, petr@mail.ru", "", errEmailSeveral},
		{"ivan@mail.ru;petr@mail.ru", "", errEmailSeveral},
		{"ivan@mail.rupetr@mail.ru", "", errEmailSeveral},
		{"ivan..petrov@mail.ru", "", errEmailShape},
		{".ivan@mail.ru", "", errEmailShape},
		{"ivan.@mail.ru", "", errEmailShape},
		{"iv\"an@mail.ru", "", errEmailShape},
		{"iv\x01an@mail.ru", "", errEmailShape},
		{"Иван <ivan@mail.ru>", "", errEmailSpace},
	}
	for _, tt := range tests {
		got, err := Email(tt.in)
		if got != tt.want || err != tt.err {
			t.Errorf("Email(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
