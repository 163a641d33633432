package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

func TestXLSXSheetsAndHeader(t *testing.T) {
	rs := testResults()
	f := openBook(t, writeReport(t, rs, testSummary(rs)))

	if got, want := f.GetSheetList(), []string{"Результаты", "Итоги"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d, want the results (0)", f.GetActiveSheetIndex())
	}
	got := rows(t, f, resultsSheet)
	want := []string{"Строка", "Фамилия", "Имя", "СНИЛС", "ЕНП", "Телефон", "Примечание",
		"Итог", "Сообщения", "Статус МКАБ", "Статус прикрепления", "GUID персоны", "GUID МКАБ", "GUID прикрепления",
		"HTTP", "Попыток"}
	if !slices.Equal(got[0], want) {
		t.Errorf("header\n got %q\nwant %q", got[0], want)
	}
	if len(got) != 1+len(rs) {
		t.Errorf("%d rows, want header + %d", len(got), len(rs))
	}
	for i, r := range rs {
		if got[1+i][0] != strconv.Itoa(r.Row) || got[1+i][7] != OutcomeTitle(r.Outcome) {
			t.Errorf("row %d: %q", i+2, got[1+i][:8])
		}
	}
}

func TestXLSXValuesStayText(t *testing.T) {
	rs := testResults()
	f := openBook(t, writeReport(t, rs, testSummary(rs)))

	cases := []struct{ cell, want string }{
		{"D2", "00123456789"},            // СНИЛС with a leading zero
		{"E2", "0012345678901234"},       // 16-digit ЕНП: no float, no exponent
		{"F2", "+79001234567"},           // not a number, not a formula
		{"G2", "=1+2"},                   // not a formula
		{"E3", "-42"},                    // not a number
		{"F3", "@home"},                  // not a function
		{"G3", " leading and trailing "}, // spaces kept
		{"G5", "<b>&amp;</b>"},           // markup is text
		{"M2", "0b6f1c1e-0000-4000-8000-000000000002"},
		{"I3", "СНИЛС: неверное контрольное число\nДата рождения: пусто"},
	}
	for _, c := range cases {
		v, err := f.GetCellValue(resultsSheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if v != c.want {
			t.Errorf("%s = %q, want %q", c.cell, v, c.want)
		}
		formula, err := f.GetCellFormula(resultsSheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if formula != "" {
			t.Errorf("%s has formula %q", c.cell, formula)
		}
		typ, err := f.GetCellType(resultsSheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want an inline string", c.cell, typ)
		}
	}
	// The stored part has no formula element at all.
	if xml := zipEntry(t, filepathOf(t, f), "xl/worksheets/sheet1.xml"); strings.Contains(xml, "<f>") {
		t.Error("results sheet holds a formula")
	}

	// Text cells wrap (the messages and long input values); the input
	// cells are formatted as text.
	for cell, check := range map[string]func(*excelize.Style) bool{
		"I3": func(s *excelize.Style) bool { return s.Alignment != nil && s.Alignment.WrapText },
		"C2": func(s *excelize.Style) bool { return s.Alignment != nil && s.Alignment.WrapText },
		"D2": func(s *excelize.Style) bool { return s.NumFmt == textFormat },
	} {
		id, _ := f.GetCellStyle(resultsSheet, cell)
		st, err := f.GetStyle(id)
		if err != nil || !check(st) {
			t.Errorf("%s: style %+v, %v", cell, st, err)
		}
	}

	// A row shorter than the header is padded with blanks; cells beyond
	// the header are not shown.
	got := rows(t, f, resultsSheet)
	if got[5][1] != "" || got[5][2] != "Мария" || got[5][3] != "" {
		t.Errorf("short row: %q", got[5])
	}
	if slices.Contains(got[6], "лишняя ячейка") {
		t.Errorf("long row shows a cell beyond the header: %q", got[6])
	}
	// Numbers: row, HTTP status (blank when not sent), attempts.
	if got[1][14] != "200" || got[1][15] != "1" || got[2][14] != "" || got[2][15] != "0" {
		t.Errorf("HTTP/attempts: %q %q", got[1][14:], got[2][14:])
	}
}

// filepathOf recovers the path an excelize.File was opened from.
func filepathOf(t testing.TB, f *excelize.File) string {
	t.Helper()
	if f.Path == "" {
		t.Fatal("workbook has no path")
	}
	return f.Path
}

func TestXLSXRowFill(t *testing.T) {
	rs := testResults()
	f := openBook(t, writeReport(t, rs, testSummary(rs)))

	want := map[importer.Outcome]string{
		importer.Uploaded: fillGood, importer.Unchanged: fillUnchanged,
		importer.Partial: fillWarn, importer.Duplicate: fillWarn,
		importer.Invalid: fillBad, importer.Rejected: fillBad, importer.Errored: fillBad, importer.Failed: fillBad,
		importer.NotSent: fillNotSent,
	}
	for i, r := range rs {
		row := strconv.Itoa(i + 2)
		// First, a blank input cell and the last column: the whole row.
		for _, col := range []string{"A", "C", "G", "N", "P"} {
			if got := fillOf(t, f, resultsSheet, col+row); got != want[r.Outcome] {
				t.Errorf("%s%s (%s): fill %q, want %q", col, row, r.Outcome, got, want[r.Outcome])
			}
		}
	}
	if fillOf(t, f, resultsSheet, "A2") == fillOf(t, f, resultsSheet, "A3") {
		t.Error("uploaded and invalid rows look the same")
	}
	if got := fillOf(t, f, resultsSheet, "A1"); got != fillHeader {
		t.Errorf("header fill %q", got)
	}
	id, _ := f.GetCellStyle(resultsSheet, "A1")
	if st, _ := f.GetStyle(id); st == nil || st.Font == nil || !st.Font.Bold {
		t.Error("header is not bold")
	}
}

func TestXLSXPanesAndFilter(t *testing.T) {
	rs := testResults()
	path := writeReport(t, rs, testSummary(rs))
	f := openBook(t, path)

	p, err := f.GetPanes(resultsSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Freeze || p.YSplit != 1 || p.XSplit != 0 || p.TopLeftCell != "A2" {
		t.Errorf("panes %+v, want the top row frozen", p)
	}

	found := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && dn.Scope == resultsSheet {
			found = true
			if want := "'Результаты'!$A$1:$P$10"; dn.RefersTo != want {
				t.Errorf("filter range %q, want %q", dn.RefersTo, want)
			}
		}
	}
	if !found {
		t.Errorf("no _FilterDatabase for %s: %+v", resultsSheet, f.GetDefinedName())
	}
	if xml := zipEntry(t, path, "xl/worksheets/sheet1.xml"); !strings.Contains(xml, `<autoFilter ref="$A$1:$P$10"`) {
		t.Error("results sheet has no autoFilter element")
	}
	// Column widths were set: the GUID columns are wide.
	if w, err := f.GetColWidth(resultsSheet, "L"); err != nil || w < 30 {
		t.Errorf("GUID column width %v, %v", w, err)
	}
}

func TestXLSXSummary(t *testing.T) {
	rs := testResults()
	s := testSummary(rs)
	s.Aborted = errors.New("МИП: неверный логин или пароль (401)")
	path := writeReport(t, rs, s)
	f := openBook(t, path)

	got := map[string]string{}
	var first string
	for i, row := range rows(t, f, summarySheet) {
		if i == 0 && len(row) > 0 {
			first = row[0]
		}
		if len(row) >= 2 {
			got[row[0]] = row[1]
		}
	}
	if want := "Запуск прерван: МИП: неверный логин или пароль (401)"; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}
	for _, o := range importer.Outcomes {
		if got[OutcomeTitle(o)] != "1" {
			t.Errorf("%s: %q, want 1", OutcomeTitle(o), got[OutcomeTitle(o)])
		}
	}
	for label, want := range map[string]string{
		"Всего":              "9",
		"Начало":             "14.03.2026 09:30:00",
		"Окончание":          "14.03.2026 10:32:05",
		"Длительность":       "1:02:05",
		"Запросов к МИП":     "11",
		"Входной файл":       "/data/пациенты.xlsx",
		"Лист":               "Лист1",
		"Файл сопоставления": "/etc/mipimport/mapping.yaml",
		"Адрес МИП":          "https://mip.example.ru:8443/api/v1",
		"Параллельность":     "8",
		"Ограничение, запросов в секунду": "2.5",
		"Пробный запуск (--dry-run)":      "нет",
		"Версия": "v1.2.3",
	} {
		if got[label] != want {
			t.Errorf("%s: %q, want %q", label, got[label], want)
		}
	}
	if got["Строк в секунду"] != "0" { // 9 rows in an hour, to 0.1
		t.Errorf("rows per second %q", got["Строк в секунду"])
	}
	for name, part := range zipParts(t, path) {
		if strings.Contains(part, "s3cret") || strings.Contains(part, "importer:") {
			t.Errorf("%s holds the credentials", name)
		}
	}
}

func TestXLSXSummaryZeroCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, testHeader, Meta{Rate: 0, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(importer.Summary{}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	got := map[string]string{}
	for _, row := range rows(t, f, summarySheet) {
		if len(row) > 0 {
			got[row[0]] = strings.Join(row[1:], "|")
		}
	}
	for _, o := range importer.Outcomes {
		if got[OutcomeTitle(o)] != "0" {
			t.Errorf("%s: %q, want 0", OutcomeTitle(o), got[OutcomeTitle(o)])
		}
	}
	for label, want := range map[string]string{
		"Всего": "0", "Начало": "", "Длительность": "", "Строк в секунду": "",
		"Ограничение, запросов в секунду": "без ограничения", "Пробный запуск (--dry-run)": "да",
	} {
		if got[label] != want {
			t.Errorf("%s: %q, want %q", label, got[label], want)
		}
	}
	// An empty report is still a valid table: header only, filter on it.
	if r := rows(t, f, resultsSheet); len(r) != 1 {
		t.Errorf("%d rows on the results sheet, want the header only", len(r))
	}
}

func TestXLSXMode(t *testing.T) {
	rs := testResults()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.xlsx")
	old := filepath.Join(dir, "old.xlsx")
	if err := os.WriteFile(old, []byte("previous report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	for _, path := range []string{fresh, old} {
		x, err := NewXLSX(path, testHeader, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(fresh); path == fresh && !os.IsNotExist(err) {
			t.Errorf("the report exists before Close: %v", err)
		}
		for _, r := range rs {
			if err := x.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := x.Close(testSummary(rs)); err != nil {
			t.Fatal(err)
		}
		checkMode(t, path)
		_ = openBook(t, path) // a valid workbook replaced the old bytes
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"fresh.xlsx", "old.xlsx"}) {
		t.Errorf("directory holds %q: temporary files left", got)
	}
}

func TestXLSXClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, testHeader, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(importer.Summary{}); err != nil {
		t.Fatal(err)
	}
	if err := x.Write(testResults()[0]); !isClosed(err) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := x.Close(importer.Summary{}); !isClosed(err) {
		t.Errorf("second Close: %v", err)
	}
}

func TestXLSXUnwritableDir(t *testing.T) {
	_, err := NewXLSX(filepath.Join(t.TempDir(), "no such dir", "r.xlsx"), testHeader, testMeta())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("NewXLSX into a missing directory: %v", err)
	}
}

// TestXLSXSheetLimit proves the continuation sheets with tiny limits: every
// row appears once, in order, each sheet with its header, panes and filter.
func TestXLSXSheetLimit(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxRows  int
		maxBytes int64
		sheets   int // results sheets; 0: more than one
	}{
		{"rows", 3, sheetBudget, 5}, // 9 rows, 2 per sheet under the header
		{"bytes", excelize.TotalRows, 6000, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := testResults()
			path := filepath.Join(t.TempDir(), "r.xlsx")
			x, err := NewXLSX(path, testHeader, testMeta())
			if err != nil {
				t.Fatal(err)
			}
			x.maxRows, x.maxBytes = c.maxRows, c.maxBytes
			for _, r := range rs {
				if err := x.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Close(testSummary(rs)); err != nil {
				t.Fatal(err)
			}
			// The rows of every sheet were spliced in; no temporary file stays.
			if entries, err := os.ReadDir(filepath.Dir(path)); err != nil || len(entries) != 1 {
				t.Errorf("files beside the report: %v, %v", entries, err)
			}
			f := openBook(t, path)
			list := f.GetSheetList()
			if list[len(list)-1] != summarySheet {
				t.Errorf("sheets %q: the summary is not last", list)
			}
			results := list[:len(list)-1]
			if c.sheets != 0 && len(results) != c.sheets || len(results) < 2 {
				t.Errorf("sheets %q, want %d results sheets", list, c.sheets)
			}
			filters := map[string]string{}
			for _, dn := range f.GetDefinedName() {
				if dn.Name == "_xlnm._FilterDatabase" {
					filters[dn.Scope] = dn.RefersTo
				}
			}
			var seen []string
			for i, sheet := range results {
				if want := resultsSheet; i > 0 {
					want = resultsSheet + " (" + strconv.Itoa(i+1) + ")"
					if sheet != want {
						t.Errorf("sheet %d is %q, want %q", i+1, sheet, want)
					}
				}
				got := rows(t, f, sheet)
				if len(got) < 2 || len(got) > c.maxRows || got[0][0] != "Строка" {
					t.Errorf("%s: %d rows, header %q", sheet, len(got), got[0])
				}
				for _, row := range got[1:] {
					seen = append(seen, row[0])
				}
				if p, err := f.GetPanes(sheet); err != nil || !p.Freeze {
					t.Errorf("%s: panes %+v %v", sheet, p, err)
				}
				if want := "'" + sheet + "'!$A$1:$P$" + strconv.Itoa(len(got)); filters[sheet] != want {
					t.Errorf("%s: filter %q, want %q", sheet, filters[sheet], want)
				}
			}
			var want []string
			for _, r := range rs {
				want = append(want, strconv.Itoa(r.Row))
			}
			if !slices.Equal(seen, want) {
				t.Errorf("rows across sheets %q, want %q", seen, want)
			}
		})
	}
}

// TestSheetXMLEstimate checks that the size the writer counts against the
// sheet budget is an upper bound of the XML excelize really writes, also
// for values that grow when escaped.
func TestSheetXMLEstimate(t *testing.T) {
	rs := testResults()
	nasty := []string{"&&&&&&&&", "<<>>", `"'"'`, "\x01\x02\x03\x1f", "_x0041__x005F_", "\xff\xfe\xfd",
		"\t\r\n", "\uffff\ufffe", strings.Repeat("Щ", 1000), " edge "}
	for i := range rs {
		rs[i].Cells = append(slices.Clone(nasty[i%len(nasty):]), nasty[:i%len(nasty)]...)
		rs[i].Messages = nasty
	}
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, testHeader, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(testSummary(rs)); err != nil {
		t.Fatal(err)
	}
	estimate := x.bytes // all of it: the sheet is not full, so no new one started
	part := zipEntry(t, path, "xl/worksheets/sheet1.xml")
	data := part[strings.Index(part, "<sheetData>"):strings.Index(part, "</sheetData>")]
	if int64(len(data)) > estimate {
		t.Errorf("sheetData is %d bytes, the estimate %d", len(data), estimate)
	}
	t.Logf("sheetData %d bytes, estimate %d", len(data), estimate)
}

func TestXLSXTooManyColumns(t *testing.T) {
	_, err := NewXLSX(filepath.Join(t.TempDir(), "r.xlsx"), make([]string, excelize.MaxColumns), Meta{})
	if err == nil {
		t.Fatal("no error for a header wider than a sheet")
	}
}

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"https://mip.example.ru/api", "https://mip.example.ru/api"},
		{"https://user:pa55@mip.example.ru:8443/api?x=1", "https://mip.example.ru:8443/api?x=1"},
		{"http://user@127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"user:pa55@mip.example.ru/api", "mip.example.ru/api"},                  // no scheme
		{"https://us er:p@ss@mip.example.ru/api", "https://mip.example.ru/api"}, // does not parse
	} {
		if got := redactURL(c.in); got != c.want {
			t.Errorf("redactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOutcomeTitle(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range importer.Outcomes {
		title := OutcomeTitle(o)
		if title == string(o) || seen[title] {
			t.Errorf("%s: title %q missing or repeated", o, title)
		}
		seen[title] = true
		if outcomeFill(o) == "" {
			t.Errorf("%s: no fill", o)
		}
	}
	if OutcomeTitle("later") != "later" {
		t.Error("an unknown outcome is not shown as is")
	}
}

func TestXLSXRowsPerSecond(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, testHeader, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 23, 59, 58, 0, time.Local)
	s := importer.Summary{Start: start, End: start.Add(8 * time.Second),
		Counts: map[importer.Outcome]int{importer.Uploaded: 60, importer.Failed: 40}}
	if err := x.Close(s); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range rows(t, openBook(t, path), summarySheet) {
		if len(row) > 1 {
			got[row[0]] = row[1]
		}
	}
	for label, want := range map[string]string{
		"Всего": "100", "Строк в секунду": "12.5", "Длительность": "0:00:08",
		"Начало": "02.01.2026 23:59:58", "Окончание": "03.01.2026 00:00:06",
	} {
		if got[label] != want {
			t.Errorf("%s: %q, want %q", label, got[label], want)
		}
	}
}
