package convert

import "testing"

func TestPolisType(t *testing.T) {
	for in, want := range map[string]string{
		"":    "",
		"3":   "3",
		"3.0": "3",
		"1":   "1",
		"Полис ОМС единого образца":                  "3",
		"полис ОМС единого образца (бумажный бланк)": "3",
		"единого образца":                            "3",
		"Единый":                                     "3",
		"ЕНП":                                        "3",
		"Электронный полис ОМС":                      "3",
		"Полис ОМС в составе УЭК":                    "3",
		"Выписка из ЕРЗЛ":                            "3",
		"Полис ОМС старого образца":                  "1",
		"старого образца":                            "1",
		"Временное свидетельство":                    "2",
		"временное свидетельство, подтверждающее оформление полиса обязательного медицинского страхования": "2",
		"ВС":  "2",
		"С":   "1",
		"В":   "2",
		"П":   "3",
		"Э":   "3",
		" к ": "3",
	} {
		got, err := PolisType(in)
		if err != nil || got != want {
			t.Errorf("PolisType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Полис", "бумажный", "ДМС", "X"} {
		if got, err := PolisType(in); err == nil {
			t.Errorf("PolisType(%q) = %q, want an error", in, got)
		}
	}
}

func TestPolisTypeNamesOfF008(t *testing.T) {
	for _, code := range []string{PolisOld, PolisTemp, PolisSingle} {
		if got, err := PolisType(PolisTypeName(code)); err != nil || got != code {
			t.Errorf("PolisType(%q) = %q, %v; want %s", PolisTypeName(code), got, err, code)
		}
	}
}

func TestDocumentTypeNamesOfF011(t *testing.T) {
	for code, name := range f011Names {
		if got, err := DocumentType(name); err != nil || got != code {
			t.Errorf("DocumentType(%q) = %q, %v; want %s", name, got, err, code)
		}
	}
}

func TestDocumentTypeVariants(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"14":         "14",
		"14.0":       "14",
		"Паспорт":    "14",
		"паспорт РФ": "14",
		"Паспорт гражданина РФ":                "14",
		"ПАСПОРТ ГРАЖДАНИНА РОССИИ":            "14",
		"Общегражданский паспорт":              "14",
		"Свидетельство о рождении":             "3",
		"св-во о рожд.":                        "3",
		"Свид. о рождении":                     "3",
		"Иностранное свидетельство о рождении": "24",
		"Загранпаспорт":                        "15",
		"Заграничный паспорт":                  "15",
		"Вид на жительство":                    "11",
		"ВНЖ":                                  "11",
		"РВП":                                  "23",
		"Паспорт иностранного гражданина":      "9",
		"Иностранный паспорт":                  "9",
		"Военный билет":                        "7",
		"Временное удостоверение личности":     "13",
		"Иной документ":                        "18",
	} {
		got, err := DocumentType(in)
		if err != nil || got != want {
			t.Errorf("DocumentType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Паспорт гражданина Украины", "СНИЛС", "Справка"} {
		if got, err := DocumentType(in); err == nil {
			t.Errorf("DocumentType(%q) = %q, want an error", in, got)
		}
	}
}

func TestAttachmentMethod(t *testing.T) {
	for in, want := range map[string]int{
		"": 0, "1": 1, "2.0": 2, "По месту жительства": 1, "по территориальному принципу": 1,
		"По месту регистрации": 1, "по заявлению": 2, "Заявление": 2, "по выбору пациента": 2,
	} {
		got, err := AttachmentMethod(in)
		if err != nil || int(got) != want {
			t.Errorf("AttachmentMethod(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"3", "авто", "прочее"} {
		if got, err := AttachmentMethod(in); err == nil {
			t.Errorf("AttachmentMethod(%q) = %d, want an error", in, got)
		}
	}
}

// FuzzRefType: the polis-type and document-type readers never panic, and
// what they accept is a code of digits only (or nothing for a blank cell).
func FuzzRefType(f *testing.F) {
	fuzzSeeds(f, "Полис ОМС единого образца", "Паспорт гражданина РФ", "св-во о рожд.", "14.0", "ВНЖ", "С")
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := AttachmentMethod(s); err != nil && m != 0 || err == nil && m != 0 && m != 1 && m != 2 {
			t.Fatalf("%q: method %d, %v", s, m, err)
		}
		for _, conv := range []func(string) (string, error){PolisType, DocumentType} {
			code, err := conv(s)
			checkErr(t, s, err)
			if err != nil {
				if code != "" {
					t.Fatalf("%q: error %v with a code %q", s, err, code)
				}
				continue
			}
			if code == "" && trim(s) != "" || code != "" && !isAllDigits(code) {
				t.Fatalf("%q: accepted as code %q", s, code)
			}
		}
	})
}
