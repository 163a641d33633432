package mip

import "testing"

// benchPatient is a row of the generated big files (samples/gen) as the
// sample mapping builds it: ~560 bytes of JSON with nested polis and
// attachment, two Codes, two dates and two booleans.
func benchPatient() *Patient {
	yes := true
	return &Patient{
		GUID: "4a57967a-5f96-5cb5-825c-50e5e0ef8410", Family: "Петров", Name: "Никита", Patronymic: "Александрович",
		Birthday: Date{Year: 1995, Month: 3, Day: 2},
		Polis:    &Polis{Type: &CodeName{Code: "3", Name: "Полис ОМС единого образца"}, Number: "5000000000000025"},
		Mcod:     "770001", Phone: "+79024878987", Gender: 1, Snils: "002-000-026 24",
		RegAddress: "г. Москва, ул. Мира, д. 41, кв. 83", IsWorker: &yes, BloodType: 4, RH: &yes,
		Attachment: &Attachment{Mcod: "770001", District: &District{Code: "10"}, Method: 1, Date: Date{Year: 2023, Month: 10, Day: 25}},
	}
}

// BenchmarkEncode is the encoding of one patient as Client.Send does it.
//
//	go test -run='^$' -bench=Encode -benchmem ./mip/
func BenchmarkEncode(b *testing.B) {
	p := benchPatient()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}
