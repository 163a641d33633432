package reader

// Differential test of the .xlsx reader against excelize, whose row
// iterator it replaces: for real files, for random workbooks written by
// hand the way Excel, LibreOffice and other tools write them, and for fuzzed
// sheet XML, the reader must return exactly the rows excelize returns (with
// RawCellValue), or refuse the input with a ReadError.

import (
	"archive/zip"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// ---- the oracle and the comparison ----

// excelizeRows reads a sheet the way the excelize-based reader did: the
// named sheet, else the first visible one, else the first; every row up to
// the last, absent rows as empty ones.
func excelizeRows(t testing.TB, path, sheet string) (sheetName string, date1904 bool, rows [][]string, err error) {
	t.Helper()
	return excelizeRowsN(path, sheet, -1)
}

// excelizeRowsN is excelizeRows stopping after limit rows (limit < 0: all).
// A panic in excelize is returned as an error.
func excelizeRowsN(path, sheet string, limit int) (sheetName string, date1904 bool, rows [][]string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("excelize panicked: %v", p)
		}
	}()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		return "", false, nil, err
	}
	defer f.Close()
	list := f.GetSheetList()
	switch {
	case sheet != "":
		if !slices.Contains(list, sheet) {
			return "", false, nil, fmt.Errorf("no sheet %q in %q", sheet, list)
		}
		sheetName = sheet
	case len(list) == 0:
		return "", false, nil, errors.New("no sheets")
	default:
		sheetName = list[0]
		for _, s := range list {
			if visible, err := f.GetSheetVisible(s); err == nil && visible {
				sheetName = s
				break
			}
		}
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	it, err := f.Rows(sheetName)
	if err != nil {
		return sheetName, date1904, nil, err
	}
	defer it.Close()
	for limit < 0 || len(rows) < limit {
		if !it.Next() {
			return sheetName, date1904, rows, it.Error()
		}
		cells, err := it.Columns()
		if err != nil {
			return sheetName, date1904, rows, err
		}
		rows = append(rows, cells)
	}
	return sheetName, date1904, rows, nil
}

// readXLSX reads a sheet through openXLSX, at most limit rows (limit < 0:
// all), with the line number of each row.
func readXLSX(path, sheet string, limit int) (sheetName string, date1904 bool, lines []int, rows [][]string, err error) {
	tb, err := openXLSX(path, ReadOptions{Sheet: sheet, TmpDir: filepath.Dir(path), rawDates: true})
	if err != nil {
		return "", false, nil, nil, err
	}
	sheetName, date1904 = tb.Sheet(), tb.Date1904()
	for limit < 0 || len(rows) < limit {
		line, cells, err := tb.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Close()
			return sheetName, date1904, lines, rows, err
		}
		lines = append(lines, line)
		rows = append(rows, cells)
	}
	if err := tb.Close(); err != nil {
		return sheetName, date1904, lines, rows, fmt.Errorf("Close: %w", err)
	}
	return sheetName, date1904, lines, rows, nil
}

// diffRows describes the first difference between the rows read (with
// their line numbers) and the rows wanted, or returns "". Nil and empty
// rows are equal.
func diffRows(lines []int, got, want [][]string) string {
	for i := range min(len(got), len(want)) {
		if lines != nil && lines[i] != i+1 {
			return fmt.Sprintf("row №%d came back as line %d, want %d", i+1, lines[i], i+1)
		}
		g, w := got[i], want[i]
		if slices.Equal(g, w) {
			continue
		}
		for j := range max(len(g), len(w)) {
			gv, wv := "(none)", "(none)"
			if j < len(g) {
				gv = strconv.Quote(g[j])
			}
			if j < len(w) {
				wv = strconv.Quote(w[j])
			}
			if gv != wv {
				col, _ := excelize.ColumnNumberToName(j + 1)
				// The cells around it: a row may be 16,384 cells long.
				lo := max(0, j-5)
				around := func(r []string) []string { return r[min(lo, len(r)):min(j+6, len(r))] }
				return fmt.Sprintf("line %d, cell %d (column %s): got %s, want %s\n got  %d cells, from cell %d: %q\n want %d cells, from cell %d: %q",
					i+1, j, col, gv, wv, len(g), lo, around(g), len(w), lo, around(w))
			}
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("got %d rows, want %d; the first extra one, line %d: %s", len(got), len(want), len(want)+1, showRow(got[len(want)]))
	case len(got) < len(want):
		return fmt.Sprintf("got %d rows, want %d; the first missing one, line %d: %s", len(got), len(want), len(got)+1, showRow(want[len(got)]))
	}
	return ""
}

// showRow quotes the cells of a row, the first 20 of a long one.
func showRow(r []string) string {
	if len(r) > 20 {
		return fmt.Sprintf("%q… (%d cells)", r[:20], len(r))
	}
	return fmt.Sprintf("%q", r)
}

// compareWithExcelize reads the sheet with openXLSX and with excelize:
// both must read it without error, pick the same sheet and date system, and
// return the same rows; and openXLSX must read the same again with its
// shared strings spilled to a file (compareSpilled). It returns what
// excelize read.
func compareWithExcelize(t *testing.T, path, sheet string) (string, bool, [][]string) {
	t.Helper()
	name, date1904, lines, rows, err := readXLSX(path, sheet, -1)
	if err != nil {
		t.Fatalf("our reader: %v", err)
	}
	xname, xdate1904, xrows, err := excelizeRows(t, path, sheet)
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	if name != xname || date1904 != xdate1904 {
		t.Fatalf("%s: sheet %q, date1904 %v; excelize: sheet %q, date1904 %v", path, name, date1904, xname, xdate1904)
	}
	if d := diffRows(lines, rows, xrows); d != "" {
		t.Fatalf("%s: sheet %q, our reader vs excelize: %s", path, name, d)
	}
	compareSpilled(t, path, sheet, -1, lines, rows, nil)
	return xname, xdate1904, xrows
}

// ---- hand-written workbooks ----

const (
	nsMain  = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRl = "http://schemas.openxmlformats.org/package/2006/relationships"
	xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n"
)

// writeZip writes the parts, in order, as a zip archive at path.
func writeZip(t testing.TB, path string, parts []zipPart) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, p := range parts {
		method := zip.Deflate
		if p.store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: method})
		if err == nil {
			err = p.body(w)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// xmlPiece is a piece of cell text as written in the XML, with what it
// reads as: esc in shared and inline strings, where excelize undoes the
// _xHHHH_ escapes, raw in t="str" values, where it does not. The pieces
// can follow each other in any order: none starts or ends half an escape.
type xmlPiece struct{ xml, esc, raw string }

var xmlPieces = func() []xmlPiece {
	ps := []xmlPiece{
		{"&amp;", "&", "&"}, {"&lt;", "<", "<"}, {"&gt;", ">", ">"}, {"&quot;", `"`, `"`}, {"&apos;", "'", "'"},
		{"&#1060;", "Ф", "Ф"}, {"&#x424;", "Ф", "Ф"}, {"&#x1F600;", "😀", "😀"},
		{"&#13;", "\r", "\r"}, {"&#10;", "\n", "\n"}, {"&#9;", "\t", "\t"},
		// encoding/xml turns a written CR LF, and a lone CR, into LF.
		{"\r\n", "\n", "\n"}, {"\r", "\n", "\n"}, {"\n", "\n", "\n"},
		{"<![CDATA[<b>&amp;</b>]]>", "<b>&amp;</b>", "<b>&amp;</b>"}, {"<![CDATA[a\r\nb]]>", "a\nb", "a\nb"}, {"<![CDATA[]]>", "", ""},
		{"<!-- note -->", "", ""}, {"<?mso-note x?>", "", ""},
		{"_x000D_", "\r", "_x000D_"}, {"_x000a_", "\n", "_x000a_"}, {"_x0041_", "A", "_x0041_"},
		{"_x005F_x0041_", "_x0041_", "_x005F_x0041_"}, {"&#95;x0042_", "B", "_x0042_"},
	}
	// Plain text, more often than the rest.
	for range 3 {
		for _, s := range []string{"Иванов", "Ivan", "Пётр Ильич", "42", "007", "😀", "𝔘𝔫𝔦", "ООО «Ромашка»", " ", "  ", "\t", `"`, "'", ">", "a b", "Ёж"} {
			ps = append(ps, xmlPiece{s, s, s})
		}
	}
	return ps
}()

// xlsxGen writes random parts of a workbook.
type xlsxGen struct {
	rng *rand.Rand
	p   string   // the prefix of every SpreadsheetML element: "" or "x:"
	sst []string // the shared strings as excelize reads them
	// maxRows bounds the rows of a sheet (25 when 0).
	maxRows int
}

func (g *xlsxGen) chance(n int) bool { return g.rng.IntN(n) == 0 }

func (g *xlsxGen) pick(s ...string) string { return s[g.rng.IntN(len(s))] }

// gap is what may stand between two elements.
func (g *xlsxGen) gap() string {
	if g.rng.IntN(3) > 0 {
		return ""
	}
	return g.pick("\n", "\r\n  ", "\t", " ", "<!-- x -->", "<?pi x?>", "\n<!--a--><!--b-->\n", "\n\t\t")
}

// attr writes an attribute, quoted with " or ', sometimes with spaces
// around =.
func (g *xlsxGen) attr(name, value string) string {
	value = attrEscaper.Replace(value)
	switch g.rng.IntN(6) {
	case 0:
		return fmt.Sprintf(" %s='%s'", name, value)
	case 1:
		return fmt.Sprintf(" %s = \"%s\"", name, value)
	case 2:
		return fmt.Sprintf("\n\t%s= '%s'", name, value)
	}
	return fmt.Sprintf(" %s=\"%s\"", name, value)
}

var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "'", "&apos;")

// attrs writes attributes in a random order.
func (g *xlsxGen) attrs(a ...string) string {
	g.rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	return strings.Join(a, "")
}

// text returns random cell text as written and as excelize reads it, with
// escapes undone (esc) or not.
func (g *xlsxGen) text(esc bool) (string, string) {
	if g.chance(12) {
		return "", ""
	}
	var x, v strings.Builder
	for range 1 + g.rng.IntN(4) {
		p := xmlPieces[g.rng.IntN(len(xmlPieces))]
		for strings.HasSuffix(x.String(), "\r") && strings.HasPrefix(p.xml, "\n") { // CR, LF would read as one LF
			p = xmlPieces[g.rng.IntN(len(xmlPieces))]
		}
		x.WriteString(p.xml)
		if esc {
			v.WriteString(p.esc)
		} else {
			v.WriteString(p.raw)
		}
	}
	return x.String(), v.String()
}

// split puts a comment or a processing instruction inside a value, which
// the XML decoder drops.
func (g *xlsxGen) split(s string) string {
	if len(s) < 2 || !g.chance(15) {
		return s
	}
	i := 1 + g.rng.IntN(len(s)-1)
	return s[:i] + g.pick("<!---->", "<!-- c -->", "<?pi?>") + s[i:]
}

// t writes a <t> element: xml:space="preserve" mostly when the text needs
// it (excelize keeps the spaces either way), sometimes self-closing when
// empty.
func (g *xlsxGen) t(x, v string) string {
	space := ""
	if v != strings.TrimSpace(v) && !g.chance(4) || g.chance(8) {
		space = ` xml:space="preserve"`
	}
	if x == "" && g.chance(2) {
		return "<" + g.p + "t" + space + "/>"
	}
	return "<" + g.p + "t" + space + ">" + x + "</" + g.p + "t>"
}

// rich writes a string item, as <si> or <is> holds it: one <t>, or rich
// text runs, sometimes with phonetic runs after; it returns the XML inside
// the item and the text excelize reads.
func (g *xlsxGen) rich() (string, string) {
	p := g.p
	var b strings.Builder
	var val strings.Builder
	plain := g.rng.IntN(3) > 0
	if plain || g.chance(6) { // a <t>, rarely before runs
		x, v := g.text(true)
		b.WriteString(g.t(x, v))
		val.WriteString(v)
	}
	if !plain {
		for range 1 + g.rng.IntN(3) {
			b.WriteString(g.gap())
			b.WriteString("<" + p + "r>" + g.gap())
			switch g.rng.IntN(3) {
			case 0:
				b.WriteString("<" + p + "rPr><" + p + "b/><" + p + `sz val="11"/><` + p + `color theme="1"/><` + p + `rFont val="Calibri"/><` + p + `family val="2"/><` + p + `charset val="204"/></` + p + "rPr>")
			case 1:
				b.WriteString("<" + p + "rPr><" + p + "i" + g.attr("val", "1") + "/></" + p + "rPr>")
			}
			x, v := g.text(true)
			b.WriteString(g.gap() + g.t(x, v) + g.gap() + "</" + p + "r>")
			val.WriteString(v)
		}
	}
	if g.chance(5) {
		b.WriteString(g.gap() + "<" + p + `rPh sb="0" eb="1"><` + p + "t>ignored</" + p + "t></" + p + "rPh>")
		b.WriteString("<" + p + `phoneticPr fontId="1" type="noConversion"/>`)
	}
	return b.String(), val.String()
}

// sharedStrings writes the shared strings part and keeps their values.
func (g *xlsxGen) sharedStrings() string {
	p := g.p
	var b strings.Builder
	if g.chance(10) {
		b.WriteString("\ufeff")
	}
	b.WriteString(xmlDecl)
	n := g.rng.IntN(12)
	count := ""
	if g.rng.IntN(3) > 0 {
		count = g.attr("count", strconv.Itoa(n+3)) + g.attr("uniqueCount", strconv.Itoa(n))
	}
	if p == "" {
		b.WriteString(`<sst xmlns="` + nsMain + `"` + count + ">")
	} else {
		b.WriteString(`<x:sst xmlns:x="` + nsMain + `"` + count + ">")
	}
	g.sst = nil
	for range n {
		x, v := g.rich()
		b.WriteString(g.gap() + "<" + p + "si>" + x + "</" + p + "si>")
		g.sst = append(g.sst, v)
	}
	b.WriteString(g.gap() + "</" + p + "sst>")
	return b.String()
}

var (
	genNumbers = []string{"0", "1", "-1", "42", "3.14", "1.5E-3", "7.7E+15", "7700000000000008", "32905", "101998900", "0.1", "-0", "1E+308", "2.2250738585072014E-308", "45678.5"}
	genDates   = []string{"2024-02-29T00:00:00Z", "1990-02-01T00:00:00", "2024-02-29T13:45:30.500", "1899-12-31T00:00:00"}
	genErrors  = []string{"#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"}
	genForms   = []string{"SUM(A1:A2)", `IF(A1&lt;&gt;"",1,0)`, `A1&amp;" "&amp;B1`, "_xlfn.CONCAT(A1,B1)", "NOW()", "'Лист 1'!A1*2"}
)

func (g *xlsxGen) number() string {
	switch g.rng.IntN(3) {
	case 0:
		return strconv.Itoa(g.rng.IntN(100000) - 1000)
	case 1:
		return strconv.FormatFloat(g.rng.Float64()*1e4, 'g', -1, 64)
	}
	return g.pick(genNumbers...)
}

// formula writes an <f> element: plain, shared (master or child) or array.
func (g *xlsxGen) formula() string {
	p := g.p
	switch g.rng.IntN(5) {
	case 0:
		return "<" + p + "f" + g.attrs(g.attr("t", "shared"), g.attr("ref", "C2:C9"), g.attr("si", "0")) + ">A2*2</" + p + "f>"
	case 1:
		return "<" + p + "f" + g.attrs(g.attr("t", "shared"), g.attr("si", "0")) + "/>"
	case 2:
		return "<" + p + "f" + g.attrs(g.attr("t", "array"), g.attr("ref", "D2")) + ">SUM(A1:A2*B1:B2)</" + p + "f>"
	}
	return "<" + p + "f>" + g.pick(genForms...) + "</" + p + "f>"
}

// cell writes a <c> element (ref "" for none) and returns what excelize
// reads from it, and whether the cell counts: a value or a formula.
func (g *xlsxGen) cell(ref string) (string, string, bool) {
	p := g.p
	var a []string
	if ref != "" {
		a = append(a, g.attr("r", ref))
	}
	if g.chance(3) {
		a = append(a, g.attr("s", strconv.Itoa(g.rng.IntN(3))))
	}
	if g.chance(20) {
		a = append(a, g.attr("ph", "1"))
	}
	typ := func(t string) {
		if t != "" {
			a = append(a, g.attr("t", t))
		}
	}
	v := func(s string) string { return "<" + p + "v>" + g.split(s) + "</" + p + "v>" }
	var body, val string
	hasF := false
	kind := g.rng.IntN(12)
	if kind == 0 && len(g.sst) == 0 {
		kind = 1
	}
	switch kind {
	case 0: // shared string
		i := g.rng.IntN(len(g.sst))
		typ("s")
		body, val = v(strconv.Itoa(i)), g.sst[i]
	case 1, 2: // inline string, plain or rich
		typ("inlineStr")
		x, s := g.rich()
		body, val = "<"+p+"is>"+g.gap()+x+g.gap()+"</"+p+"is>", s
	case 3: // a string, usually a formula's
		typ("str")
		if g.rng.IntN(3) > 0 {
			body, hasF = g.formula()+g.gap(), true
		}
		x, s := g.text(false)
		body += "<" + p + "v>" + x + "</" + p + "v>"
		val = s
	case 4:
		typ("b")
		val = g.pick("0", "1")
		body = v(val)
	case 5:
		typ("e")
		if g.chance(2) {
			body, hasF = g.formula()+g.gap(), true
		}
		val = g.pick(genErrors...)
		body += v(val)
	case 6, 7: // a number, with t="n" or without t
		typ(g.pick("", "n"))
		val = g.number()
		body = v(val)
	case 8: // ISO 8601 date text
		typ("d")
		val = g.pick(genDates...)
		body = v(val)
	case 9: // a formula with its cached value, or without one
		typ(g.pick("", "n", "str"))
		body, hasF = g.formula(), true
		if g.chance(2) {
			val = g.number()
			body += g.gap() + v(val)
		}
	case 10: // an empty (formatted) cell
		typ(g.pick("", "", "s", "n", "str"))
		switch g.rng.IntN(3) {
		case 0:
			return "<" + p + "c" + g.attrs(a...) + "/>", "", false
		case 1:
			body = "<" + p + "v/>"
		case 2:
			body = "<" + p + "v></" + p + "v>"
		}
	case 11: // an empty inline string
		typ("inlineStr")
		body = "<" + p + "is>" + g.t("", "") + "</" + p + "is>"
	}
	return "<" + p + "c" + g.attrs(a...) + ">" + g.gap() + body + g.gap() + "</" + p + "c>", val, val != "" || hasF
}

// row writes a <row> element numbered n (with r when withR) and returns the
// cells excelize reads from it.
func (g *xlsxGen) row(n int, withR bool) (string, []string) {
	p := g.p
	var a []string
	if withR {
		a = append(a, g.attr("r", strconv.Itoa(n)))
	}
	if g.chance(2) {
		a = append(a, g.attr("spans", "1:"+strconv.Itoa(1+g.rng.IntN(9))))
	}
	if g.chance(4) {
		a = append(a, g.attr("ht", "20.25"), g.attr("customHeight", "1"))
	}
	if g.chance(5) {
		a = append(a, g.attr("s", "1"), g.attr("customFormat", "1"))
	}
	if g.chance(10) {
		a = append(a, g.attr("hidden", "1"))
	}
	if g.chance(4) {
		a = append(a, g.attr("x14ac:dyDescent", "0.25"))
	}
	open := "<" + p + "row" + g.attrs(a...)
	ncells := g.rng.IntN(9)
	if ncells == 0 {
		return open + g.pick("/>", "></"+p+"row>"), nil
	}
	var b strings.Builder
	b.WriteString(open + ">")
	var cells []string
	col := 0
	for range ncells {
		step := 1
		switch g.rng.IntN(10) {
		case 0, 1:
			step = 2 + g.rng.IntN(3)
		case 2:
			step = g.pick2(27, 52, 703, 16384) - col // AA, AZ, AAA, XFD
		}
		withRef := step != 1 || g.rng.IntN(5) > 0 // a cell without r is the next column
		if step < 1 || col+step > 16384 {
			break
		}
		col += step
		ref := ""
		if withRef {
			name, _ := excelize.ColumnNumberToName(col)
			ref = name + strconv.Itoa(n)
		}
		x, v, counts := g.cell(ref)
		b.WriteString(g.gap() + x)
		if counts {
			for len(cells) < col-1 {
				cells = append(cells, "")
			}
			cells = append(cells, v)
		}
	}
	b.WriteString(g.gap() + "</" + p + "row>")
	return b.String(), cells
}

func (g *xlsxGen) pick2(n ...int) int { return n[g.rng.IntN(len(n))] }

// sheet writes a worksheet and returns the rows excelize reads from it.
func (g *xlsxGen) sheet() (string, [][]string) {
	p := g.p
	var b strings.Builder
	if g.chance(10) {
		b.WriteString("\ufeff")
	}
	if g.rng.IntN(4) > 0 {
		b.WriteString(g.pick(xmlDecl, `<?xml version='1.0' encoding='utf-8'?>`+"\n"))
	}
	ns := ` xmlns:r="` + nsRel + `" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac"`
	if p == "" {
		b.WriteString(`<worksheet xmlns="` + nsMain + `"` + ns + ">")
	} else {
		b.WriteString(`<x:worksheet xmlns:x="` + nsMain + `"` + ns + ">")
	}
	for _, e := range []string{
		"<" + p + "sheetPr><" + p + `tabColor rgb="FFFF0000"/><` + p + `pageSetUpPr fitToPage="1"/></` + p + "sheetPr>",
		"<" + p + `dimension ref="A1:C3"/>`,
		"<" + p + "sheetViews><" + p + `sheetView tabSelected="1" workbookViewId="0"><` + p + `selection activeCell="B2" sqref="B2"/></` + p + "sheetView></" + p + "sheetViews>",
		"<" + p + `sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>`,
		"<" + p + "cols><" + p + `col min="1" max="2" width="12.7" customWidth="1"/><` + p + `col min="3" max="3" width="30" hidden="1"/></` + p + "cols>",
	} {
		if g.chance(2) {
			b.WriteString(g.gap() + e)
		}
	}
	b.WriteString(g.gap())
	var want [][]string
	nrows := g.rng.IntN(cmp.Or(g.maxRows, 25))
	if g.chance(6) {
		nrows = 0
	}
	if nrows == 0 {
		b.WriteString(g.pick("<"+p+"sheetData/>", "<"+p+"sheetData></"+p+"sheetData>", "<"+p+"sheetData>\n</"+p+"sheetData>"))
	} else {
		b.WriteString("<" + p + "sheetData>")
		n := 0
		for range nrows {
			step := 1
			switch g.rng.IntN(20) {
			case 0, 1, 2, 3:
				step = 2 + g.rng.IntN(4)
			case 4:
				step = 20 + g.rng.IntN(400)
			}
			withR := step != 1 || g.rng.IntN(5) > 0 // a row without r is the next row
			n += step
			x, cells := g.row(n, withR)
			b.WriteString(g.gap() + x)
			for len(want) < n-1 {
				want = append(want, nil)
			}
			want = append(want, cells)
		}
		b.WriteString(g.gap() + "</" + p + "sheetData>")
	}
	for _, e := range []string{
		"<" + p + `sheetProtection sheet="1" objects="1"/>`,
		"<" + p + `mergeCells count="1"><` + p + `mergeCell ref="A1:B1"/></` + p + "mergeCells>",
		"<" + p + `pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>`,
		"<" + p + `extLst><` + p + `ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="0"/></` + p + "ext></" + p + "extLst>",
	} {
		if g.chance(2) {
			b.WriteString(g.gap() + e)
		}
	}
	b.WriteString(g.gap() + "</" + p + "worksheet>")
	return b.String(), want
}

// genSheet is a sheet of a generated workbook.
type genSheet struct {
	name   string
	hidden bool
	part   string     // its name in the archive
	want   [][]string // the rows excelize reads from it
}

// genWorkbook is a generated workbook: its parts and what it holds.
type genWorkbook struct {
	parts    []zipPart
	text     map[string]string // the text of each part
	sheets   []genSheet
	date1904 bool
}

var genSheetNames = []string{"Пациенты", "Лист1", "Sheet 2", "Данные & итоги", "Свод'25", "😀", "Прикреплённые <2026>"}

// newGenWorkbook writes a random workbook of one to three sheets.
func newGenWorkbook(rng *rand.Rand) *genWorkbook {
	g := &xlsxGen{rng: rng}
	if g.chance(4) {
		g.p = "x:"
	}
	p := g.p
	wb := &genWorkbook{text: map[string]string{}}
	add := func(name, text string) {
		wb.text[name] = text
		wb.parts = append(wb.parts, zipPart{name: name, store: g.chance(4), body: func(w io.Writer) error {
			_, err := io.WriteString(w, text)
			return err
		}})
	}
	n := 1 + g.rng.IntN(3)
	names := slices.Clone(genSheetNames)
	g.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	files := g.rng.Perm(n) // sheet i is in worksheets/sheet{files[i]+1}.xml
	ids := g.rng.Perm(n)   // and is relationship rId{ids[i]+1}
	for i := range n {
		wb.sheets = append(wb.sheets, genSheet{name: names[i], part: fmt.Sprintf("xl/worksheets/sheet%d.xml", files[i]+1)})
	}
	if g.chance(3) {
		wb.sheets[0].hidden = true
	}

	var sst string
	sstPart, sstTarget := "", ""
	if g.rng.IntN(5) > 0 {
		sst = g.sharedStrings()
		sstPart, sstTarget = "xl/sharedStrings.xml", g.pick("sharedStrings.xml", "/xl/sharedStrings.xml")
		if g.chance(5) { // as some tools name it; excelize finds it whatever the case
			sstPart, sstTarget = "xl/sharedstrings.xml", g.pick("sharedstrings.xml", "sharedStrings.xml")
		}
	}

	var ct strings.Builder
	ct.WriteString(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	for _, s := range wb.sheets {
		ct.WriteString(`<Override PartName="/` + s.part + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
	}
	if sstPart != "" {
		ct.WriteString(`<Override PartName="/` + sstPart + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	}
	ct.WriteString("</Types>")
	add("[Content_Types].xml", ct.String())
	add("_rels/.rels", xmlDecl+`<Relationships xmlns="`+nsPkgRl+`"><Relationship Id="rId1" Type="`+nsRel+`/officeDocument" Target="`+g.pick("xl/workbook.xml", "/xl/workbook.xml")+`"/></Relationships>`)

	var w strings.Builder
	w.WriteString(xmlDecl)
	if p == "" {
		w.WriteString(`<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	} else {
		w.WriteString(`<x:workbook xmlns:x="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	}
	w.WriteString(g.gap() + "<" + p + `fileVersion appName="xl" lastEdited="7"/>`)
	switch g.rng.IntN(5) {
	case 0:
		w.WriteString("<" + p + "workbookPr" + g.attr("date1904", g.pick("1", "true")) + "/>")
		wb.date1904 = true
	case 1:
		w.WriteString("<" + p + "workbookPr" + g.attr("date1904", g.pick("0", "false")) + g.attr("defaultThemeVersion", "124226") + "/>")
	case 2:
		w.WriteString("<" + p + `workbookPr defaultThemeVersion="164011"/>`)
	}
	w.WriteString(g.gap() + "<" + p + "bookViews><" + p + `workbookView activeTab="` + strconv.Itoa(n-1) + `"/></` + p + "bookViews>")
	w.WriteString(g.gap() + "<" + p + "sheets>")
	for i, s := range wb.sheets {
		a := []string{g.attr("name", s.name), g.attr("sheetId", strconv.Itoa(i+1)), g.attr("r:id", fmt.Sprintf("rId%d", ids[i]+1))}
		if s.hidden {
			a = append(a, g.attr("state", g.pick("hidden", "veryHidden")))
		} else if g.chance(4) {
			a = append(a, g.attr("state", "visible"))
		}
		w.WriteString(g.gap() + "<" + p + "sheet" + g.attrs(a...) + "/>")
	}
	w.WriteString(g.gap() + "</" + p + "sheets>" + g.gap() + "<" + p + `calcPr calcId="191029"/>` + g.gap() + "</" + p + "workbook>")
	add("xl/workbook.xml", w.String())

	var r strings.Builder
	r.WriteString(xmlDecl + `<Relationships xmlns="` + nsPkgRl + `">`)
	for i, s := range wb.sheets {
		target := strings.TrimPrefix(s.part, "xl/")
		if g.chance(3) {
			target = "/" + s.part
		}
		r.WriteString(fmt.Sprintf(`<Relationship Id="rId%d" Type="%s/worksheet" Target="%s"/>`, ids[i]+1, nsRel, target))
	}
	r.WriteString(`<Relationship Id="rId101" Type="` + nsRel + `/styles" Target="styles.xml"/>`)
	if sstPart != "" {
		r.WriteString(`<Relationship Id="rId102" Type="` + nsRel + `/sharedStrings" Target="` + sstTarget + `"/>`)
	}
	r.WriteString("</Relationships>")
	add("xl/_rels/workbook.xml.rels", r.String())
	add("xl/styles.xml", xStyles)

	// The sheets in the order of their files, then the shared strings
	// (read first or last: excelize reads every part before any row).
	sheets := make([]string, n)
	for i := range wb.sheets {
		sheets[files[i]], wb.sheets[i].want = g.sheet()
	}
	for i, s := range sheets {
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), s)
	}
	if sstPart != "" {
		add(sstPart, sst)
	}
	return wb
}

// expectSheet returns the sheet the reader should read for want ("" for the
// first visible one).
func (wb *genWorkbook) expectSheet(want string) genSheet {
	for _, s := range wb.sheets {
		if want == "" && !s.hidden || want != "" && s.name == want {
			return s
		}
	}
	return wb.sheets[0]
}

// ---- tests ----

// refusedOnPurpose lists test files excelize reads but the reader refuses,
// with the test that says why.
var refusedOnPurpose = map[string]string{
	"hostile/corrupt-sheet.xlsx": "TestHostileXLSXCorruptSheet: a damaged part, which excelize reads halfway",
}

func TestXLSXReaderMatchesExcelize(t *testing.T) {
	t.Run("testdata", func(t *testing.T) {
		compared := 0
		err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".xlsx") {
				return err
			}
			if _, _, _, err := excelizeRows(t, path, ""); err != nil {
				t.Logf("%s: excelize cannot read it either: %v", path, err)
				return nil
			}
			rel, _ := filepath.Rel("testdata", path)
			if why, ok := refusedOnPurpose[filepath.ToSlash(rel)]; ok {
				if _, _, _, _, err := readXLSX(path, "", -1); err == nil {
					t.Errorf("%s: read without error; want it refused (%s)", path, why)
				}
				return nil
			}
			t.Run(rel, func(t *testing.T) { compareWithExcelize(t, path, "") })
			compared++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if compared == 0 {
			t.Fatal("no .xlsx in testdata that excelize reads")
		}
	})
	t.Run("excelize-written", func(t *testing.T) {
		for _, date1904 := range []bool{false, true} {
			path := writeWorkbook(t, date1904)
			compareWithExcelize(t, path, "")
			compareWithExcelize(t, path, "Служебный") // the hidden sheet, by name
		}
	})
	t.Run("random", func(t *testing.T) {
		// A fixed seed keeps CI repeatable; MIPIMPORT_XLSX_SEED searches
		// further (e.g. a loop over $RANDOM).
		seed := uint64(20261128)
		if s := os.Getenv("MIPIMPORT_XLSX_SEED"); s != "" {
			var err error
			if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
				t.Fatalf("MIPIMPORT_XLSX_SEED: %v", err)
			}
		}
		t.Logf("seed %d (MIPIMPORT_XLSX_SEED=%d repeats this run)", seed, seed)
		n := 300
		switch {
		case testing.Short():
			n = 40
		case raceEnabled(): // the detector slows excelize about tenfold
			n = 100
		}
		dir := t.TempDir()
		for i := range n {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			wb := newGenWorkbook(rng)
			want := ""
			if rng.IntN(4) == 0 {
				want = wb.sheets[rng.IntN(len(wb.sheets))].name
			}
			path := filepath.Join(dir, fmt.Sprintf("random%d.xlsx", i))
			writeZip(t, path, wb.parts)
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				exp := wb.expectSheet(want)
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("seed %d, workbook %d, sheet %q (%s):\n%s\nshared strings:\n%s", seed, i, exp.name, exp.part,
							wb.text[exp.part], wb.text["xl/sharedStrings.xml"]+wb.text["xl/sharedstrings.xml"])
					}
				})
				name, date1904, rows := compareWithExcelize(t, path, want)
				// The generator says what the workbook holds; excelize must
				// agree, or the generator does not write what it means to.
				if name != exp.name || date1904 != wb.date1904 {
					t.Fatalf("excelize read sheet %q, date1904 %v; the generator wrote %q, %v", name, date1904, exp.name, wb.date1904)
				}
				if d := diffRows(nil, rows, exp.want); d != "" {
					t.Fatalf("excelize vs the generator: %s", d)
				}
			})
		}
	})
}

// fuzzRows bounds the rows one fuzz input reads: a row numbered a million
// is a million empty rows before it.
const fuzzRows = 3000

// FuzzXLSXSheet: arbitrary sheet XML and shared strings in an otherwise
// valid workbook. The reader must not panic; it may refuse the sheet, with a
// ReadError naming the file, where excelize reads something (excelize stops
// silently at malformed XML, and puts cells that go backwards at the end of
// the row); but rows it returns without an error must be excelize's. One
// exception, on purpose: excelize fails every row when the shared strings
// do not decode into its structs (a root element outside the SpreadsheetML
// namespace, count="x", <sz val="x"/>), where the reader reads their text;
// the harness recognises the case by excelize failing the same way on a
// one-cell sheet with the same shared strings.
func FuzzXLSXSheet(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 8 {
		g := &xlsxGen{rng: rng, maxRows: 5} // small: the fuzzer minimizes what it finds
		if i%4 == 3 {
			g.p = "x:"
		}
		sst := g.sharedStrings()
		sheet, _ := g.sheet()
		f.Add([]byte(sheet), []byte(sst))
	}
	f.Add([]byte(xSheetHead+`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Имя</t></is></c></row><row r="3"><c r="B3"><f>SUM(A1:A2)</f></c></row>`+xSheetTail),
		[]byte(`<sst xmlns="`+nsMain+`"><si><t>Фамилия</t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.xlsx")
		// buildWorkbook's workbook, unpacked: a deflate writer per part
		// would cost more than reading the workbook twice.
		write := func(path string, sheet []byte) {
			parts := []zipPart{textPart("[Content_Types].xml", xContentTypes), textPart("_rels/.rels", xRels),
				textPart("xl/workbook.xml", xWorkbook), textPart("xl/_rels/workbook.xml.rels", xWorkbookRels),
				textPart("xl/styles.xml", xStyles), textPart("xl/worksheets/sheet1.xml", string(sheet)),
				textPart("xl/sharedStrings.xml", string(sst))}
			for i := range parts {
				parts[i].store = true
			}
			writeZip(t, path, parts)
		}
		write(path, sheet)
		name, date1904, lines, rows, err := readXLSX(path, "", fuzzRows)
		compareSpilled(t, path, "", fuzzRows, lines, rows, err)
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || re.File != path {
				t.Fatalf("not a ReadError naming the file: %v", err)
			}
			return
		}
		xname, xdate1904, xrows, err := excelizeRowsN(path, "", fuzzRows)
		if err != nil {
			probe := filepath.Join(t.TempDir(), "probe.xlsx")
			write(probe, []byte(xSheetHead+`<row r="1"><c r="A1"><v>1</v></c></row>`+xSheetTail))
			if _, _, _, perr := excelizeRowsN(probe, "", 1); perr != nil && perr.Error() == err.Error() {
				return // excelize refuses these shared strings whatever the sheet
			}
			t.Fatalf("read %d rows without error; excelize: %v", len(rows), err)
		}
		if name != xname || date1904 != xdate1904 {
			t.Fatalf("sheet %q, date1904 %v; excelize: sheet %q, date1904 %v", name, date1904, xname, xdate1904)
		}
		if d := diffRows(lines, rows, xrows); d != "" {
			t.Fatalf("our reader vs excelize: %s", d)
		}
	})
}

// TestXLSXReaderRefusesDisorder: rows or cells out of order, which Excel
// never writes. excelize adds the cells of a row numbered backwards (or
// again) to the row before it, and puts a cell numbered backwards at the end
// of its row, in the wrong column; the reader must refuse the sheet instead,
// at the row where the disorder is, and return only correct rows before it.
func TestXLSXReaderRefusesDisorder(t *testing.T) {
	c := func(ref, v string) string { return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>` }
	header := `<row r="1">` + c("A1", "Фамилия") + c("B1", "Имя") + c("C1", "Отчество") + `</row>`
	head := []string{"Фамилия", "Имя", "Отчество"}
	for _, tc := range []struct {
		name, rows string
		good       [][]string // the rows before the disorder
		lines      []int      // the lines the error may name
	}{
		{"rows backwards", header + `<row r="10">` + c("A10", "Иванов") + `</row><row r="5">` + c("A5", "Петров") + `</row>`,
			append(append([][]string{head}, make([][]string, 8)...), []string{"Иванов"}),
			[]int{5, 11}}, // the row as numbered, or the line it would have had
		{"row repeated", header + `<row r="2">` + c("A2", "Иванов") + `</row><row r="2">` + c("B2", "Иван") + `</row>`,
			[][]string{head, {"Иванов"}}, []int{2, 3}},
		{"cells backwards", header + `<row r="2">` + c("C2", "Иванович") + c("A2", "Иванов") + `</row>`,
			[][]string{head}, []int{2}},
		{"cell repeated", header + `<row r="2">` + c("B2", "Иван") + c("B2", "Пётр") + `</row>`,
			[][]string{head}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "disorder.xlsx")
			buildWorkbook(t, path, textPart("", xSheetHead+tc.rows+xSheetTail))
			_, _, lines, rows, err := readXLSX(path, "", -1)
			if len(rows) > len(tc.good) {
				t.Fatalf("line %d read as %q (err %v); want an error", lines[len(tc.good)], rows[len(tc.good)], err)
			}
			if d := diffRows(lines, rows, tc.good[:len(rows)]); d != "" {
				t.Fatalf("rows read before the error (err = %v): %s", err, d)
			}
			var re *ReadError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a ReadError", err)
			}
			if re.File != path || re.Sheet != "Пациенты" || !slices.Contains(tc.lines, re.Line) {
				t.Fatalf("err = %v: want it to name the file, the sheet «Пациенты» and row %v", err, tc.lines)
			}
		})
	}
}
