package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
	"mipimport/mip/mipmock"
	"mipimport/report"
)

// lastLine is the last non-blank line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// mipimport runs the built binary with args and env added to the
// environment, and returns its exit code and stderr.
func mipimport(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String()
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every error a command stops on ends with one Russian line that says what
// to do; the English detail, where there is one, is a log line above it.
func TestErrorsEndInRussian(t *testing.T) {
	dir := t.TempDir()
	sample, err := filepath.Abs("../../samples/patients.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "нет такого.xlsx")
	lockFile := writeFile(t, filepath.Join(dir, "~$пациенты.xlsx"), append([]byte{7}, []byte("Иванова И.И.                  ")...))
	empty := writeFile(t, filepath.Join(dir, "empty.csv"), nil)
	notZip := writeFile(t, filepath.Join(dir, "list.xlsx"), []byte("ФИО;СНИЛС\nИванов;112-233-445 95\n"))
	ole := writeFile(t, filepath.Join(dir, "locked.xlsx"), append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...))
	xls := writeFile(t, filepath.Join(dir, "old.xls"), append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...))
	badYAML := writeFile(t, filepath.Join(dir, "m.yaml"), []byte("version: 1\nkey: [snils]\nfields:\n  fio: ФИО\n  birthday: Дата рождения\n snils: СНИЛС\n  phone: Телефон\n"))
	noOffice := "PATH=" + t.TempDir() // no LibreOffice to convert an .xls
	dry := []string{"import", "--dry-run", "--no-state", "--no-progress"}
	tests := []struct {
		name   string
		env    []string
		args   []string
		last   string // the whole last line, or with want its start
		want   []string
		detail bool // an English log line above
		usage  bool
	}{
		{name: "a missing input", args: append(dry, missing), last: "Ошибка: файл не найден: " + missing, detail: true},
		{name: "a missing input of mapping init", args: []string{"mapping", "init", missing}, last: "Ошибка: файл не найден: " + missing, detail: true},
		{name: "Excel's lock file", args: append(dry, lockFile),
			last: "Ошибка: " + lockFile + " — служебный файл-замок, который Excel создаёт, пока книга открыта; укажите сам файл, без «~$» в начале имени: " +
				filepath.Join(dir, "пациенты.xlsx") + " (если программа не может его открыть, сначала закройте его в Excel)"},
		{name: "a folder", args: append(dry, dir), last: "Ошибка: " + dir + " — это папка, а не файл: укажите файл таблицы (.xlsx или .csv)"},
		{name: "an empty file", args: append(dry, empty), last: "Ошибка: файл " + empty + " пуст (0 байт): укажите файл с данными"},
		{name: "a text file named .xlsx", args: append(dry, notZip), want: []string{"не книга Excel, хотя названа .xlsx", "сохраните как «Книга Excel (*.xlsx)»"}},
		{name: "a workbook with a password", args: append(dry, ole), want: []string{"защищённая паролем", "снимите пароль"}},
		{name: "an .xls without LibreOffice", env: []string{noOffice}, args: append(dry, xls), detail: true,
			last: "Ошибка: " + xls + " — книга в старом формате Excel 97–2003 (.xls), его эта программа не читает: откройте файл в Excel и сохраните как «Книга Excel (*.xlsx)» (Файл → Сохранить как), затем укажите новый файл .xlsx"},
		{name: "an .xls without LibreOffice, mapping init", env: []string{noOffice}, args: []string{"mapping", "init", xls}, detail: true,
			want: []string{"сохраните как «Книга Excel (*.xlsx)»"}},
		{name: "import without a file", args: []string{"import"}, usage: true,
			last: "Ошибка: не указан файл: укажите таблицу с пациентами (.xlsx или .csv) в конце команды, например: mipimport import пациенты.xlsx"},
		{name: "mapping init without a file", args: []string{"mapping", "init"}, usage: true,
			last: "Ошибка: не указан файл: укажите таблицу с пациентами (.xlsx или .csv) в конце команды, например: mipimport mapping init пациенты.xlsx"},
		{name: "a path with a space, unquoted", args: []string{"import", "Мои", "документы.xlsx"}, usage: true,
			last: `Ошибка: указано файлов: 2, а нужен один («Мои», «документы.xlsx»); путь с пробелами возьмите в кавычки: "Мои документы.xlsx"`},
		{name: "a YAML syntax error", args: append(dry, "--mapping", badYAML, sample), detail: true,
			last: "Ошибка: в файле сопоставления " + badYAML + ", строка 6: запись нарушает правила YAML — проверьте отступы (только пробелы, без табуляции, одинаковые у соседних строк), двоеточие после имени поля и парные кавычки и скобки"},
		{name: "a missing mapping", args: append(dry, "--mapping", filepath.Join(dir, "нет.yaml"), sample), detail: true,
			last: "Ошибка: файл сопоставления (--mapping) не найден: " + filepath.Join(dir, "нет.yaml")},
		{name: "no МИП address", env: []string{"MIP_URL=", "MIP_USER=u", "MIP_PASSWORD=p"}, args: []string{"import", "--no-state", sample}, detail: true,
			last: "Ошибка: не указан адрес МИП: задайте переменную MIP_URL или --url (чтобы только проверить файл, без отправки, добавьте --dry-run)"},
		{name: "no password", env: []string{"MIP_URL=https://mip.example.ru/api", "MIP_USER=u", "MIP_PASSWORD="}, args: []string{"import", "--no-state", sample}, detail: true,
			last: "Ошибка: не задан пароль МИП: задайте переменную MIP_PASSWORD (или укажите файл с паролем: --password-file)"},
		{name: "an unknown flag", args: []string{"import", "--concurency", "4", sample}, detail: true, usage: true,
			last: "Ошибка: неверный параметр командной строки (какой — в строке ERROR выше); список параметров: mipimport import --help"},
		{name: "a missing state file", args: []string{"history", "--state", filepath.Join(dir, "s.db")}, detail: true,
			want: []string{"файл состояния не найден: " + filepath.Join(dir, "s.db")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := mipimport(t, tt.env, tt.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			last := lastLine(stderr)
			if tt.last != "" && last != tt.last {
				t.Errorf("last line\n%s\nwant\n%s", last, tt.last)
			}
			if !strings.HasPrefix(last, "Ошибка: ") {
				t.Errorf("last line %q does not start «Ошибка: »", last)
			}
			for _, w := range tt.want {
				if !strings.Contains(last, w) {
					t.Errorf("last line %q lacks %q", last, w)
				}
			}
			for _, bad := range []string{"zip:", "LibreOffice", "accepts 1 arg", "cannot open", "is it a real"} {
				if strings.Contains(last, bad) {
					t.Errorf("last line %q says %q", last, bad)
				}
			}
			if got := strings.Contains(stderr, "\tERROR\t"); got != tt.detail {
				t.Errorf("English detail in the log: %v, want %v\n%s", got, tt.detail, stderr)
			}
			if got := strings.Contains(stderr, "Usage:"); got != tt.usage {
				t.Errorf("usage printed: %v, want %v\n%s", got, tt.usage, stderr)
			}
		})
	}
}

// summarySheet reads the report's «Итоги» sheet: label → value, and its
// first cell.
func summarySheet(t *testing.T, path string) (map[string]string, string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Итоги")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	first := ""
	for _, r := range rows {
		if len(r) == 0 {
			continue
		}
		if first == "" {
			first = r[0]
		}
		if len(r) > 1 {
			out[r[0]] = r[1]
		}
	}
	return out, first
}

// onlyFile is the one file in dir matching pattern.
func onlyFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("files %s in %s: %v, %v", pattern, dir, m, err)
	}
	return m[0]
}

// A run that ends early leaves the last complete run's report and fix file
// as they were: its own files carry its start time, and the terminal says
// so. The next complete run takes the usual names again.
func TestEarlyEndKeepsTheLastCompleteRun(t *testing.T) {
	_, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	outputs := []string{"--mapping", "../../samples/mapping.yaml", "--no-progress",
		"--report", filepath.Join(dir, "patients.result.xlsx"),
		"--fix-file", filepath.Join(dir, "patients.to-fix.xlsx"),
		"--state", filepath.Join(dir, "state.db"), "../../samples/patients.xlsx"}
	importWith := func(env ...string) (int, string) {
		t.Helper()
		return mipimport(t, append([]string{"MIP_USER=demo"}, env...), append([]string{"import"}, outputs...)...)
	}
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	stampedFiles := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "patients.*-20*.xlsx"))
		return m
	}

	if code, stderr := importWith("MIP_URL="+url, "MIP_PASSWORD=demo"); code != 1 {
		t.Fatalf("the complete run: exit %d\n%s", code, stderr)
	}
	prevReport, prevFix := read("patients.result.xlsx"), read("patients.to-fix.xlsx")
	if s := stampedFiles(); len(s) != 0 {
		t.Fatalf("a complete run left files named by time: %v", s)
	}

	// МИП unreachable, then a wrong password: both end early.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + l.Addr().String()
	l.Close()
	for i, env := range [][]string{{"MIP_URL=" + deadURL, "MIP_PASSWORD=demo"}, {"MIP_URL=" + url, "MIP_PASSWORD=wrong"}} {
		code, stderr := importWith(env...)
		if code != 2 {
			t.Fatalf("early run %d: exit %d\n%s", i, code, stderr)
		}
		if !bytes.Equal(read("patients.result.xlsx"), prevReport) || !bytes.Equal(read("patients.to-fix.xlsx"), prevFix) {
			t.Fatalf("early run %d changed the last complete run's files", i)
		}
		stamped := stampedFiles()
		if len(stamped) != 2*(i+1) {
			t.Fatalf("early run %d: files named by time %v, want its report and fix file beside the earlier ones", i, stamped)
		}
		var own string
		for _, line := range strings.Split(stderr, "\n") {
			if p, ok := strings.CutPrefix(line, "Отчёт этого запуска: "); ok {
				own = p
			}
		}
		if _, first := summarySheet(t, own); !strings.HasPrefix(first, "Запуск прерван: МИП") {
			t.Errorf("early run %d: its report %q begins %q", i, own, first)
		}
		if mode, err := os.Stat(own); err != nil || mode.Mode().Perm() != 0o600 {
			t.Errorf("early run %d: report %v, %v", i, mode, err)
		}
		const kept = "Запуск не завершён, поэтому его файлы названы по времени начала; patients.result.xlsx и patients.to-fix.xlsx не изменены — в них итоги последнего завершённого запуска."
		if !strings.Contains(stderr, kept) {
			t.Errorf("early run %d does not say the usual files are kept:\n%s", i, stderr)
		}
	}

	// A complete run again: the usual names, nothing new named by time.
	if code, stderr := importWith("MIP_URL="+url, "MIP_PASSWORD=demo"); code != 1 || !strings.Contains(stderr, "Отчёт: "+filepath.Join(dir, "patients.result.xlsx")) {
		t.Fatalf("the next complete run: exit %d\n%s", code, stderr)
	}
	if s := stampedFiles(); len(s) != 4 {
		t.Fatalf("files named by time after a complete run: %v", s)
	}
	if counts, _ := summarySheet(t, filepath.Join(dir, "patients.result.xlsx")); counts[report.OutcomeTitle(importer.Unchanged)] != "22" {
		t.Errorf("the usual report is not the last complete run's: %v", counts)
	}
}

// --max-duration ends a run early too: the clerk is told why in Russian.
func TestMaxDurationSaysWhy(t *testing.T) {
	_, url := startMock(t, mipmock.Config{Latency: 300 * time.Millisecond})
	r := run(t, url, "demo", "--mapping", "../../samples/mapping.yaml", "--concurrency", "1", "--max-duration", "500ms", "../../samples/patients.xlsx")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	const why = "Запуск прерван: истекло время, отведённое на запуск (--max-duration 1 с)"
	if !strings.Contains(r.stderr, "\n"+why+"\n") {
		t.Errorf("the summary lacks %q:\n%s", why, r.stderr)
	}
	if _, first := summarySheet(t, onlyFile(t, r.dir, "report-*.xlsx")); first != why {
		t.Errorf("the summary sheet begins %q", first)
	}
	if last := lastLine(r.stderr); last != "Загружены не все строки — какие и почему, сказано в отчёте и в файле для исправления (пути выше)." {
		t.Errorf("last line %q", last)
	}
}

// mapping init -o writes the guess to a new file, and never over one: on
// Windows PowerShell 5's > would write UTF-16, and an edited mapping must
// not be lost to a second guess.
func TestMappingInitOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "сопоставление.yaml")
	code, stderr := mipimport(t, nil, "mapping", "init", "-o", out, "../../samples/patients.xlsx")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "ФИО") || !strings.HasPrefix(string(b), "#") {
		t.Fatalf("mapping written: %q, %v", b, err)
	}
	os.WriteFile(out, []byte("edited\n"), 0o644)
	code, stderr = mipimport(t, nil, "mapping", "init", "-o", out, "../../samples/patients.xlsx")
	if code != 2 || lastLine(stderr) != "Ошибка: файл "+out+" уже есть — его не перезаписываю: укажите другое имя или удалите его" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "edited\n" {
		t.Fatalf("the edited mapping was overwritten: %q", b)
	}
}

// A file that cannot be read to its end stops the run at the place named,
// in Russian, in the terminal and in the report, and the run counts as
// ended early.
func TestUnreadableRowSaysWhere(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, filepath.Join(dir, "m.yaml"), []byte("version: 1\nfields:\n  family: Фамилия\n  name: Имя\n  patronymic: Отчество\n"+
		"  birthday: Дата рождения\n  polis.number: Полис\n  phone: Телефон\n  mcod:\n    value: \"770001\"\n"))
	input, _ := filepath.Abs("../../mapping/reader/testdata/hostile/unclosed-mid.csv")
	code, stderr := mipimport(t, nil, "import", "--dry-run", "--no-state", "--no-progress", "--mapping", m,
		"--report", filepath.Join(dir, "r.xlsx"), "--fix-file", filepath.Join(dir, "f.xlsx"), input)
	if code != 2 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// The reader names the row (and the column, in its own words).
	place := "файл " + input + ", строка 3"
	if last := lastLine(stderr); !strings.HasPrefix(last, "Ошибка: не удалось прочитать "+place) ||
		!strings.HasSuffix(last, " (причина — в строке журнала выше); строки до этого места обработаны, остальные не отправлены") {
		t.Errorf("last line %q", last)
	}
	if _, first := summarySheet(t, onlyFile(t, dir, "r-*.xlsx")); !strings.HasPrefix(first, "Запуск прерван: не удалось прочитать "+place) ||
		!strings.HasSuffix(first, "; следующие строки не обработаны") {
		t.Errorf("the summary sheet begins %q", first)
	}
}
