package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"mipimport/importer"
)

func TestFixFile(t *testing.T) {
	rs := testResults()
	dir := t.TempDir()
	path := filepath.Join(dir, "пациенты.to-fix.xlsx")
	x, err := NewFixFile(path, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, r := range rs {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
		if !r.Outcome.OK() {
			want = append(want, r.Cells)
		}
	}
	n, err := x.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) || n != 7 {
		t.Errorf("Close says %d rows, want %d", n, len(want))
	}
	checkMode(t, path)
	if got := dirNames(t, dir); !slices.Equal(got, []string{"пациенты.to-fix.xlsx"}) {
		t.Errorf("directory holds %q", got)
	}

	f := openBook(t, path)
	if got := f.GetSheetList(); !slices.Equal(got, []string{fixSheet}) {
		t.Errorf("sheets %q", got)
	}
	got := rows(t, f, fixSheet)
	if !slices.Equal(got[0], testHeader) {
		t.Errorf("header %q, want the input's %q", got[0], testHeader)
	}
	if len(got) != 1+len(want) {
		t.Fatalf("%d rows, want header + %d", len(got), len(want))
	}
	for i, w := range want {
		w = w[:min(len(w), len(testHeader))]  // cells beyond the header are dropped
		for len(w) > 0 && w[len(w)-1] == "" { // GetRows trims trailing blanks
			w = w[:len(w)-1]
		}
		if !slices.Equal(got[1+i], w) {
			t.Errorf("row %d: %q, want %q", i+2, got[1+i], w)
		}
	}
	// Formula-looking and zero-led text stays text.
	for cell, want := range map[string]string{"D2": "-42", "E2": "@home", "F2": " leading and trailing ", "C3": "11122233344"} {
		if v, _ := f.GetCellValue(fixSheet, cell); v != want {
			t.Errorf("%s = %q, want %q", cell, v, want)
		}
		if fm, _ := f.GetCellFormula(fixSheet, cell); fm != "" {
			t.Errorf("%s has formula %q", cell, fm)
		}
	}
	if p, err := f.GetPanes(fixSheet); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes %+v %v", p, err)
	}
}

func TestFixFileNone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.to-fix.xlsx")
	x, err := NewFixFile(path, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testResults() {
		if r.Outcome.OK() {
			if err := x.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := x.Close()
	if n != 0 || err != nil {
		t.Errorf("Close: %d, %v", n, err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("directory holds %q, want nothing", got)
	}
	if _, err := x.Close(); !isClosed(err) {
		t.Errorf("second Close: %v", err)
	}
	if err := x.Write(testResults()[1]); !isClosed(err) {
		t.Errorf("Write after Close: %v", err)
	}
}

func TestFixFileFull(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxRows  int
		maxBytes int64
	}{
		{"rows", 3, sheetBudget}, // header + 2
		{"bytes", 1 << 20, 3 * (rowXML + int64(len(testHeader))*cellXML + 60)},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.to-fix.xlsx")
			x, err := NewFixFile(path, testHeader)
			if err != nil {
				t.Fatal(err)
			}
			x.maxRows, x.maxBytes = c.maxRows, c.maxBytes
			for _, r := range testResults() {
				if err := x.Write(r); err != nil {
					t.Fatalf("Write must not stop the import: %v", err)
				}
			}
			n, err := x.Close()
			if n != 2 || !errors.Is(err, ErrFixFileFull) {
				t.Errorf("Close: %d, %v; want 2 and ErrFixFileFull", n, err)
			}
			if got := rows(t, openBook(t, path), fixSheet); len(got) != 3 || got[1][0] != "Петров" || got[2][0] != "Сидорова" {
				t.Errorf("rows %q", got)
			}
		})
	}
}

func TestFixFileNoHeader(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewFixFile(filepath.Join(dir, "r.xlsx"), nil); err == nil {
		t.Error("no error without a header")
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("directory holds %q", got)
	}
}

func TestFixFileOverwritesMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.to-fix.xlsx")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := NewFixFile(path, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(importer.Result{Row: 2, Outcome: importer.Failed, Cells: []string{"Иванов"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Close(); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path)
}

func TestDefaultPaths(t *testing.T) {
	for _, c := range []struct{ in, report, fix string }{
		{"dir/NAME.csv", "dir/NAME.result.xlsx", "dir/NAME.to-fix.xlsx"},
		{"/data/пациенты 2026.xlsx", "/data/пациенты 2026.result.xlsx", "/data/пациенты 2026.to-fix.xlsx"},
		{"list.v2.xlsx", "list.v2.result.xlsx", "list.v2.to-fix.xlsx"},
		{"dir/noext", "dir/noext.result.xlsx", "dir/noext.to-fix.xlsx"},
		{"dir/.csv", "dir/.csv.result.xlsx", "dir/.csv.to-fix.xlsx"},
		{"a.dir/file", "a.dir/file.result.xlsx", "a.dir/file.to-fix.xlsx"},
	} {
		in := filepath.FromSlash(c.in)
		if got := DefaultReportPath(in); got != filepath.FromSlash(c.report) {
			t.Errorf("DefaultReportPath(%q) = %q, want %q", c.in, got, c.report)
		}
		if got := DefaultFixPath(in); got != filepath.FromSlash(c.fix) {
			t.Errorf("DefaultFixPath(%q) = %q, want %q", c.in, got, c.fix)
		}
	}
}
