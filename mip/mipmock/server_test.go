package mipmock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"mipimport/mip"
)

func TestAuth(t *testing.T) {
	s, ts := start(t, Config{})
	url := ts.URL + "/patients"
	for _, tc := range []struct {
		name, user, pass string
		want             int
	}{
		{"missing", "", "", http.StatusUnauthorized},
		{"wrong password", testUser, "nope", http.StatusUnauthorized},
		{"wrong user", "admin", testPass, http.StatusUnauthorized},
		{"password as prefix", testUser, testPass + "x", http.StatusUnauthorized},
		{"right", testUser, testPass, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body, err := send(t, ts.Client(), http.MethodPost, url, patient(), tc.user, tc.pass)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("HTTP %d (%s), want %d", resp.StatusCode, body, tc.want)
			}
			if tc.want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	st := s.Stats()
	if st.Unauthorized != 4 || st.Requests != 5 || st.Cards != 1 || st.Uploaded != 1 {
		t.Errorf("stats %+v: want 4 unauthorized, 5 requests, 1 card", st)
	}
}

func TestUnauthorizedIsNeverFaulted(t *testing.T) {
	s, ts := start(t, Config{Rate5xx: 1, Rate429: 1, RateDrop: 1, Latency: time.Second})
	began := time.Now()
	resp, _, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", patient(), testUser, "wrong")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("HTTP %d, want 401", resp.StatusCode)
	}
	if el := time.Since(began); el >= time.Second {
		t.Errorf("401 took %v: latency was applied", el)
	}
	if st := s.Stats(); st.Injected5xx+st.Injected429+st.InjectedDrops != 0 || st.Cards != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRequiredFields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p map[string]any)
		field  string
	}{
		{"family", func(p map[string]any) { delete(p, "family") }, "Family (Фамилия)"},
		{"family blank", func(p map[string]any) { p["family"] = "   " }, "Family (Фамилия)"},
		{"name", func(p map[string]any) { delete(p, "name") }, "Name (Имя)"},
		{"patronymic", func(p map[string]any) { delete(p, "patronymic") }, "Patronymic (Отчество)"},
		{"birthday", func(p map[string]any) { delete(p, "birthday") }, "Birthday (Дата рождения)"},
		{"birthday null", func(p map[string]any) { p["birthday"] = nil }, "Birthday (Дата рождения)"},
		{"polis", func(p map[string]any) { delete(p, "polis") }, "Polis (Полис)"},
		{"polis number", func(p map[string]any) { p["polis"].(map[string]any)["number"] = "" }, "Polis.Number (Номер полиса)"},
		{"mcod", func(p map[string]any) { delete(p, "mcod") }, "Mcod"},
		{"phone", func(p map[string]any) { delete(p, "phone") }, "Phone (Номер телефона)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := start(t, Config{})
			p := patient()
			tc.change(p)
			a := post(t, ts, p)
			wantStatus(t, a, mip.MkabNotValid, mip.AttachmentNone)
			if len(a.ValidationMessage) != 1 || !hasMessage(a.ValidationMessage, "Не заполнено обязательное поле", tc.field) {
				t.Errorf("messages %q, want one naming %s", a.ValidationMessage, tc.field)
			}
			if a.MkabGuid != "" || a.PersonGuid != "" || a.AttachmentGuid != "" {
				t.Errorf("GUIDs given out for a NotValid card: %+v", a)
			}
			if st := s.Stats(); st.Cards != 0 || st.NotValid != 1 || st.Persons != 0 {
				t.Errorf("stats %+v: NotValid must store nothing", st)
			}
		})
	}
}

func TestEmptyPatientGetsOneMessagePerField(t *testing.T) {
	_, ts := start(t, Config{})
	a := post(t, ts, `{}`)
	wantStatus(t, a, mip.MkabNotValid, mip.AttachmentNone)
	for _, f := range []string{"Family", "Name", "Patronymic", "Birthday", "Polis", "Mcod", "Phone"} {
		if !hasMessage(a.ValidationMessage, f+" (") {
			t.Errorf("no message for %s in %q", f, a.ValidationMessage)
		}
	}
	if len(a.ValidationMessage) != 7 {
		t.Errorf("%d messages, want 7: %q", len(a.ValidationMessage), a.ValidationMessage)
	}
}

func TestGenderAndBloodTypeAsStrings(t *testing.T) {
	s, ts := start(t, Config{})
	p := patient()
	p["gender"] = "1"
	p["bloodType"] = "1"
	a := post(t, ts, p)
	wantStatus(t, a, mip.MkabUploaded, mip.AttachmentNone)
	cards := s.Cards()
	if len(cards) != 1 || cards[0].Patient.Gender != 1 || cards[0].Patient.BloodType != 1 {
		t.Fatalf("stored %+v", cards)
	}
}

func TestInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p map[string]any)
		parts  []string
	}{
		{"future birthday", func(p map[string]any) { p["birthday"] = "2025-06-02" }, []string{"Birthday", "в будущем"}},
		{"gender 3", func(p map[string]any) { p["gender"] = 3 }, []string{"Gender", "3"}},
		{"gender negative", func(p map[string]any) { p["gender"] = "-1" }, []string{"Gender"}},
		{"ENP 15 digits", func(p map[string]any) { p["polis"].(map[string]any)["number"] = "507000000000000" }, []string{"Polis.Number", "16 цифр"}},
		{"ENP with spaces", func(p map[string]any) { p["polis"].(map[string]any)["number"] = "5070 0000 0000 0004" }, []string{"Polis.Number", "16 цифр"}},
		{"bad guid", func(p map[string]any) { p["guid"] = "not-a-guid" }, []string{"Guid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := start(t, Config{})
			p := patient()
			tc.change(p)
			a := post(t, ts, p)
			wantStatus(t, a, mip.MkabNotValid, mip.AttachmentNone)
			if len(a.ValidationMessage) != 1 || !hasMessage(a.ValidationMessage, tc.parts...) {
				t.Errorf("messages %q, want one with %q", a.ValidationMessage, tc.parts)
			}
			if s.Stats().Cards != 0 {
				t.Error("a NotValid card was stored")
			}
		})
	}
}

func TestValidEdgeValues(t *testing.T) {
	_, ts := start(t, Config{})
	p := patient()
	p["birthday"] = "2025-06-01" // born today
	p["polis"] = map[string]any{"type": map[string]any{"code": "1"}, "series": "АБ", "number": "123"}
	delete(p, "gender")
	wantStatus(t, post(t, ts, p), mip.MkabUploaded, mip.AttachmentNone)
}

func TestCreateWithoutGUID(t *testing.T) {
	s, ts := start(t, Config{})
	a := post(t, ts, patient())
	wantStatus(t, a, mip.MkabUploaded, mip.AttachmentNone)
	if _, err := uuid.Parse(a.MkabGuid); err != nil {
		t.Fatalf("MkabGuid %q: %v", a.MkabGuid, err)
	}
	if _, err := uuid.Parse(a.PersonGuid); err != nil || a.PersonGuid == a.MkabGuid {
		t.Fatalf("PersonGuid %q", a.PersonGuid)
	}
	if len(a.ValidationMessage) != 0 || a.AttachmentGuid != "" {
		t.Errorf("answer %+v", a)
	}
	cards := s.Cards()
	if len(cards) != 1 || cards[0].GUID != a.MkabGuid || cards[0].PersonGUID != a.PersonGuid ||
		cards[0].Patient.GUID != a.MkabGuid || cards[0].Patient.Family != "Иванова" || !cards[0].Created.Equal(testNow) {
		t.Fatalf("cards %+v", cards)
	}
	b := post(t, ts, other())
	if b.MkabGuid == a.MkabGuid || b.PersonGuid == a.PersonGuid {
		t.Errorf("second card reused GUIDs: %+v %+v", a, b)
	}
	if st := s.Stats(); st.Created != 2 || st.Updated != 0 || st.Cards != 2 || st.Persons != 2 || st.DuplicatePersons != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestCreateWithGivenGUID(t *testing.T) {
	s, ts := start(t, Config{})
	guid := "26f407bc-01c7-4e64-ae16-80ae909b1574"
	p := patient()
	p["guid"] = guid
	a := post(t, ts, p)
	wantStatus(t, a, mip.MkabUploaded, mip.AttachmentNone)
	if a.MkabGuid != guid {
		t.Fatalf("MkabGuid %q, want %q", a.MkabGuid, guid)
	}
	// The same GUID in upper case is the same card.
	q := patient()
	q["guid"] = strings.ToUpper(guid)
	if b := post(t, ts, q); b.MkabGuid != guid {
		t.Fatalf("upper-case guid gave %q", b.MkabGuid)
	}
	if st := s.Stats(); st.Created != 1 || st.Updated != 1 || st.Cards != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestUpdateSamePerson(t *testing.T) {
	clk := &clock{t: testNow}
	s, ts := start(t, Config{Now: clk.Now})
	guid := uuid.NewString()
	p := patient()
	p["guid"] = guid
	a := post(t, ts, p)

	clk.Advance(time.Hour)
	p["phone"] = "89995555555"
	delete(p, "gender")
	b := post(t, ts, p)
	wantStatus(t, b, mip.MkabUploaded, mip.AttachmentNone)
	if b.MkabGuid != guid || b.PersonGuid != a.PersonGuid {
		t.Fatalf("update answered %+v, created %+v", b, a)
	}
	cards := s.Cards()
	if len(cards) != 1 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[0]
	if c.Patient.Phone != "89995555555" || c.Patient.Gender != 0 || c.Updates != 1 ||
		!c.Created.Equal(testNow) || !c.Updated.Equal(testNow.Add(time.Hour)) {
		t.Errorf("card after update %+v", c)
	}
	if st := s.Stats(); st.Created != 1 || st.Updated != 1 || st.Uploaded != 2 || st.Persons != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestUpdateSurnameChangeWithSamePolis(t *testing.T) {
	s, ts := start(t, Config{})
	guid := uuid.NewString()
	p := patient()
	p["guid"] = guid
	post(t, ts, p)
	// Married: new surname, new passport, no СНИЛС in this file; same polis.
	p["family"] = "Сидорова"
	p["identityDocument"] = map[string]any{"series": "45 20", "number": "654321"}
	delete(p, "snils")
	wantStatus(t, post(t, ts, p), mip.MkabUploaded, mip.AttachmentNone)
	if st := s.Stats(); st.Updated != 1 || st.Errors != 0 || s.Cards()[0].Patient.Family != "Сидорова" {
		t.Errorf("stats %+v", st)
	}
}

func TestUpdateSameNameAndBirthdayNewDocuments(t *testing.T) {
	s, ts := start(t, Config{})
	guid := uuid.NewString()
	p := patient()
	p["family"] = "Ёлкина"
	p["guid"] = guid
	post(t, ts, p)
	q := other()
	q["guid"] = guid
	q["family"] = "  ЕЛКИНА "
	q["name"] = "мария"
	q["birthday"] = "1990-01-01"
	wantStatus(t, post(t, ts, q), mip.MkabUploaded, mip.AttachmentNone)
	if st := s.Stats(); st.Updated != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestErrorOnDifferentPersonWithSameGUID(t *testing.T) {
	s, ts := start(t, Config{})
	guid := uuid.NewString()
	p := patient()
	p["guid"] = guid
	a := post(t, ts, p)
	q := other()
	q["guid"] = guid
	b := post(t, ts, q)
	wantStatus(t, b, mip.MkabError, mip.AttachmentNone)
	if !hasMessage(b.ValidationMessage, "Карта с guid "+guid, "принадлежит другому пациенту") {
		t.Errorf("messages %q", b.ValidationMessage)
	}
	if b.MkabGuid != "" || b.PersonGuid != "" {
		t.Errorf("Error answer gave GUIDs: %+v", b)
	}
	cards := s.Cards()
	if len(cards) != 1 || cards[0].Patient.Family != "Иванова" || cards[0].Updates != 0 || cards[0].PersonGUID != a.PersonGuid {
		t.Errorf("stored card changed: %+v", cards)
	}
	if st := s.Stats(); st.Errors != 1 || st.Updated != 0 || st.Persons != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestPersonSharedAcrossCards(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p map[string]any) // makes the second card share one identifier only
	}{
		{"same СНИЛС", func(p map[string]any) {
			p["polis"] = map[string]any{"number": "1111111111111111"}
			p["snils"] = "11223344595" // same digits, other format
		}},
		{"same polis", func(p map[string]any) { delete(p, "snils") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := start(t, Config{})
			a := post(t, ts, patient())
			q := patient()
			q["family"] = "Другая"
			delete(q, "identityDocument")
			tc.change(q)
			b := post(t, ts, q)
			wantStatus(t, b, mip.MkabUploaded, mip.AttachmentNone)
			if b.PersonGuid != a.PersonGuid || b.MkabGuid == a.MkabGuid {
				t.Fatalf("first %+v second %+v: want one person, two cards", a, b)
			}
			c := post(t, ts, other())
			if c.PersonGuid == a.PersonGuid {
				t.Fatal("an unrelated patient joined the person")
			}
			if st := s.Stats(); st.DuplicatePersons != 1 || st.Cards != 3 || st.Persons != 2 || st.Created != 3 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestPlaceholderIdentifiersDoNotJoinPersons(t *testing.T) {
	s, ts := start(t, Config{})
	p := patient()
	p["snils"] = "000-000-000 00"
	q := other()
	q["snils"] = "000-000-000 00"
	if a, b := post(t, ts, p), post(t, ts, q); a.PersonGuid == b.PersonGuid {
		t.Fatal("placeholder СНИЛС joined two patients")
	}
	if st := s.Stats(); st.DuplicatePersons != 0 || st.Persons != 2 {
		t.Errorf("stats %+v", st)
	}
}

func attachment(mcod, date string, method int) map[string]any {
	a := map[string]any{"mcod": mcod, "date": date}
	if method != 0 {
		a["method"] = method
	}
	return a
}

func TestAttachmentUploadedAndStable(t *testing.T) {
	s, ts := start(t, Config{})
	guid := uuid.NewString()
	p := patient()
	p["guid"] = guid
	p["attachment"] = attachment("590001", "2024-01-15", 2)
	a := post(t, ts, p)
	wantStatus(t, a, mip.MkabUploaded, mip.AttachmentUploaded)
	if _, err := uuid.Parse(a.AttachmentGuid); err != nil {
		t.Fatalf("AttachmentGuid %q", a.AttachmentGuid)
	}
	p["attachment"] = map[string]any{"mcod": "590001", "date": "2024-03-01", "method": "1"}
	b := post(t, ts, p)
	wantStatus(t, b, mip.MkabUploaded, mip.AttachmentUploaded)
	if b.AttachmentGuid != a.AttachmentGuid {
		t.Errorf("attachment GUID changed on update: %q → %q", a.AttachmentGuid, b.AttachmentGuid)
	}
	if c := s.Cards()[0]; c.AttachmentGUID != a.AttachmentGuid || c.Patient.Attachment.Method != 1 {
		t.Errorf("card %+v", c)
	}
	// An update without attachment answers None.
	delete(p, "attachment")
	wantStatus(t, post(t, ts, p), mip.MkabUploaded, mip.AttachmentNone)
	if st := s.Stats(); st.AttachmentUploaded != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestAttachmentNotValid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		att   any
		parts []string
	}{
		{"no mcod", attachment("", "2024-01-15", 1), []string{"Не заполнено обязательное поле", "Attachment.Mcod"}},
		{"no date", map[string]any{"mcod": "590001"}, []string{"Не заполнено обязательное поле", "Attachment.Date"}},
		{"future date", attachment("590001", "2025-06-02", 1), []string{"Attachment.Date", "в будущем"}},
		{"method 3", attachment("590001", "2024-01-15", 3), []string{"Attachment.Method", "3"}},
		{"empty object", map[string]any{}, []string{"Attachment.Mcod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := start(t, Config{})
			p := patient()
			p["attachment"] = tc.att
			a := post(t, ts, p)
			wantStatus(t, a, mip.MkabUploaded, mip.AttachmentNotValid)
			if !hasMessage(a.ValidationMessage, tc.parts...) {
				t.Errorf("messages %q, want %q", a.ValidationMessage, tc.parts)
			}
			if a.AttachmentGuid != "" || a.MkabGuid == "" {
				t.Errorf("answer %+v", a)
			}
			if st := s.Stats(); st.Cards != 1 || st.AttachmentNotValid != 1 {
				t.Errorf("stats %+v: the card must be stored", st)
			}
		})
	}
}

func TestAttachmentYearlyRule(t *testing.T) {
	s, ts := start(t, Config{})
	p := patient()
	p["attachment"] = attachment("590001", "2024-01-15", 2)
	first := post(t, ts, p)
	wantStatus(t, first, mip.MkabUploaded, mip.AttachmentUploaded)

	// Another card of the same person (same СНИЛС), another МО, 138 days later.
	q := patient()
	q["polis"] = map[string]any{"number": "2222222222222222"}
	q["attachment"] = attachment("590002", "2024-06-01", 2)
	second := post(t, ts, q)
	wantStatus(t, second, mip.MkabUploaded, mip.AttachmentError)
	if !slices.Contains(second.ValidationMessage, "Прикрепление к другой МО чаще одного раза в год") {
		t.Errorf("messages %q", second.ValidationMessage)
	}
	if second.AttachmentGuid != "" || second.PersonGuid != first.PersonGuid {
		t.Errorf("answer %+v", second)
	}
	if st := s.Stats(); st.Cards != 2 || st.AttachmentErrors != 1 {
		t.Fatalf("stats %+v: the card must be stored", st)
	}

	// The first card re-attached to the same МО within the year: fine.
	p["guid"] = first.MkabGuid
	p["attachment"] = attachment("590001", "2024-02-01", 1)
	wantStatus(t, post(t, ts, p), mip.MkabUploaded, mip.AttachmentUploaded)

	// Another МО 365 days after the last attachment: fine.
	p["attachment"] = attachment("590002", "2025-01-31", 2)
	wantStatus(t, post(t, ts, p), mip.MkabUploaded, mip.AttachmentUploaded)

	// An unrelated patient may attach anywhere.
	r := other()
	r["attachment"] = attachment("590003", "2024-06-01", 2)
	wantStatus(t, post(t, ts, r), mip.MkabUploaded, mip.AttachmentUploaded)
}

func TestAnswerKeysArePascalCase(t *testing.T) {
	_, ts := start(t, Config{})
	for _, body := range []any{patient(), `{}`} {
		resp, raw, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", body, testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"AttachmentGuid", "AttachmentStatus", "MkabGuid", "MkabStatus", "PersonGuid", "ValidationMessage"}
		if !slices.Equal(keys, want) {
			t.Errorf("keys %q, want %q", keys, want)
		}
		if vm := string(m["ValidationMessage"]); vm == "null" || vm[0] != '[' {
			t.Errorf("ValidationMessage %s, want an array", vm)
		}
	}
	// Exactly the seed's example order for a successful answer.
	_, raw, _ := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", patient(), testUser, testPass)
	if !bytes.HasPrefix(raw, []byte(`{"MkabStatus":"Uploaded","AttachmentStatus":"None","PersonGuid":"`)) ||
		!bytes.HasSuffix(bytes.TrimSpace(raw), []byte(`"AttachmentGuid":"","ValidationMessage":[]}`)) {
		t.Errorf("raw answer %s", raw)
	}
}

func TestBasePrefixAndRouting(t *testing.T) {
	s, ts := start(t, Config{})
	resp, body, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/api/v1/patients", patient(), testUser, testPass)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/patients: %v %v %s", err, resp, body)
	}
	resp, _, err = send(t, ts.Client(), http.MethodPost, ts.URL+"/patientsx", patient(), testUser, testPass)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("POST /patientsx: %v %v", err, resp)
	}
	if st := s.Stats(); st.Cards != 1 || st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s, ts := start(t, Config{})
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		resp, _, err := send(t, ts.Client(), m, ts.URL+"/patients", nil, testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
			t.Errorf("%s: HTTP %d Allow %q", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if st := s.Stats(); st.BadRequests != 3 || st.Requests != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestBodyTooLarge(t *testing.T) {
	s, ts := start(t, Config{})
	p := patient()
	p["birthplace"] = strings.Repeat("x", MaxBodyBytes)
	big := mustJSON(t, p)
	// With a Content-Length, and chunked (no length known up front).
	for _, body := range []io.Reader{bytes.NewReader(big), io.MultiReader(bytes.NewReader(big))} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/patients", body)
		req.SetBasicAuth(testUser, testPass)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("HTTP %d, want 413", resp.StatusCode)
		}
	}
	if st := s.Stats(); st.BadRequests != 2 || st.Cards != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestBadJSON(t *testing.T) {
	s, ts := start(t, Config{})
	for _, body := range []string{`{"family": `, `[1,2]`, `{"birthday": "01.01.1990"}`, `{"gender": "м"}`} {
		resp, text, err := send(t, ts.Client(), http.MethodPost, ts.URL+"/patients", body, testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest || len(text) == 0 || len(text) > 400 {
			t.Errorf("%s: HTTP %d %q", body, resp.StatusCode, text)
		}
	}
	if st := s.Stats(); st.BadRequests != 4 || st.Cards != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestInspectionEndpoints(t *testing.T) {
	s, ts := start(t, Config{})
	c := ts.Client()
	post(t, ts, patient())
	post(t, ts, other())

	resp, body, err := send(t, c, http.MethodGet, ts.URL+"/_mock/stats", nil, "", "")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stats: %v %v", err, resp)
	}
	var st Stats
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st != s.Stats() || st.Requests != 2 || st.Cards != 2 || !bytes.Contains(body, []byte(`"duplicatePersons":0`)) {
		t.Errorf("stats over HTTP %s, Stats() %+v", body, s.Stats())
	}

	resp, body, err = send(t, c, http.MethodGet, ts.URL+"/api/_mock/cards", nil, "", "")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("cards: %v %v", err, resp)
	}
	var cards []Card
	if err := json.Unmarshal(body, &cards); err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[0].GUID > cards[1].GUID || cards[0].Patient.Family == "" ||
		!bytes.Contains(body, []byte(`"personGuid"`)) || !bytes.Contains(body, []byte(`"birthday":"19`)) {
		t.Errorf("cards %s", body)
	}

	if resp, _, _ := send(t, c, http.MethodGet, ts.URL+"/_mock/reset", nil, "", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET reset: HTTP %d", resp.StatusCode)
	}
	resp, _, err = send(t, c, http.MethodPost, ts.URL+"/_mock/reset", nil, "", "")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %v %v", err, resp)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("after reset %+v", st)
	}
	_, body, _ = send(t, c, http.MethodGet, ts.URL+"/_mock/cards", nil, "", "")
	if strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("cards after reset %s", body)
	}
	// The same card can be created again after a reset.
	wantStatus(t, post(t, ts, patient()), mip.MkabUploaded, mip.AttachmentNone)
	if st := s.Stats(); st.DuplicatePersons != 0 || st.Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCardsSnapshotIsACopy(t *testing.T) {
	s, ts := start(t, Config{})
	post(t, ts, patient())
	cards := s.Cards()
	cards[0].Patient.Polis.Number = "changed"
	cards[0].Patient.Family = "changed"
	if again := s.Cards(); again[0].Patient.Polis.Number != "5070000000000004" || again[0].Patient.Family != "Иванова" {
		t.Errorf("the store was changed through a snapshot: %+v", again[0].Patient)
	}
}

func TestSamePersonRule(t *testing.T) {
	base := func() *mip.Patient {
		return &mip.Patient{
			Family: "Ёлкина", Name: "Мария", Birthday: mip.Date{Year: 1990, Month: 1, Day: 1},
			Snils:            "112-233-445 95",
			Polis:            &mip.Polis{Number: "5070000000000004"},
			IdentityDocument: &mip.IdentityDocument{Series: "45 10", Number: "123456"},
		}
	}
	stranger := func() *mip.Patient {
		return &mip.Patient{Family: "Петров", Name: "Сергей", Birthday: mip.Date{Year: 1975, Month: 3, Day: 15}}
	}
	for _, tc := range []struct {
		name string
		b    func() *mip.Patient
		want bool
	}{
		{"identical", base, true},
		{"stranger without ids", stranger, false},
		{"stranger with other ids", func() *mip.Patient {
			p := stranger()
			p.Snils, p.Polis = "123-456-789 64", &mip.Polis{Number: "7755000000000017"}
			return p
		}, false},
		{"same СНИЛС only", func() *mip.Patient { p := stranger(); p.Snils = "11223344595"; return p }, true},
		{"same polis only", func() *mip.Patient {
			p := stranger()
			p.Polis = &mip.Polis{Number: "5070 0000 0000 0004"}
			return p
		}, true},
		{"same document only", func() *mip.Patient {
			p := stranger()
			p.IdentityDocument = &mip.IdentityDocument{Series: "4510", Number: "123456"}
			return p
		}, true},
		{"same document number, other series", func() *mip.Patient {
			p := stranger()
			p.IdentityDocument = &mip.IdentityDocument{Series: "4511", Number: "123456"}
			return p
		}, false},
		{"same name folded", func() *mip.Patient {
			p := stranger()
			p.Family, p.Name, p.Birthday = "  ЕЛКИНА", "мария ", mip.Date{Year: 1990, Month: 1, Day: 1}
			return p
		}, true},
		{"same name, other birthday", func() *mip.Patient {
			p := stranger()
			p.Family, p.Name = "Елкина", "Мария"
			return p
		}, false},
		{"placeholder ids only", func() *mip.Patient {
			p := stranger()
			p.Snils = "000-000-000 00"
			return p
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := base()
			if tc.name == "placeholder ids only" {
				a.Snils = "00000000000"
			}
			if got := samePerson(identityOf(a), identityOf(tc.b())); got != tc.want {
				t.Errorf("samePerson = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMaxPerSecondCountsArrivalsInOneSecond(t *testing.T) {
	var p perSecond
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		p.arrive(base.Add(time.Duration(i) * 100 * time.Millisecond))
	}
	for i := 0; i < 3; i++ {
		p.arrive(base.Add(time.Second + time.Duration(i)*time.Millisecond))
	}
	if p.maximum() != 5 {
		t.Fatalf("max %d, want 5", p.maximum())
	}
}
