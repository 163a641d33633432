package reader

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestFormatDateShow(t *testing.T) {
	for code, want := range map[string]dateShow{
		"General":                     showNumber,
		"0":                           showNumber,
		"0.00":                        showNumber,
		"#,##0.00 ₽":                  showNumber,
		"0.00E+00":                    showNumber,
		"@":                           showNumber,
		`0" лет"`:                     showNumber,
		`"dd"0`:                       showNumber, // quoted text
		`\d\m\y0`:                     showNumber, // escaped characters
		"[Red]0.00;[Blue]-0.00":       showNumber,
		"[$-409]General":              showNumber,
		"_-* #,##0_-;-* #,##0_-":      showNumber,
		"dd.mm.yyyy":                  showDate,
		"DD.MM.YYYY":                  showDate,
		"[$-419]DD.MM.YYYY":           showDate,
		`d\.m\.yyyy`:                  showDate,
		"dd/mm/yy;@":                  showDate,
		"[$-F800]dddd, mmmm dd, yyyy": showDate,
		`yyyy"г."`:                    showDate,
		"mmm-yy":                      showDate,
		"yyyy-mm-dd hh:mm":            showDateTime,
		"dd.mm.yyyy h:mm:ss":          showDateTime,
		"m/d/yyyy h:mm AM/PM":         showDateTime,
		"h:mm":                        showTime,
		"hh:mm:ss":                    showTime,
		"mm:ss":                       showTime,
		"[h]:mm:ss":                   showTime,
		"h:mm AM/PM":                  showTime,
		"[Red]dd.mm.yyyy;0":           showDate,
		`0;"dd.mm.yyyy"`:              showNumber, // a date only in the second section
	} {
		if got := formatDateShow(code); got != want {
			t.Errorf("formatDateShow(%q) = %d, want %d", code, got, want)
		}
	}
	for id, want := range map[int]dateShow{0: showNumber, 1: showNumber, 2: showNumber, 9: showNumber, 13: showNumber,
		14: showDate, 15: showDate, 16: showDate, 17: showDate, 18: showTime, 21: showTime, 22: showDateTime,
		27: showDate, 36: showDate, 37: showNumber, 44: showNumber, 45: showTime, 47: showTime, 48: showNumber,
		49: showNumber, 50: showDate, 58: showDate, 59: showNumber, 164: showNumber} {
		if got := builtinDateShow(id); got != want {
			t.Errorf("builtinDateShow(%d) = %d, want %d", id, got, want)
		}
	}
}

// TestSerialDateMatchesExcelize: a serial shows the day and time excelize's
// ExcelDateToTime gives, in both date systems; Excel's own oddities of the
// 1900 system (day 0, the 29th of February 1900) show as Excel shows them.
func TestSerialDateMatchesExcelize(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	serials := []float64{1, 2, 59, 61, 62, 366, 32905, 32905.5, 32905.999994, 32905.999995, 45000.25, 2958465, 2958465.99999}
	for range 3000 {
		serials = append(serials, float64(rng.IntN(serialMax1900))+rng.Float64())
	}
	for _, date1904 := range []bool{false, true} {
		for _, f := range serials {
			if date1904 && f >= serialMax1904+1 {
				continue
			}
			v := fmt.Sprint(f)
			got, ok := appendSerialDate(nil, v, date1904, showDateTime)
			if !ok {
				t.Errorf("1904=%v, %s: not shown as a date", date1904, v)
				continue
			}
			tm, err := excelize.ExcelDateToTime(f, date1904)
			if err != nil {
				t.Fatal(err)
			}
			// Rounded to the second as Excel shows it; excelize keeps less
			// of the fraction of a far-off serial, so a second either way.
			show := func(d time.Duration) string { return tm.Add(d).Round(time.Second).Format("02.01.2006 15:04:05") }
			if want := show(0); string(got) != want && string(got) != show(time.Second) && string(got) != show(-time.Second) {
				t.Errorf("1904=%v, %s: %s, excelize %s", date1904, v, got, want)
			}
		}
	}
	for _, c := range []struct {
		v    string
		show dateShow
		want string
		ok   bool
	}{
		{"0", showDate, "00.01.1900", true},
		{"60", showDate, "29.02.1900", true},
		{"61", showDate, "01.03.1900", true},
		{"32905", showDate, "01.02.1990", true},
		{"32905.75", showTime, "18:00:00", true},
		{"-1", showDate, "", false},
		{"2958466", showDate, "", false},
		{"1E+308", showDate, "", false},
		{"x", showDate, "", false},
	} {
		got, ok := appendSerialDate(nil, c.v, false, c.show)
		if string(got) != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.v, got, ok, c.want, c.ok)
		}
	}
	if got, _ := appendSerialDate(nil, "0", true, showDate); string(got) != "01.01.1904" {
		t.Errorf("1904 day 0: %s", got)
	}
}

// TestXLSXDateCellsByStyle: number cells show dates exactly when their
// style's number format is a date format, whether built in or the
// workbook's own; the style each cell has is the one excelize resolves.
func TestXLSXDateCellsByStyle(t *testing.T) {
	formats := []struct {
		id     int
		custom string
		want   string // what the cell holding 32905.75 shows
		kind   Kind
	}{
		{0, "", "32905.75", KindNumber},
		{2, "", "32905.75", KindNumber},
		{14, "", "01.02.1990", KindDate},
		{15, "", "01.02.1990", KindDate},
		{22, "", "01.02.1990 18:00:00", KindDate},
		{20, "", "18:00:00", KindDate},
		{49, "", "32905.75", KindNumber},
		{0, "dd.mm.yyyy", "01.02.1990", KindDate},
		{0, "[$-419]DD.MM.YYYY", "01.02.1990", KindDate},
		{0, "dd.mm.yyyy hh:mm", "01.02.1990 18:00:00", KindDate},
		{0, `0" дней"`, "32905.75", KindNumber},
		{0, "0.00", "32905.75", KindNumber},
		{0, "[h]:mm", "18:00:00", KindDate},
	}
	for _, date1904 := range []bool{false, true} {
		f := excelize.NewFile()
		s := "Sheet1"
		if date1904 {
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}); err != nil {
				t.Fatal(err)
			}
		}
		for i, fm := range formats {
			st := &excelize.Style{NumFmt: fm.id}
			if fm.custom != "" {
				st.CustomNumFmt = ptr(fm.custom)
			}
			id, err := f.NewStyle(st)
			if err != nil {
				t.Fatal(err)
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			f.SetCellValue(s, cell, 32905.75)
			f.SetCellStyle(s, cell, cell, id)
		}
		path := filepath.Join(t.TempDir(), "styles.xlsx")
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		// excelize's view of each cell's number format.
		x, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var codes []dateShow
		for i := range formats {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			sid, err := x.GetCellStyle(s, cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := x.GetStyle(sid)
			if err != nil {
				t.Fatal(err)
			}
			show := builtinDateShow(st.NumFmt)
			if st.CustomNumFmt != nil {
				show = formatDateShow(*st.CustomNumFmt)
			}
			codes = append(codes, show)
		}
		x.Close()
		f.Close()

		tb, err := Open(path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, cells, err := tb.Next()
		if err != nil {
			t.Fatal(err)
		}
		kinds := CellKinds(tb)
		for i, fm := range formats {
			want := fm.want
			if date1904 && fm.kind == KindDate && fm.want != "18:00:00" {
				want = "02.02.1994" + fm.want[10:] // the same serial, four years and a day later
			}
			if cells[i] != want || kinds[i] != fm.kind {
				t.Errorf("1904=%v, format %d %q: %q (kind %d), want %q (kind %d)", date1904, fm.id, fm.custom, cells[i], kinds[i], want, fm.kind)
			}
			if (codes[i] != showNumber) != (kinds[i] == KindDate) {
				t.Errorf("format %d %q: excelize resolves the cell's format to date=%v, the reader read kind %d", fm.id, fm.custom, codes[i] != showNumber, kinds[i])
			}
		}
		tb.Close()
	}
}

// FuzzNumberFormat: any format code and cell value, as a hostile styles
// part may hold them, classify and render without a panic, and a date is
// shown only for a value Excel can show as one.
func FuzzNumberFormat(f *testing.F) {
	for _, s := range []string{"dd.mm.yyyy", "[h]:mm", `"d"0`, `\d`, "[", "]", `"`, "mm:ss", "yyyy-mm-dd hh:mm;@", "[$-419]DD.MM.YYYY"} {
		f.Add(s, "32905.5", false)
	}
	f.Add("dd.mm.yyyy", "-1", true)
	f.Add("dd.mm.yyyy", "NaN", false)
	f.Add("dd.mm.yyyy", "1E+308", false)
	f.Fuzz(func(t *testing.T, code, v string, date1904 bool) {
		show := formatDateShow(code)
		if show > showTime {
			t.Fatalf("%q: %d", code, show)
		}
		if show == showNumber {
			return
		}
		out, ok := appendSerialDate(nil, v, date1904, show)
		if !ok {
			return
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || f < 0 || f > serialMax1900+1 {
			t.Fatalf("%q shown as %q", v, out)
		}
	})
}
