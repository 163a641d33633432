package mip

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// goldenTexts are the strings goldenPatients puts into text fields: plain
// Cyrillic, the characters json.Marshal escapes (HTML <, >, &; quotes,
// backslash, control characters, U+2028/U+2029, invalid UTF-8), and
// characters it leaves as they are.
var goldenTexts = []string{
	"", "Иванов", "<b>&amp;</b>", "a\tb\nc\r", `"q" \ /`, "\u2028\u2029", "\xff\xfe invalid",
	"ёЁ 😀", "</script>", "O'Brien", "  пробелы  ", "\x00\x1f\x7f", "770001", "002-000-026 24",
}

// goldenPatients is a fixed set of patients that reaches every field,
// present and absent, with every kind of text, date and code. It is built
// without a random generator so that it stays the same on every Go release:
// testdata/encode.golden holds their bytes and must keep matching.
func goldenPatients() []*Patient {
	yes, no := true, false
	ps := []*Patient{
		{},
		benchPatient(),
		{Polis: &Polis{}, IdentityDocument: &IdentityDocument{}, Attachment: &Attachment{District: &District{}}},
		{Family: "Иванов", Gender: 2, BloodType: 4, RH: &no, IsWorker: &no, BlackLabel: &yes,
			Birthday: Date{812, time.December, 31}, Polis: &Polis{End: Date{2024, time.February, 29}}},
		{Gender: -1, BloodType: 1 << 20, Attachment: &Attachment{Method: -3, DoctorRole: 99}},
		{Family: "Иванов", Attachment: &Attachment{Mcod: "1"},
			Extra: map[string]any{"attachment.area": "<1>", "newField": []int{1, 2}, "deep.a.b": map[string]string{"x": "&"}}},
		{Extra: map[string]any{"z": 1.5, "a": nil, "m.n": true}},
	}
	for i := range 240 {
		j := 0
		text := func() string {
			j++
			return goldenTexts[(i*7+j*13)%len(goldenTexts)]
		}
		date := func() Date {
			j++
			if (i+j)%3 == 0 {
				return Date{}
			}
			return Date{Year: 1900 + (i*37+j)%200, Month: time.Month(1 + (i+j)%12), Day: 1 + (i*3+j)%28}
		}
		code := func() Code {
			j++
			return Code((i + j) % 5)
		}
		flag := func() *bool {
			j++
			switch (i + j) % 3 {
			case 0:
				return nil
			case 1:
				return &yes
			}
			return &no
		}
		p := &Patient{GUID: text(), Family: text(), Name: text(), Patronymic: text(), Birthday: date(), Birthplace: text(),
			Mcod: text(), Phone: text(), Email: text(), Gender: code(), Snils: text(), RegAddress: text(), FactAddress: text(),
			IsWorker: flag(), WorkPlace: text(), Profession: text(), Position: text(), BloodType: code(), RH: flag(), BlackLabel: flag()}
		if i%2 == 0 {
			p.Polis = &Polis{Series: text(), Number: text(), Start: date(), End: date(), Smo: text()}
			if i%4 == 0 {
				p.Polis.Type = &CodeName{Code: text(), Name: text()}
			}
		}
		if i%3 == 0 {
			p.IdentityDocument = &IdentityDocument{Series: text(), Number: text(), Date: date(), IssuedBy: text()}
			if i%6 == 0 {
				p.IdentityDocument.Type = &CodeName{Code: text()}
			}
		}
		if i%5 != 0 {
			p.Attachment = &Attachment{Mcod: text(), UnitCode: text(), Method: code(), MethodName: text(), Date: date(),
				EndDate: date(), DoctorSnils: text(), DoctorRole: code()}
			if i%2 == 1 {
				p.Attachment.District = &District{Code: text(), Type: code(), TypeName: text()}
			}
		}
		if i%11 == 0 {
			p.Extra = map[string]any{"attachment.area": text(), "x.y": i}
		}
		ps = append(ps, p)
	}
	return ps
}

// TestEncodeGolden holds Encode to the bytes recorded in
// testdata/encode.golden, one patient's JSON a line, from the encoder of
// the versions that stored payload hashes in users' state files. A
// different byte is a different hash, and every row of every state file
// would be sent again as changed. The file is never regenerated: if this
// test fails, the encoding changed, not the file.
func TestEncodeGolden(t *testing.T) {
	f, err := os.Open("testdata/encode.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var golden [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		golden = append(golden, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	ps := goldenPatients()
	if len(golden) != len(ps) {
		t.Fatalf("%d golden lines for %d patients", len(golden), len(ps))
	}
	for i, p := range ps {
		got, err := Encode(p)
		if err != nil {
			t.Fatalf("patient %d: %v", i, err)
		}
		if !bytes.Equal(got, golden[i]) {
			t.Errorf("patient %d: Encode\n got %s\nwant %s", i, got, golden[i])
		}
		if m, err := json.Marshal(p); err != nil || !bytes.Equal(m, golden[i]) {
			t.Errorf("patient %d: json.Marshal\n got %s (%v)\nwant %s", i, m, err, golden[i])
		}
	}
	// The file itself, so that an edit to it shows here too.
	sum := sha256.New()
	for _, g := range golden {
		fmt.Fprintf(sum, "%s\n", g)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != encodeGoldenSHA256 {
		t.Errorf("testdata/encode.golden has SHA-256 %s, want %s: the recorded bytes were edited", got, encodeGoldenSHA256)
	}
}

// encodeGoldenSHA256 is the SHA-256 of testdata/encode.golden.
const encodeGoldenSHA256 = "459c24ce50484329dbb5952ec611d7449f6f401a740194ab1c7336ae0696cfb7"
