package report

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

// timeLayout is how the summary shows start and end, in local time.
const timeLayout = "02.01.2006 15:04:05"

// summaryLine is one line of the summary sheet: a label and its value
// side by side, or a note across both columns.
type summaryLine struct {
	label string
	value any // string, int or float64; nil for a blank cell
	style int // of both cells; 0 for the default
	note  bool
}

// writeSummary adds the «Итоги» sheet: what the results sheet lists when
// not every row, counts per outcome (every outcome, zeros included), timing,
// and the run's settings. listed is how many rows the results sheet holds.
// It prints on one page.
func writeSummary(f *excelize.File, headStyle int, s importer.Summary, m Meta, listed int) error {
	lines, err := summaryLines(f, headStyle, s, m, listed)
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(summarySheet); err != nil {
		return err
	}
	if err := f.SetSheetProps(summarySheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(summarySheet)
	if err != nil {
		return err
	}
	// Labels and values each as wide as the widest, values within 60
	// digits (longer ones wrap); a note wraps across both.
	var label, value float64
	for _, l := range lines {
		if !l.note {
			label = max(label, textWidth(l.label))
			value = max(value, textWidth(cellText(l.value)))
		}
	}
	widths := [2]float64{fitWidth(label, 12, 40), fitWidth(value, 12, 60)}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	for i, l := range lines {
		ref := "A" + strconv.Itoa(i+1)
		if l.label == "" && l.value == nil {
			continue // a blank row is simply not written
		}
		var n int
		var vals []any
		if l.note {
			n = wrappedLines(l.label, widths[0]+widths[1], boldWidth)
			vals = []any{excelize.Cell{StyleID: l.style, Value: l.label}, excelize.Cell{StyleID: l.style}}
		} else {
			n = max(wrappedLines(l.label, widths[0], 1), wrappedLines(cellText(l.value), widths[1], 1))
			vals = []any{excelize.Cell{StyleID: l.style, Value: l.label}, excelize.Cell{StyleID: l.style, Value: l.value}}
		}
		if err := sw.SetRow(ref, vals, excelize.RowOpts{Height: rowHeight(n)}); err != nil {
			return err
		}
		if l.note {
			if err := sw.MergeCell(ref, "B"+strconv.Itoa(i+1)); err != nil {
				return err
			}
		}
	}
	if err := f.SetPageLayout(summarySheet, &excelize.PageLayoutOptions{
		Size: ptr(a4), Orientation: ptr("portrait"), FitToWidth: ptr(1), FitToHeight: ptr(1),
	}); err != nil {
		return err
	}
	if err := f.SetPageMargins(summarySheet, &narrowMargins); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(summarySheet, &excelize.HeaderFooterOptions{OddFooter: pageFooter}); err != nil {
		return err
	}
	return sw.Flush()
}

// summaryLines are the summary sheet's lines, blank ones included.
func summaryLines(f *excelize.File, headStyle int, s importer.Summary, m Meta, listed int) ([]summaryLine, error) {
	top, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: boldFont(""), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, err
	}
	var lines []summaryLine

	if s.Aborted != nil {
		warn, err := f.NewStyle(&excelize.Style{Font: boldFont("C00000"),
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
		if err != nil {
			return nil, err
		}
		lines = append(lines, summaryLine{label: "Запуск прерван: " + s.Aborted.Error(), style: warn, note: true}, summaryLine{})
	}

	counts := s.Counts
	if m.Totals != nil {
		counts = m.Totals
	}
	total := 0
	for _, o := range importer.Outcomes {
		total += counts[o]
	}
	// Outcomes the importer may add later still count, under their own name.
	var extra []importer.Outcome
	for o, n := range counts {
		if OutcomeTitle(o) == string(o) && n != 0 {
			extra = append(extra, o)
			total += n
		}
	}
	slices.Sort(extra)

	if m.OnlyToFix {
		lines = append(lines, summaryLine{note: true, style: bold,
			label: fmt.Sprintf("В листе «%s» только строки, требующие исправления: %d из %d", resultsSheet, listed, total)},
			summaryLine{})
	}

	lines = append(lines, summaryLine{label: "Итог", value: "Строк", style: headStyle})
	for _, o := range append(append([]importer.Outcome(nil), importer.Outcomes...), extra...) {
		lines = append(lines, summaryLine{label: OutcomeTitle(o), value: counts[o], style: top})
	}
	lines = append(lines, summaryLine{label: "Всего", value: total, style: bold})
	if len(s.Skipped) > 0 {
		lines = append(lines, summaryLine{label: "Пропущены строки (не пациенты)", value: SkippedList(s.Skipped)})
	}
	lines = append(lines, summaryLine{})

	d := s.End.Sub(s.Start)
	known := !s.Start.IsZero() && !s.End.IsZero() && d >= 0
	concurrency := any(nil)
	if m.Concurrency > 0 {
		concurrency = m.Concurrency
	}
	if m.ConcurrencyAuto != nil {
		concurrency = autoConcurrency(m.Concurrency, m.ConcurrencyAuto)
	}
	for _, kv := range []summaryLine{
		{label: "Начало", value: localTime(s.Start)},
		{label: "Окончание", value: localTime(s.End)},
		{label: "Длительность", value: ifKnown(known, func() any { return clock(d) })},
		{label: "Строк в секунду", value: ifKnown(known && d > 0, func() any {
			return math.Round(float64(total)/d.Seconds()*10) / 10
		})},
		{label: "Запросов к МИП", value: s.Requests},
		{},
		{label: "Входной файл", value: m.Input},
		{label: "Лист", value: m.Sheet},
		{label: "Файл сопоставления", value: m.Mapping},
		{label: "Адрес МИП", value: redactURL(m.URL)},
		{label: "Параллельность", value: concurrency},
		{label: "Ограничение, запросов в секунду", value: rate(m.Rate)},
		{label: "Пробный запуск (--dry-run)", value: yesNo(m.DryRun)},
		{label: "Версия", value: m.Version},
	} {
		if str, ok := kv.value.(string); ok && str == "" {
			kv.value = nil // blank cell rather than an empty string
		}
		if kv.label != "" {
			kv.style = top
		}
		lines = append(lines, kv)
	}
	return lines, nil
}

// cellText is a summary value as text, to measure it.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// maxSkippedListed bounds the row numbers listed per reason: an export
// that repeats its header on every page of a long list has thousands.
const maxSkippedListed = 100

// SkippedList says which rows were skipped as holding no patient, grouped
// by reason in the order met: «17, 57 (повтор заголовка); 90 (итоговая
// строка)».
func SkippedList(skipped []importer.Skipped) string {
	var reasons []string
	rows := map[string][]int{}
	for _, s := range skipped {
		if _, ok := rows[s.Reason]; !ok {
			reasons = append(reasons, s.Reason)
		}
		rows[s.Reason] = append(rows[s.Reason], s.Row)
	}
	var b strings.Builder
	for i, reason := range reasons {
		if i > 0 {
			b.WriteString("; ")
		}
		for j, r := range rows[reason] {
			if j == maxSkippedListed {
				fmt.Fprintf(&b, " и ещё %d", len(rows[reason])-j)
				break
			}
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprint(&b, r)
		}
		fmt.Fprintf(&b, " (%s)", reason)
	}
	return b.String()
}

func localTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Local().Format(timeLayout)
}

func ifKnown(ok bool, v func() any) any {
	if !ok {
		return nil
	}
	return v()
}

// clock formats a duration as h:mm:ss; hours go past 24 rather than wrap.
func clock(d time.Duration) string {
	sec := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// autoConcurrency is --concurrency auto: its cap and what the limit came
// to, «авто (до 64), в конце 23, наибольшее 41».
func autoConcurrency(limitCap int, limits func() (int, int)) string {
	s := fmt.Sprintf("авто (до %d)", limitCap)
	if last, highest := limits(); highest > 0 {
		s += fmt.Sprintf(", в конце %d, наибольшее %d", last, highest)
	}
	return s
}

func rate(r float64) any {
	if !(r > 0) || math.IsInf(r, 1) { // and NaN, which no cell can hold
		return "без ограничения"
	}
	return r
}

func yesNo(b bool) string {
	if b {
		return "да"
	}
	return "нет"
}

// redactURL drops any user name and password from a URL. A string that is
// not an absolute URL with a host loses everything up to its last "@"
// rather than risk printing a password.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		u.User = nil
		return u.String()
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "", s
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if ok {
		return scheme + "://" + rest
	}
	return rest
}
