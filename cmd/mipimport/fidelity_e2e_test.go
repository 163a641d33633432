package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mipimport/mip/mipmock"
)

// The end-to-end cases of issue 17: what is sent is what the file says,
// under the row number and the key the clerk sees.

const fidelityMapping = `version: 1
key: [Код]
fields:
  fio: ФИО
  birthday: Дата рождения
  snils: СНИЛС
  polis.number: Полис
  phone: Телефон
  regAddress: Адрес
  mcod: {value: "770001"}
`

func writeInput(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func find(r runResult, row int) line {
	for _, l := range r.lines {
		if l.Row == row {
			return l
		}
	}
	return line{}
}

// TestCSVRowsAndKeysAsTheClerkSeesThem: an address on two lines is one
// row, so the rows after it keep the numbers a spreadsheet shows; keys are
// matched folded and shown as typed, in the results and the history.
func TestCSVRowsAndKeysAsTheClerkSeesThem(t *testing.T) {
	_, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	mapping := writeInput(t, dir, "m.yaml", fidelityMapping)
	input := writeInput(t, dir, "p.csv", "Код;ФИО;Дата рождения;СНИЛС;Полис;Телефон;Адрес\n"+
		"A-1001;Иванов Иван Иванович;01.02.1990;112-233-445 95;7700000000000008;89123456789;\"г. Москва,\nул. Ленина, д. 1\"\n"+
		"A-1002;Петров Пётр Петрович;02.03.1985;;5070000000000004;89123456780;г. Москва\n"+
		"a-1001;Иванов Иван Иванович;01.02.1990;112-233-445 95;7700000000000008;89123456789;г. Москва\n")
	state := filepath.Join(dir, "state.db")
	r := run(t, url, "demo", "--mapping", mapping, "--state", state, input)
	var got []string
	for _, l := range r.lines {
		got = append(got, strings.Join([]string{strconv.Itoa(l.Row), l.Key, l.Outcome}, " "))
	}
	want := []string{"2 A-1001 uploaded", "3 A-1002 uploaded", "4 a-1001 duplicate"}
	if !slices.Equal(got, want) {
		t.Fatalf("results %q, want %q\n%s", got, want, r.stderr)
	}
	if !strings.Contains(strings.Join(find(r, 4).Messages, ""), "строке 2") {
		t.Errorf("the duplicate names the row the clerk sees: %q", find(r, 4).Messages)
	}
	out, err := exec.Command(binPath, "history", "--state", state, "key", "A-1002").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "A-1002") || strings.Contains(string(out), "a-1002") {
		t.Errorf("history key A-1002: %v\n%s", err, out)
	}
	out, err = exec.Command(binPath, "history", "--state", state, "key", "a-1002").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "A-1002") {
		t.Errorf("history key a-1002: %v\n%s", err, out)
	}
}

// TestIdentityGuardAndMIPsOwnAnswer: a key uploaded for one person that
// now describes another is not sent; with --allow-identity-change it is,
// and МИП itself answers Error for a card that belongs to someone else.
func TestIdentityGuardAndMIPsOwnAnswer(t *testing.T) {
	mock, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	mapping := writeInput(t, dir, "m.yaml", fidelityMapping)
	head := "Код;ФИО;Дата рождения;СНИЛС;Полис;Телефон;Адрес\n"
	first := writeInput(t, dir, "first.csv", head+
		"K-1;Иванова Мария Ивановна;01.02.1990;112-233-445 95;7700000000000008;89123456789;г. Москва\n"+
		"K-2;Петров Пётр Петрович;02.03.1985;;5070000000000004;89123456780;г. Москва\n")
	state := filepath.Join(dir, "state.db")
	if r := run(t, url, "demo", "--mapping", mapping, "--state", state, first); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	// K-1 married; K-2 is now somebody else altogether.
	second := writeInput(t, dir, "second.csv", head+
		"K-1;Смирнова Мария Ивановна;01.02.1990;112-233-445 95;7700000000000008;89123456789;г. Москва\n"+
		"K-2;Лебедева Анна Сергеевна;15.07.1999;;8451999122899990;89123456781;г. Тверь\n")
	r := run(t, url, "demo", "--mapping", mapping, "--state", state, second)
	if l := find(r, 2); l.Outcome != "uploaded" || !strings.Contains(strings.Join(l.Messages, ""), "фамилия отличается") {
		t.Errorf("row 2 (married): %s %q", l.Outcome, l.Messages)
	}
	l := find(r, 3)
	if l.Outcome != "invalid" || !slices.Contains(l.Messages, "Ключ K-2 уже загружен для другого пациента (не совпадают дата рождения, фамилия и имя) — проверьте, тот ли это пациент") {
		t.Errorf("row 3 (another person): %s %q", l.Outcome, l.Messages)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	cards := mock.Stats().Cards
	// The operator overrides the guard: МИП itself refuses to put another
	// person's data on the card.
	r = run(t, url, "demo", "--mapping", mapping, "--state", state, "--allow-identity-change", second)
	l = find(r, 3)
	if l.Outcome != "error" || l.MkabStatus != "Error" || !strings.Contains(strings.Join(l.Messages, ""), "--allow-identity-change") {
		t.Errorf("row 3 allowed: %s %s %q", l.Outcome, l.MkabStatus, l.Messages)
	}
	if got := mock.Stats().Cards; got != cards {
		t.Errorf("МИП holds %d cards, had %d: the other person's data went somewhere", got, cards)
	}
}
