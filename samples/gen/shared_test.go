package main

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The big file with shared strings and with inline strings give the same
// rows, as excelize reads them.
func TestBigSharedAndInlineSameRows(t *testing.T) {
	const rows = 700
	dir := t.TempDir()
	shared, inline := filepath.Join(dir, "shared.xlsx"), filepath.Join(dir, "inline.xlsx")
	if err := writeBig(shared, "xlsx", "shared", rows); err != nil {
		t.Fatal(err)
	}
	if err := writeBig(inline, "xlsx", "inline", rows); err != nil {
		t.Fatal(err)
	}
	a, b := readRows(t, shared), readRows(t, inline)
	if len(a) != headerRow+rows || len(b) != len(a) {
		t.Fatalf("%d and %d rows, want %d", len(a), len(b), headerRow+rows)
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("row %d differs:\nshared %q\ninline %q", i+1, a[i], b[i])
		}
	}
	if a[headerRow-1][1] != "ФИО" || a[headerRow][2] == "" {
		t.Errorf("header %q, first row %q", a[headerRow-1], a[headerRow])
	}
	// Dates come out as dates (the style was kept).
	if ok, _ := regexp.MatchString(`^\d\d-\d\d-\d\d$`, a[headerRow][2]); !ok {
		t.Errorf("birthday %q, want a formatted date", a[headerRow][2])
	}
}

func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The table is as Excel writes it: count is the references to it,
// uniqueCount its entries, each entry is there once, and no cell holds its
// own text.
func TestBigSharedStringsTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.xlsx")
	if err := writeBig(path, "xlsx", "shared", 300); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var sheet []byte
	var sst struct {
		Count       int      `xml:"count,attr"`
		UniqueCount int      `xml:"uniqueCount,attr"`
		SI          []string `xml:"si>t"`
	}
	for _, f := range zr.File {
		switch f.Name {
		case "xl/worksheets/sheet1.xml":
			sheet = readEntry(t, f)
		case "xl/sharedStrings.xml":
			if err := xml.Unmarshal(readEntry(t, f), &sst); err != nil {
				t.Fatal(err)
			}
		}
	}
	refs := regexp.MustCompile(`t="s"><v>(\d+)</v>`).FindAllSubmatch(sheet, -1)
	if len(refs) == 0 || sst.Count != len(refs) || sst.UniqueCount != len(sst.SI) {
		t.Fatalf("%d references, count %d, uniqueCount %d, %d entries", len(refs), sst.Count, sst.UniqueCount, len(sst.SI))
	}
	seen := make(map[string]bool)
	for _, s := range sst.SI {
		if seen[s] || s == "" {
			t.Fatalf("entry %q twice or empty", s)
		}
		seen[s] = true
	}
	used := make([]bool, len(sst.SI))
	for _, m := range refs {
		i, _ := strconv.Atoi(string(m[1]))
		if i >= len(sst.SI) {
			t.Fatalf("reference %d past the %d entries", i, len(sst.SI))
		}
		used[i] = true
	}
	if i := slices.Index(used, false); i >= 0 {
		t.Errorf("entry %d (%q) unused", i, sst.SI[i])
	}
	if regexp.MustCompile(`inlineStr|<is>`).Match(sheet) {
		t.Error("a cell with its own text")
	}
}

func readEntry(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBigStringsFlag(t *testing.T) {
	if err := writeBig(filepath.Join(t.TempDir(), "x.xlsx"), "xlsx", "both", 10); err == nil {
		t.Error("-strings both accepted")
	}
}
