package report

import (
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
	"mipimport/mip"
)

// TestXLSXPrintSetup: the results sheet prints landscape on A4, one page
// wide and as many high as it takes, the header row on every page, the
// columns a clerk reads; the summary on one page.
func TestXLSXPrintSetup(t *testing.T) {
	rs := testResults()
	path := writeReport(t, rs, testSummary(rs))
	f := openBook(t, path)

	for sheet, want := range map[string]struct {
		orientation string
		high        int
	}{
		resultsSheet: {"landscape", 0},
		summarySheet: {"portrait", 1},
	} {
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != a4 || pl.Orientation == nil || *pl.Orientation != want.orientation ||
			pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != want.high {
			t.Errorf("%s: page layout size %v orientation %v fit %v×%v, want A4 %s 1×%d", sheet,
				deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight), want.orientation, want.high)
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: fit to page is off: the fit to width and height would not apply", sheet)
		}
		m, err := f.GetPageMargins(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if m.Left == nil || *m.Left > 0.3 || m.Right == nil || *m.Right > 0.3 {
			t.Errorf("%s: margins left %v right %v, want narrow", sheet, deref(m.Left), deref(m.Right))
		}
	}

	names := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Scope == resultsSheet {
			names[dn.Name] = dn.RefersTo
		}
	}
	// Row 1 on every page; columns A (row number) to I (messages): the
	// input's six, the outcome and the messages.
	if got, want := names["_xlnm.Print_Titles"], "'Результаты'!$1:$1"; got != want {
		t.Errorf("print titles %q, want %q", got, want)
	}
	if got, want := names["_xlnm.Print_Area"], "'Результаты'!$A$1:$I$10"; got != want {
		t.Errorf("print area %q, want %q", got, want)
	}
	if v, _ := f.GetCellValue(resultsSheet, "I1"); v != "Сообщения" {
		t.Errorf("the print area ends at %q, not at the messages", v)
	}
	hf, err := f.GetHeaderFooter(resultsSheet)
	if err != nil || !strings.Contains(hf.OddFooter, "Страница &P из &N") {
		t.Errorf("footer %+v %v: no page numbers", hf, err)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestXLSXRowHeights: a row is as high as its tallest wrapped cell, so
// Excel and LibreOffice show the whole text without fitting rows on open.
func TestXLSXRowHeights(t *testing.T) {
	rs := testResults()
	long := strings.Repeat("Очень длинное сообщение об ошибке в строке. ", 12)
	rs[0].Messages = []string{long, "вторая", "третья"}
	rs[8].Messages = nil // duplicate row: nothing wraps
	path := writeReport(t, rs, testSummary(rs))
	f := openBook(t, path)

	msgWidth, err := f.GetColWidth(resultsSheet, "I")
	if err != nil {
		t.Fatal(err)
	}
	if msgWidth < 40 || msgWidth > resultColumns[colMessages].most {
		t.Errorf("messages column %v wide: not fitted to the long message, or wider than the cap", msgWidth)
	}
	want := float64(wrappedLines(long, msgWidth, 1)+2) * lineHeight
	if want < 4*lineHeight {
		t.Fatalf("the long message takes %v points: the test needs one that wraps", want)
	}
	if got := rowHeightOf(t, f, resultsSheet, 2); got != want {
		t.Errorf("row with the long message: height %v, want %v", got, want)
	}
	if got := rowHeightOf(t, f, resultsSheet, 3); got != 2*lineHeight { // two messages, one line each
		t.Errorf("row with two short messages: height %v, want %v", got, 2*lineHeight)
	}
	if got := rowHeightOf(t, f, resultsSheet, 10); got != 0 {
		t.Errorf("row with nothing to wrap: height %v, want the default", got)
	}
}

// TestXLSXColumnWidths: columns fit their widest value, within bounds, and
// never cut a word of their title.
func TestXLSXColumnWidths(t *testing.T) {
	rs := testResults()
	rs[0].Cells[0] = strings.Repeat("Ж", 80) // far wider than any column may be
	rs[1].Cells[1] = "Иоанна-Мария"
	path := writeReport(t, rs, testSummary(rs))
	f := openBook(t, path)
	width := func(col string) float64 {
		w, err := f.GetColWidth(resultsSheet, col)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := width("B"); w != inputColumn.most {
		t.Errorf("a very long value: column %v wide, want the cap %v", w, inputColumn.most)
	}
	if w := width("C"); w < textWidth("Иоанна-Мария")+cellPadding || w > textWidth("Иоанна-Мария")+cellPadding+1 {
		t.Errorf("name column %v wide for %.1f digits of text", w, textWidth("Иоанна-Мария"))
	}
	if w := width("L"); w < 37 {
		t.Errorf("GUID column %v wide: a GUID does not fit", w)
	}
	// «Статус прикрепления» wraps between its words, never inside one.
	if w := width("K"); w < textWidth("прикрепления")*boldWidth+cellPadding {
		t.Errorf("status column %v wide: its title's longest word does not fit", w)
	}
	if h := rowHeightOf(t, f, resultsSheet, 1); h != 2*lineHeight {
		t.Errorf("header row %v high, want two lines", h)
	}
}

// TestXLSXLayoutFromFirstRows: widths come from the rows held before the
// first is written; later rows keep them (and wrap).
func TestXLSXLayoutFromFirstRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, []string{"Имя"}, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range layoutRows + 1 {
		r := importer.Result{Row: i + 2, Outcome: importer.Uploaded, Cells: []string{"Ян"}}
		if i == layoutRows {
			r.Cells[0] = "Очень длинное имя, которое в столбец не помещается"
		}
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(importer.Summary{}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	if w, _ := f.GetColWidth(resultsSheet, "B"); w > 8 {
		t.Errorf("column %v wide, want fitted to the first rows' «Ян»", w)
	}
	if h := rowHeightOf(t, f, resultsSheet, layoutRows+2); h < 3*lineHeight {
		t.Errorf("the late long name's row is %v high: its text is cut", h)
	}
}

// TestXLSXHeldRowsAreCopied: the caller may reuse a Result's slices once
// Write returns, also while the report still holds the row.
func TestXLSXHeldRowsAreCopied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, []string{"Имя"}, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	cells, msgs := []string{"Анна"}, []string{"первое"}
	if err := x.Write(importer.Result{Row: 2, Outcome: importer.Invalid, Cells: cells, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	cells[0], msgs[0] = "Борис", "второе"
	if err := x.Write(importer.Result{Row: 3, Outcome: importer.Invalid, Cells: cells, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(importer.Summary{}); err != nil {
		t.Fatal(err)
	}
	got := rows(t, openBook(t, path), resultsSheet)
	if got[1][1] != "Анна" || got[1][3] != "первое" || got[2][1] != "Борис" || got[2][3] != "второе" {
		t.Errorf("rows %q", got[1:])
	}
}

func TestStatusTitles(t *testing.T) {
	for _, c := range []struct {
		title func(string) string
		raw   []string
	}{
		{MkabStatusTitle, []string{mip.MkabUploaded, mip.MkabNotValid, mip.MkabError}},
		{AttachmentStatusTitle, []string{mip.AttachmentNone, mip.AttachmentUploaded, mip.AttachmentNotValid, mip.AttachmentError}},
	} {
		seen := map[string]bool{}
		for _, s := range c.raw {
			title := c.title(s)
			if title == "" || latin.MatchString(strings.ReplaceAll(title, "МИП", "")) || seen[title] {
				t.Errorf("status %q: title %q is empty, not Russian or repeated", s, title)
			}
			seen[title] = true
		}
		if c.title("") != "" {
			t.Error("a row not sent has a status")
		}
		if got := c.title("Pending"); !strings.Contains(got, "Pending") || !strings.HasPrefix(got, "ответ МИП") {
			t.Errorf("an unknown status shows as %q", got)
		}
	}
}

// latin finds a Latin letter.
var latin = regexp.MustCompile(`[A-Za-z]`)

// allowedLatin are the Latin words the report itself may write: names a
// clerk meets as they are (GUID, HTTP), and the --dry-run flag.
var allowedLatin = regexp.MustCompile(`GUID|HTTP|--dry-run`)

// TestXLSXWritesNoEnglish: every text the report writes of its own — the
// titles, outcomes, statuses, summary labels and values — is Russian.
// (Input cells, messages, GUIDs, paths, the URL and the version are the
// run's data and appear as they are.)
func TestXLSXWritesNoEnglish(t *testing.T) {
	rs := testResults()
	for i := range rs {
		rs[i].Cells = nil
		rs[i].Messages = nil
		rs[i].PersonGUID, rs[i].MkabGUID, rs[i].AttachmentGUID = "", "", ""
	}
	s := testSummary(rs)
	s.Aborted = errors.New("МИП не ответил")
	path := filepath.Join(t.TempDir(), "r.xlsx")
	x, err := NewXLSX(path, []string{"Имя"}, Meta{Concurrency: 4, DryRun: true, Totals: s.Counts, OnlyToFix: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(s); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	for _, sheet := range f.GetSheetList() {
		for i, row := range rows(t, f, sheet) {
			for j, v := range row {
				if _, err := strconv.ParseFloat(v, 64); err == nil {
					continue
				}
				if latin.MatchString(allowedLatin.ReplaceAllString(v, "")) {
					t.Errorf("%s row %d column %d: %q", sheet, i+1, j+1, v)
				}
			}
		}
	}
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{resultsSheet, summarySheet}) {
		t.Errorf("sheets %q", sheets)
	}
}

// summaryValues reads the summary sheet: the first column's text to the
// second's, and the notes (merged across both columns) in order.
func summaryValues(t *testing.T, f *excelize.File) (map[string]string, []string) {
	t.Helper()
	values := map[string]string{}
	for _, row := range rows(t, f, summarySheet) {
		if len(row) >= 2 {
			values[row[0]] = row[1]
		}
	}
	merged, err := f.GetMergeCells(summarySheet)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, m := range merged {
		notes = append(notes, m.GetCellValue())
	}
	return values, notes
}

// TestXLSXTotals: a report of some of a run's rows (history export) shows
// the whole run's counts, and says which rows its results sheet lists.
func TestXLSXTotals(t *testing.T) {
	rs := testResults()
	var toFix []importer.Result
	for _, r := range rs {
		if !r.Outcome.OK() {
			toFix = append(toFix, r)
		}
	}
	totals := map[importer.Outcome]int{importer.Uploaded: 23, importer.Invalid: 6, importer.Duplicate: 1}
	path := filepath.Join(t.TempDir(), "run-7.xlsx")
	x, err := NewXLSX(path, []string{"Ключ"}, Meta{Totals: totals, OnlyToFix: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range toFix {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	// The counts of the rows written, as a caller may still pass them.
	s := importer.Summary{Counts: map[importer.Outcome]int{}}
	for _, r := range toFix {
		s.Counts[r.Outcome]++
	}
	if err := x.Close(s); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	values, notes := summaryValues(t, f)
	for o, want := range map[importer.Outcome]string{importer.Uploaded: "23", importer.Invalid: "6", importer.Rejected: "0"} {
		if got := values[OutcomeTitle(o)]; got != want {
			t.Errorf("%s: %q, want the run's %s", OutcomeTitle(o), got, want)
		}
	}
	if values["Всего"] != "30" {
		t.Errorf("Всего %q, want the run's 30", values["Всего"])
	}
	// The note spans both columns, so it prints whole.
	want := "В листе «Результаты» только строки, требующие исправления: " + strconv.Itoa(len(toFix)) + " из 30"
	if !slices.Contains(notes, want) {
		t.Errorf("notes (merged cells) %q, want %q", notes, want)
	}
	if got := len(rows(t, f, resultsSheet)) - 1; got != len(toFix) {
		t.Errorf("results sheet lists %d rows, want %d", got, len(toFix))
	}

	// Without Totals, the summary counts the Summary's rows, and there is
	// no note.
	path2 := filepath.Join(t.TempDir(), "r.xlsx")
	x, err = NewXLSX(path2, []string{"Ключ"}, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(s); err != nil {
		t.Fatal(err)
	}
	values, notes = summaryValues(t, openBook(t, path2))
	if values["Всего"] != strconv.Itoa(len(toFix)) || len(notes) != 0 {
		t.Errorf("without totals: Всего %q, notes %q", values["Всего"], notes)
	}
}
