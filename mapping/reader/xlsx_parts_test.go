package reader

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// relocatedWorkbook writes a one-sheet workbook whose parts carry the
// given zip entry names, and whose relationships name them by the given
// targets (relative to the workbook part, or absolute).
func relocatedWorkbook(t *testing.T, path, wbName, wbTarget, sheetName, sheetTarget, sstName, sstTarget string, sheet, sst zipPart) {
	t.Helper()
	wbRels := wbName[:strings.LastIndexByte(wbName, '/')+1] + "_rels/" + wbName[strings.LastIndexByte(wbName, '/')+1:] + ".rels"
	sheet.name, sst.name = sheetName, sstName
	writeZip(t, path, []zipPart{
		textPart("[Content_Types].xml", xContentTypes),
		textPart("_rels/.rels", strings.Replace(xRels, `Target="xl/workbook.xml"`, `Target="`+wbTarget+`"`, 1)),
		textPart(wbName, xWorkbook),
		textPart(wbRels, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="`+sheetTarget+`"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="`+sstTarget+`"/></Relationships>`),
		sheet, sst,
	})
}

// TestXLSXPartsFoundThroughRelationships: a sheet is found through the
// workbook's relationships wherever its part lives, and part names are
// compared without regard to letter case (OPC part names are
// case-insensitive), as Excel opens such files.
func TestXLSXPartsFoundThroughRelationships(t *testing.T) {
	sheet := textPart("", xSheetHead+`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Имя</t></is></c></row>`+
		`<row r="2"><c r="A2" t="inlineStr"><is><t>Иванов</t></is></c><c r="B2" t="s"><v>1</v></c></row>`+xSheetTail)
	sst := textPart("", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Фамилия</t></si><si><t>Иван</t></si></sst>`)
	for _, c := range []struct {
		name                                                         string
		wbName, wbTarget, sheetName, sheetTarget, sstName, sstTarget string
	}{
		{"sheet outside worksheets/", "xl/workbook.xml", "xl/workbook.xml", "xl/data/patients.xml", "data/patients.xml", "xl/sharedStrings.xml", "sharedStrings.xml"},
		{"absolute target elsewhere", "xl/workbook.xml", "/xl/workbook.xml", "export/sheet.xml", "/export/sheet.xml", "export/strings.xml", "/export/strings.xml"},
		{"workbook and sheet in another folder", "book/wb.xml", "book/wb.xml", "book/s/one.xml", "s/one.xml", "book/sst.xml", "sst.xml"},
		{"entry names in other case", "XL/Workbook.xml", "xl/workbook.xml", "XL/Worksheets/Sheet1.XML", "worksheets/sheet1.xml", "xl/SHAREDSTRINGS.xml", "sharedStrings.xml"},
		{"targets in other case", "xl/workbook.xml", "XL/WORKBOOK.XML", "xl/worksheets/sheet1.xml", "Worksheets/SHEET1.xml", "xl/sharedStrings.xml", "SharedStrings.XML"},
		{"percent-encoded target", "xl/workbook.xml", "xl/workbook.xml", "xl/my sheets/sheet 1.xml", "my%20sheets/sheet%201.xml", "xl/sharedStrings.xml", "sharedStrings.xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.xlsx")
			relocatedWorkbook(t, path, c.wbName, c.wbTarget, c.sheetName, c.sheetTarget, c.sstName, c.sstTarget, sheet, sst)
			tb, err := Open(path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			got := fmt.Sprint(readAll(t, tb))
			if want := "[{1 [Фамилия Имя]} {2 [Иванов Иван]}]"; got != want {
				t.Fatalf("rows %s, want %s", got, want)
			}
		})
	}
	// Two entries whose names differ only in case are one part twice: refused.
	path := filepath.Join(t.TempDir(), "twice.xlsx")
	buildWorkbook(t, path, sheet, textPart("XL/Worksheets/sheet1.xml", xSheetHead+xSheetTail))
	_, err := Open(path, ReadOptions{})
	wantErr(t, err, "twice.xlsx", "two parts named", "letter case")
}

// TestHostileXLSXRelocatedParts: the limits against hostile files hold for
// a sheet and shared strings found through the relationships outside
// their usual names: a 20 MB cell is refused before any row is read.
func TestHostileXLSXRelocatedParts(t *testing.T) {
	big := strings.Repeat("абвгдежзийклмнопрстуфхцчшщыэюя", 20_000_000/60+1)
	inline := zipPart{store: true, body: sheetPart(func(w io.Writer) error {
		inlineRow(w, 1, hostileHeader...)
		inlineRow(w, 2, append([]string{big}, hostileRow[1:]...)...)
		return nil
	}).body}
	sharedSheet := textPart("", xSheetHead+`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+xSheetTail)
	bigSST := zipPart{store: true, body: func(w io.Writer) error {
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`+big)
		_, err := io.WriteString(w, `</t></si></sst>`)
		return err
	}}
	smallSST := textPart("", xEmptySST)
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		sheet, sst zipPart
		want       string
	}{
		{"sheet", inline, smallSST, "row element №2"},
		{"shared strings", sharedSheet, bigSST, "si №1"},
	} {
		path := filepath.Join(dir, "relocated-"+strings.ReplaceAll(c.name, " ", "-")+".xlsx")
		relocatedWorkbook(t, path, "xl/workbook.xml", "xl/workbook.xml", "data/Rows.xml", "/DATA/rows.xml", "data/Text.xml", "/data/TEXT.xml", c.sheet, c.sst)
		var err error
		n := allocated(func() { _, err = Open(path, ReadOptions{TmpDir: dir}) })
		wantErr(t, err, filepath.Base(path), c.want, "longer than 16 MiB")
		if n > 16*mib {
			t.Fatalf("%s: %d MiB allocated to refuse a 20 MB cell", c.name, n/mib)
		}
	}
}
