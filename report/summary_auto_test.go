package report

import (
	"path/filepath"
	"testing"

	"mipimport/importer"
)

// With --concurrency auto the summary shows the cap and what the limit
// came to, read when the report is closed, not when it was opened.
func TestXLSXSummaryAutoConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name          string
		last, highest int
		want          string
	}{
		{"sent", 23, 41, "авто (до 64), в конце 23, наибольшее 41"},
		{"nothing sent", 0, 0, "авто (до 64)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var last, highest int // set after NewXLSX, as a run ends
			meta := Meta{Concurrency: 64, ConcurrencyAuto: func() (int, int) { return last, highest }}
			path := filepath.Join(t.TempDir(), "r.xlsx")
			x, err := NewXLSX(path, testHeader, meta)
			if err != nil {
				t.Fatal(err)
			}
			last, highest = tc.last, tc.highest
			if err := x.Close(importer.Summary{}); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, row := range rows(t, openBook(t, path), summarySheet) {
				if len(row) >= 2 && row[0] == "Параллельность" {
					got = row[1]
				}
			}
			if got != tc.want {
				t.Errorf("Параллельность %q, want %q", got, tc.want)
			}
		})
	}
}
