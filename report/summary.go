package report

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

// timeLayout is how the summary shows start and end, in local time.
const timeLayout = "02.01.2006 15:04:05"

// writeSummary adds the «Итоги» sheet: counts per outcome (every outcome,
// zeros included), timing, and the run's settings. It is a sheet of its
// own, written with a second stream writer.
func writeSummary(f *excelize.File, headStyle int, s importer.Summary, m Meta) error {
	if _, err := f.NewSheet(summarySheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(summarySheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 36); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 60); err != nil {
		return err
	}
	row := 0
	put := func(vals ...any) error {
		row++
		if len(vals) == 0 {
			return nil // a blank row is simply not written
		}
		return sw.SetRow(fmt.Sprintf("A%d", row), vals)
	}

	if s.Aborted != nil {
		warn, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}})
		if err != nil {
			return err
		}
		if err := put(excelize.Cell{StyleID: warn, Value: "Запуск прерван: " + s.Aborted.Error()}); err != nil {
			return err
		}
		_ = put()
	}

	total := 0
	for _, o := range importer.Outcomes {
		total += s.Counts[o]
	}
	// Outcomes the importer may add later still count, under their own name.
	var extra []importer.Outcome
	for o, n := range s.Counts {
		if OutcomeTitle(o) == string(o) && n != 0 {
			extra = append(extra, o)
			total += n
		}
	}
	slices.Sort(extra)
	if err := put(excelize.Cell{StyleID: headStyle, Value: "Итог"}, excelize.Cell{StyleID: headStyle, Value: "Строк"}); err != nil {
		return err
	}
	for _, o := range append(append([]importer.Outcome(nil), importer.Outcomes...), extra...) {
		if err := put(OutcomeTitle(o), s.Counts[o]); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := put(excelize.Cell{StyleID: bold, Value: "Всего"}, excelize.Cell{StyleID: bold, Value: total}); err != nil {
		return err
	}
	_ = put()

	d := s.End.Sub(s.Start)
	known := !s.Start.IsZero() && !s.End.IsZero() && d >= 0
	settings := []struct {
		label string
		value any
	}{
		{"Начало", localTime(s.Start)},
		{"Окончание", localTime(s.End)},
		{"Длительность", ifKnown(known, func() any { return clock(d) })},
		{"Строк в секунду", ifKnown(known && d > 0, func() any {
			return math.Round(float64(total)/d.Seconds()*10) / 10
		})},
		{"Запросов к МИП", s.Requests},
		{"", nil},
		{"Входной файл", m.Input},
		{"Лист", m.Sheet},
		{"Файл сопоставления", m.Mapping},
		{"URL МИП", redactURL(m.URL)},
		{"Параллельность", concurrency(m)},
		{"Ограничение, запросов в секунду", rate(m.Rate)},
		{"Пробный запуск (--dry-run)", yesNo(m.DryRun)},
		{"Версия", m.Version},
	}
	for _, kv := range settings {
		if kv.label == "" {
			_ = put()
			continue
		}
		if str, ok := kv.value.(string); ok && str == "" {
			kv.value = nil // blank cell rather than an empty string
		}
		if err := put(kv.label, kv.value); err != nil {
			return err
		}
	}
	return sw.Flush()
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

// concurrency is a fixed --concurrency, or for auto its cap and what the
// limit came to.
func concurrency(m Meta) any {
	if m.ConcurrencyAuto == nil {
		return m.Concurrency
	}
	s := fmt.Sprintf("авто (до %d)", m.Concurrency)
	if last, highest := m.ConcurrencyAuto(); highest > 0 {
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
