package reader

// Hostile and broken input. Each case ends in a clear error that
// names the file (and the sheet, row and column where they apply) or in
// clear per-row outcomes, within bounded memory and time. Small inputs are
// committed in testdata/hostile (its README says how each was made); big
// ones (zip bombs, 10 MB cells, a million rows) are built here in a
// temporary directory.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func hostile(name string) string { return filepath.Join("testdata", "hostile", name) }

// raceEnabled reports a -race build: the detector slows excelize about
// tenfold, so the million-row case reads fewer rows under it.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// allocated returns how many bytes fn allocated in all (MemStats.TotalAlloc):
// an upper bound of how far the heap grew while it ran.
func allocated(fn func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const mib = 1 << 20

// wantErr fails unless err is non-nil and its text holds every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one naming %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not name %q", err, p)
		}
	}
}

// dataRows reads path to its end or its first error and returns the rows
// after the header (the first filled row), leaving out blank rows as the
// mapping does.
func dataRows(t *testing.T, path string) ([]row, error) {
	t.Helper()
	tb, err := Open(path, ReadOptions{TmpDir: t.TempDir()})
	if err != nil {
		return nil, err
	}
	defer tb.Close()
	var out []row
	header := false
	for {
		n, cells, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch {
		case blank(cells):
		case !header:
			header = true
		default:
			out = append(out, row{n, cells})
		}
	}
}

func rowLines(rows []row) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.line)
	}
	return out
}

// ---- hand-built workbooks ----

// zipPart is one part of a hand-built workbook.
type zipPart struct {
	name  string
	store bool // written unpacked (zip.Store), for big random content
	body  func(io.Writer) error
	// raw, when set, is written as the part's packed bytes with the given
	// header: sizes and checksum are whatever the test says.
	raw    []byte
	header *zip.FileHeader
}

func textPart(name, s string) zipPart {
	return zipPart{name: name, body: func(w io.Writer) error { _, err := io.WriteString(w, s); return err }}
}

const (
	xContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	xRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Пациенты" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	xStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/><xf fillId="2" applyFill="1"/></cellXfs></styleSheet>`
	xSheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	xSheetTail = `</sheetData></worksheet>`
	xEmptySST  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>`
)

// buildWorkbook writes a minimal workbook with one sheet, «Пациенты», whose
// XML is sheet (named xl/worksheets/sheet1.xml here), and the extra parts;
// an extra part named like a standard one replaces it.
func buildWorkbook(t testing.TB, path string, sheet zipPart, extra ...zipPart) {
	t.Helper()
	sheet.name = "xl/worksheets/sheet1.xml"
	parts := []zipPart{textPart("[Content_Types].xml", xContentTypes), textPart("_rels/.rels", xRels),
		textPart("xl/workbook.xml", xWorkbook), textPart("xl/_rels/workbook.xml.rels", xWorkbookRels),
		textPart("xl/styles.xml", xStyles), sheet}
	parts = append(parts, textPart("xl/sharedStrings.xml", xEmptySST))
extras:
	for _, e := range extra {
		for i := range parts {
			if parts[i].name == e.name { // in place of the default part
				parts[i] = e
				continue extras
			}
		}
		parts = append(parts, e)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, p := range parts {
		var w io.Writer
		switch {
		case p.raw != nil:
			h := *p.header
			h.Name = p.name
			w, err = zw.CreateRaw(&h)
		case p.store:
			w, err = zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		default:
			w, err = zw.Create(p.name)
		}
		if err == nil && p.raw != nil {
			_, err = w.Write(p.raw)
		} else if err == nil {
			err = p.body(w)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// sheetPart is a sheet whose rows are written by rows.
func sheetPart(rows func(io.Writer) error) zipPart {
	return zipPart{body: func(w io.Writer) error {
		io.WriteString(w, xSheetHead)
		if err := rows(w); err != nil {
			return err
		}
		_, err := io.WriteString(w, xSheetTail)
		return err
	}}
}

// inlineRow writes a row of inline-string cells from column A on.
func inlineRow(w io.Writer, r int, vals ...string) {
	fmt.Fprintf(w, `<row r="%d">`, r)
	for i, v := range vals {
		if v == "" {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		fmt.Fprintf(w, `<c r="%s%d" t="inlineStr"><is><t>`, col, r)
		xml.EscapeText(w, []byte(v))
		io.WriteString(w, `</t></is></c>`)
	}
	io.WriteString(w, `</row>`)
}

var (
	hostileHeader = []string{"Фамилия", "Имя", "Отчество", "Дата рождения", "Полис", "Телефон"}
	hostileRow    = []string{"Иванов", "Иван", "Иванович", "01.02.1990", "7700000000000008", "89123456789"}
)

// bomb returns a real deflate stream of prefix, n MiB of the byte fill and
// suffix, built in a few milliseconds: once the window holds nothing but
// fill, the packed form of the next MiB of fill is the same bytes each time,
// so it is packed once and repeated. It returns the header to go with it.
func bomb(prefix string, fill byte, n int, suffix string) ([]byte, *zip.FileHeader) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	chunk := bytes.Repeat([]byte{fill}, mib)
	crc := crc32.NewIEEE()
	io.WriteString(fw, prefix)
	crc.Write([]byte(prefix))
	fw.Write(chunk)
	fw.Flush()
	mark := buf.Len()
	fw.Write(chunk)
	fw.Flush()
	again := bytes.Clone(buf.Bytes()[mark:])
	crc.Write(chunk)
	crc.Write(chunk)
	for i := 2; i < n; i++ {
		buf.Write(again)
		crc.Write(chunk)
	}
	// The suffix as a final stored block (the stream is byte-aligned after
	// a flush): BFINAL=1, BTYPE=00, LEN, NLEN.
	buf.WriteByte(1)
	binary.Write(&buf, binary.LittleEndian, uint16(len(suffix)))
	binary.Write(&buf, binary.LittleEndian, ^uint16(len(suffix)))
	buf.WriteString(suffix)
	crc.Write([]byte(suffix))
	size := uint64(len(prefix)+len(suffix)) + uint64(n)*mib
	return buf.Bytes(), &zip.FileHeader{Method: zip.Deflate, CRC32: crc.Sum32(), CompressedSize64: uint64(buf.Len()), UncompressedSize64: size}
}

// junk returns n random bytes: packed data that is never unpacked.
func junk(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// ---- corrupt xlsx ----

func TestHostileXLSXTruncated(t *testing.T) {
	// The first half of a real workbook: the zip directory at its end is gone.
	_, err := Open(hostile("truncated.xlsx"), ReadOptions{})
	wantErr(t, err, "truncated.xlsx", "cannot open the workbook")
}

func TestHostileXLSXNotAZip(t *testing.T) {
	_, err := Open(hostile("not-a-zip.xlsx"), ReadOptions{}) // a CSV saved as .xlsx
	wantErr(t, err, "not-a-zip.xlsx", "cannot open the workbook")
	empty := filepath.Join(t.TempDir(), "empty.xlsx")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(empty, ReadOptions{})
	wantErr(t, err, "empty.xlsx", "cannot open the workbook")
}

func TestHostileXLSXNoWorkbookParts(t *testing.T) {
	// A .zip renamed to .xlsx: excelize alone says only "EOF".
	_, err := Open(hostile("no-workbook.xlsx"), ReadOptions{})
	wantErr(t, err, "no-workbook.xlsx", "holds no worksheet")
}

// TestHostileXLSXCorruptSheet: bytes damaged in the middle of the packed
// sheet. excelize ignores the unpacking error and the sheet silently ends
// halfway (1504 of 3000 rows, no error); the import would have reported
// success. The workbook must be refused instead, naming the part.
func TestHostileXLSXCorruptSheet(t *testing.T) {
	_, err := Open(hostile("corrupt-sheet.xlsx"), ReadOptions{})
	wantErr(t, err, "corrupt-sheet.xlsx", "damaged", "xl/worksheets/sheet1.xml")

	// A changed byte in an unpacked (stored) sheet unpacks fine, but fails
	// the checksum: excelize would read a changed name.
	path := filepath.Join(t.TempDir(), "crc.xlsx")
	buildWorkbook(t, path, zipPart{store: true, body: sheetPart(func(w io.Writer) error {
		inlineRow(w, 1, hostileHeader...)
		inlineRow(w, 2, hostileRow...)
		return nil
	}).body})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("Иванов"))
	b[i+1] ^= 0x01 // И → another letter
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, ReadOptions{})
	wantErr(t, err, "crc.xlsx", "damaged", "checksum")
}

func TestHostileXLSXCutShortSheet(t *testing.T) {
	// A sheet whose XML stops inside a row (intact zip): excelize would end
	// the sheet there without an error.
	path := filepath.Join(t.TempDir(), "cut.xlsx")
	buildWorkbook(t, path, textPart("", xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>Фамилия</t></is></c></row><row r="2"><c r="A2" t="inl`))
	_, err := Open(path, ReadOptions{})
	wantErr(t, err, "cut.xlsx", "cut short", "sheet1.xml")
}

// TestHostileXLSXMalformedRow: XML that breaks inside the sheet, as a
// workbook written by hand-made export code can (an HTML entity, a tag left
// open). excelize stopped reading there without a word, losing the rows
// after it; the reader returns the rows before and then an error naming
// the row, so the run stops with the place to mend.
func TestHostileXLSXMalformedRow(t *testing.T) {
	for _, bad := range []string{
		`<c r="A3" t="inlineStr"><is><t>Иванов&nbsp;Иван</t></is></c>`,
		`<c r="A3" t="inlineStr"><is><t>Иванов</is></c>`,
		`<c r="A3" t="inlineStr"><is><t>Ива` + "\x01" + `нов</t></is></c>`,
		// The same in the shape the scanner's inline string shortcut reads.
		`<c r="A3" t="inlineStr"><is><t xml:space="preserve">Ива` + "\x01" + `нов</t></is></c>`,
		`<c r="A3" t="inlineStr"><is><t>Ива` + "\xff" + `нов</t></is></c>`,
		`<c r="A3" t="inlineStr"><is><t>Ива]]>нов</t></is></c>`,
	} {
		path := filepath.Join(t.TempDir(), "bad.xlsx")
		buildWorkbook(t, path, textPart("", xSheetHead+
			`<row r="1"><c r="A1" t="inlineStr"><is><t>Фамилия</t></is></c></row>`+
			`<row r="2"><c r="A2" t="inlineStr"><is><t>Петров</t></is></c></row>`+
			`<row r="3">`+bad+`</row>`+
			`<row r="4"><c r="A4" t="inlineStr"><is><t>Сидоров</t></is></c></row>`+xSheetTail))
		tb, err := Open(path, ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", bad, err)
		}
		var got []string
		for {
			line, cells, err := tb.Next()
			if err != nil {
				wantErr(t, err, "bad.xlsx", `sheet "Пациенты"`, "row 3", "malformed XML")
				break
			}
			got = append(got, fmt.Sprint(line, cells))
		}
		tb.Close()
		if want := "1 [Фамилия]|2 [Петров]"; strings.Join(got, "|") != want {
			t.Fatalf("%s: rows before the error %q, want %q", bad, got, want)
		}
	}
}

// TestHostileXLSXZipBomb: parts that unpack to hundreds of MB from a few
// hundred KB. Without checkArchive, the 500 MB sheet of spaces costs about
// 1 GiB of allocations and 770 MiB of live heap (excelize's XML decoder
// holds the run of spaces as one token), the 900 MB part 2.7 GiB (excelize
// reads every part but the sheets into memory). They must be refused from
// the zip directory, before anything is unpacked. The workbook part, which
// is decoded whole, is refused above 16 MiB.
func TestHostileXLSXZipBomb(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name  string
		parts func() (zipPart, []zipPart)
		want  string
	}{
		{"sheet of 500 MB of spaces", func() (zipPart, []zipPart) {
			raw, h := bomb(xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>Фамилия</t></is></c></row>`, ' ', 500, xSheetTail)
			return zipPart{raw: raw, header: h}, nil
		}, "zip bomb"},
		{"one cell of 300 MB", func() (zipPart, []zipPart) {
			raw, h := bomb(xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, 'A', 300, `</t></is></c></row>`+xSheetTail)
			return zipPart{raw: raw, header: h}, nil
		}, "zip bomb"},
		{"900 MB shared string", func() (zipPart, []zipPart) {
			raw, h := bomb(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`, 'A', 900, `</t></si></sst>`)
			return textPart("", xSheetHead+`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+xSheetTail),
				[]zipPart{{name: "xl/sharedStrings.xml", raw: raw, header: h}}
		}, "zip bomb"},
		{"900 MB image", func() (zipPart, []zipPart) {
			raw, h := bomb("", 0, 900, "")
			return textPart("", xSheetHead+xSheetTail), []zipPart{{name: "xl/media/image1.png", raw: raw, header: h}}
		}, "zip bomb"},
		{"over 1 GiB in all", func() (zipPart, []zipPart) {
			// Two sheets of 520 MiB declared, 6 MiB packed each: 87:1 passes
			// the ratio check, the total does not.
			h := &zip.FileHeader{Method: zip.Deflate, CompressedSize64: 6 * mib, UncompressedSize64: 520 * mib}
			return textPart("", xSheetHead+xSheetTail), []zipPart{
				{name: "xl/worksheets/sheet2.xml", raw: junk(6 * mib), header: h}, {name: "xl/worksheets/sheet3.xml", raw: junk(6 * mib), header: h}}
		}, "more than 1024 MiB"},
		{"workbook part of 20 MiB", func() (zipPart, []zipPart) {
			// The workbook part is decoded whole; real ones are a few KB.
			// Random letters pack about 1.6:1, under the ratio check.
			var pad strings.Builder
			rng := rand.New(rand.NewPCG(5, 6))
			for pad.Len() < 20*mib {
				pad.WriteByte(byte('a' + rng.IntN(26)))
			}
			return textPart("", xSheetHead+xSheetTail), []zipPart{textPart("xl/workbook.xml", strings.Replace(xWorkbook, "<sheets>", "<!--"+pad.String()+"--><sheets>", 1))}
		}, "unpacks to 20 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".xlsx")
			sheet, extra := c.parts()
			buildWorkbook(t, path, sheet, extra...)
			var err error
			start := time.Now()
			n := allocated(func() {
				var tb Table
				if tb, err = Open(path, ReadOptions{TmpDir: dir}); err == nil {
					readAll(t, tb)
					tb.Close()
				}
			})
			wantErr(t, err, path, c.want)
			if n > 16*mib || time.Since(start) > 5*time.Second {
				t.Fatalf("refusing took %v and %d MiB of allocations", time.Since(start), n/mib)
			}
		})
	}
}

// TestHostileXLSXSizeLies: a part whose header says 1 KiB but that unpacks
// to 64 MiB. archive/zip stops reading past the declared size; excelize
// would ignore that error and read a truncated part.
func TestHostileXLSXSizeLies(t *testing.T) {
	raw, h := bomb(xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, 'A', 64, `</t></is></c></row>`+xSheetTail)
	h.UncompressedSize64 = 1 << 10
	path := filepath.Join(t.TempDir(), "lies.xlsx")
	buildWorkbook(t, path, zipPart{raw: raw, header: h})
	var err error
	n := allocated(func() { _, err = Open(path, ReadOptions{}) })
	wantErr(t, err, "lies.xlsx", "damaged", "sheet1.xml")
	if n > 16*mib {
		t.Fatalf("%d MiB allocated", n/mib)
	}
}

// TestHostileXLSXHugeCell: a text cell of 10 MB (real text, which packs
// only a few times) is read, and the row is rejected with a short message;
// one of 20 MB, above maxElement, refuses the workbook with the row named.
// Both in the sheet (inline string) and in the shared strings, where Excel
// keeps text.
func TestHostileXLSXHugeCell(t *testing.T) {
	dir := t.TempDir()
	// Random lowercase letters, a 64 KiB block repeated (stored unpacked,
	// so the repetition changes nothing; generating 30 MB rune by rune is
	// slow under -race).
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("абвгдежзийклмнопрстуфхцчшщыэюя")
	var block strings.Builder
	for block.Len() < 64<<10 {
		block.WriteRune(letters[rng.IntN(len(letters))])
	}
	text := func(n int) string {
		return strings.Repeat(block.String(), n/block.Len()+1)[:n]
	}
	build := func(name string, size int, shared bool) string {
		path := filepath.Join(dir, name)
		big := text(size)
		if !shared {
			buildWorkbook(t, path, zipPart{store: true, body: sheetPart(func(w io.Writer) error {
				inlineRow(w, 1, hostileHeader...)
				inlineRow(w, 2, append([]string{big}, hostileRow[1:]...)...)
				inlineRow(w, 3, hostileRow...)
				return nil
			}).body})
			return path
		}
		sst := zipPart{name: "xl/sharedStrings.xml", store: true, body: func(w io.Writer) error {
			io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`)
			io.WriteString(w, big)
			_, err := io.WriteString(w, `</t></si></sst>`)
			return err
		}}
		buildWorkbook(t, path, zipPart{store: true, body: sheetPart(func(w io.Writer) error {
			inlineRow(w, 1, hostileHeader...)
			io.WriteString(w, `<row r="2"><c r="A2" t="s"><v>0</v></c>`)
			for i, v := range hostileRow[1:] {
				fmt.Fprintf(w, `<c r="%c2" t="inlineStr"><is><t>%s</t></is></c>`, 'B'+i, v)
			}
			io.WriteString(w, `</row>`)
			inlineRow(w, 3, hostileRow...)
			return nil
		}).body}, sst)
		return path
	}
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			wantTenMBCell(t, build(fmt.Sprintf("cell10-%v.xlsx", shared), 10_000_000, shared))

			path := build(fmt.Sprintf("cell20-%v.xlsx", shared), 20_000_000, shared)
			var err error
			n := allocated(func() { _, err = Open(path, ReadOptions{TmpDir: dir}) })
			want := "row element №2"
			if shared {
				want = "si №1"
			}
			wantErr(t, err, filepath.Base(path), want, "longer than 16 MiB")
			if n > 16*mib {
				t.Fatalf("%d MiB allocated to refuse a 20 MB cell", n/mib)
			}
		})
	}
}

// TestHostileXLSXSixteenThousandColumns: a header row filled to column XFD
// (16,384 columns, Excel's last) maps the column at XFD; a cell beyond it
// is an error naming the sheet and row.
func TestHostileXLSXSixteenThousandColumns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wide.xlsx")
	header := make([]string, 16384)
	for i := range header {
		header[i] = fmt.Sprintf("Кол%d", i+1)
	}
	copy(header, hostileHeader[:5])
	header[16383] = "Телефон"
	data := make([]string, 16384)
	copy(data, hostileRow[:5])
	data[16383] = hostileRow[5]
	buildWorkbook(t, path, sheetPart(func(w io.Writer) error {
		inlineRow(w, 1, header...)
		inlineRow(w, 2, data...)
		return nil
	}))
	recs, err := dataRows(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(recs[0].cells) != 16384 || recs[0].cells[16383] != hostileRow[5] {
		t.Fatalf("rows %d, the cell at XFD %q", len(recs), recs[0].cells[len(recs[0].cells)-1])
	}

	beyond := filepath.Join(dir, "beyond.xlsx")
	buildWorkbook(t, beyond, textPart("", xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>Фамилия</t></is></c></row>`+
		`<row r="2"><c r="XFE2" t="inlineStr"><is><t>за краем</t></is></c></row>`+xSheetTail))
	tb, err := Open(beyond, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if _, _, err := tb.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err = tb.Next()
	wantErr(t, err, "beyond.xlsx", `sheet "Пациенты"`, "row 2")
}

// TestHostileXLSXMillionEmptyStyledRows: formatting applied to a million
// rows below the data. Decision: the reader does NOT stop after a long run
// of blank rows — it cannot know that no data row follows without reading
// on, and a dropped row is worse than a slow file. Reading a blank row
// costs a few microseconds and no memory, so a million of them take
// seconds. The data row after the run must come through. Under -race
// (ten times slower) the run is 100,000 rows.
func TestHostileXLSXMillionEmptyStyledRows(t *testing.T) {
	blank := 1_000_000
	perRow := 20 * time.Microsecond
	if raceEnabled() {
		blank, perRow = 100_000, 200*time.Microsecond
	}
	path := filepath.Join(t.TempDir(), "styled.xlsx")
	last := blank + 3
	buildWorkbook(t, path, zipPart{store: true, body: sheetPart(func(w io.Writer) error {
		inlineRow(w, 1, hostileHeader...)
		inlineRow(w, 2, hostileRow...)
		for r := 3; r < last; r++ {
			fmt.Fprintf(w, `<row r="%d" spans="1:6" s="1" customFormat="1" ht="15"/>`, r)
		}
		inlineRow(w, last, hostileRow...)
		return nil
	}).body})
	var recs []row
	var err error
	start := time.Now()
	n := allocated(func() {
		recs, err = dataRows(t, path)
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if got := rowLines(recs); len(got) != 2 || got[0] != 2 || got[1] != last {
		t.Fatalf("data rows %v, want [2 %d]: the row after the blank run was lost", got, last)
	}
	t.Logf("%d blank styled rows: %v (%v a row), %d MiB allocated in all", blank, took, took/time.Duration(blank), n/mib)
	if took > time.Duration(blank)*perRow {
		t.Fatalf("%v for %d blank rows", took, blank)
	}
}

// ---- CSV: encodings, garbage, empty, header ----

func TestHostileCSVKOI8R(t *testing.T) {
	tb, err := Open(hostile("koi8r.csv"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tb.Close()
	if enc, _, _ := CSVFormat(tb); enc != "koi8-r" {
		t.Fatalf("encoding %s", enc)
	}
	recs, err := dataRows(t, hostile("koi8r.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[2].cells[1] != "Пётр" {
		t.Fatalf("%d rows, %q", len(recs), recs[len(recs)-1].cells)
	}
	// Windows-1251 stays Windows-1251, in capitals (as registries write
	// names) and in short files too.
	for _, s := range []string{
		"ФАМИЛИЯ;ИМЯ;ОТЧЕСТВО\r\nИВАНОВ;ИВАН;ИВАНОВИЧ\r\nПЕТРОВА;АННА;СЕРГЕЕВНА\r\n",
		"Фамилия;Имя;Отчество\r\nИванов;Иван;Иванович\r\n",
		"Ёж;Юлия\r\n",
	} {
		b, _ := charmap.Windows1251.NewEncoder().String(s)
		if enc := detectEncoding([]byte(b)); enc != "windows-1251" {
			t.Errorf("%q taken for %s", s, enc)
		}
	}
}

func TestHostileCSVUTF16(t *testing.T) {
	// "Unicode text" from Excel is UTF-16 with a BOM and tabs.
	for _, name := range []string{"utf16le-bom.txt", "utf16be-bom.csv"} {
		t.Run(name, func(t *testing.T) {
			recs, err := dataRows(t, hostile(name))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 3 || recs[0].line != 2 || recs[0].cells[0] != "Иванов" {
				t.Fatalf("%v %q", rowLines(recs), recs[0].cells)
			}
		})
	}
	// Without a BOM the byte order is a guess: refused, saying what it is.
	_, err := Open(hostile("utf16le-nobom.csv"), ReadOptions{})
	wantErr(t, err, "utf16le-nobom.csv", "UTF-16", "without a byte order mark")
}

func TestHostileCSVBinaryGarbage(t *testing.T) {
	_, err := Open("testdata/binary.csv", ReadOptions{})
	wantErr(t, err, "binary.csv", "not a text file")

	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	garbage := make([]byte, 256<<10)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	path := filepath.Join(dir, "garbage.csv")
	os.WriteFile(path, garbage, 0o600)
	_, err = Open(path, ReadOptions{})
	wantErr(t, err, "garbage.csv", "not a text file")

	// Garbage without zero bytes reads as Windows-1251 text (the mapping
	// then finds no header in it).
	for i, b := range garbage {
		if b == 0 {
			garbage[i] = 0xAA
		}
	}
	os.WriteFile(path, garbage, 0o600)
	tb, err := Open(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if enc, _, _ := CSVFormat(tb); enc != "windows-1251" {
		t.Fatalf("garbage read as %s", enc)
	}
}

// TestHostileLineEnds: LF, CRLF and the bare CR of old Mac files read the
// same rows with the same numbers. Read by encoding/csv alone, a CR-only
// file is one row: the header with the data glued into its cells.
func TestHostileLineEnds(t *testing.T) {
	var want []int
	for _, name := range []string{"lf.csv", "crlf.csv", "cr-only.csv"} {
		recs, err := dataRows(t, hostile(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want == nil {
			want = rowLines(recs)
		}
		if got := rowLines(recs); fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 3 || recs[2].cells[5] != "89123456781" {
			t.Fatalf("%s: rows %v, want %v; last %q", name, got, want, recs[len(recs)-1].cells)
		}
	}
}

// TestHostileUnclosedQuote: encoding/csv with LazyQuotes reads on past a
// quote that is never closed (or not doubled), and the following rows
// vanish into one cell. Every data row must be read, or an error must name
// the row where it went wrong.
func TestHostileUnclosedQuote(t *testing.T) {
	cases := []struct {
		name  string
		lines []int // data rows read before the error
		want  []string
	}{
		// encoding/csv alone returns row 5 with "Павел;Павлович;…\n" in one cell.
		{"unclosed-end.csv", []int{2, 3, 4}, []string{"row 5", `column "№2"`, "runs on to the end of the file"}},
		// encoding/csv alone swallows rows 4 and 5 into row 3 without a word.
		{"unclosed-mid.csv", []int{2}, []string{"row 3", `column "№2"`, "lines 3–5 of the file ran together"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := dataRows(t, hostile(c.name))
			wantErr(t, err, append([]string{c.name}, c.want...)...)
			if fmt.Sprint(rowLines(recs)) != fmt.Sprint(c.lines) {
				t.Fatalf("rows before the error %v, want %v", rowLines(recs), c.lines)
			}
		})
	}
	// The range starts at the row, even when a cell before the broken one
	// rightly spans lines.
	tb, err := newCSVTable("f.csv", strings.NewReader("a;b;c\n1;\"x\ny\";\"z\n2;3;4\n5;6;7\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	readAllUntilErr := func() error {
		for {
			if _, _, err := tb.Next(); err != nil {
				return err
			}
		}
	}
	wantErr(t, readAllUntilErr(), "f.csv, row 2", `column "№3"`, "lines 2–5 of the file ran together")

	// Quoted cells with line breaks, doubled quotes, the delimiter inside
	// quotes and bare quotes in an unquoted cell are fine.
	recs, err := dataRows(t, hostile("multiline-ok.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rowLines(recs); fmt.Sprint(got) != "[2 3 4]" {
		t.Fatalf("rows %v", got)
	}
	if recs[0].cells[6] != "г. Москва,\nул. Ленина; д. 1" || recs[0].cells[7] != `ООО "Ромашка"` || recs[1].cells[7] != `ООО "Ромашка"` || recs[2].cells[7] != `"Лютик" ` {
		t.Fatalf("%q %q %q", recs[0].cells[6:], recs[1].cells[7], recs[2].cells[7])
	}
}

// TestHostileCSVHugeRow: a 10 MB cell is read; a row above maxRecordBytes, and an unclosed
// quote at the top of a big file, are errors naming the row, read within
// bounded memory.
func TestHostileCSVHugeRow(t *testing.T) {
	dir := t.TempDir()
	head := strings.Join(hostileHeader, ";") + "\n"
	rest := strings.Join(hostileRow[1:], ";")
	write := func(name string, parts ...string) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			io.WriteString(f, p)
		}
		f.Close()
		return path
	}
	wantTenMBCell(t, write("cell10.csv", head, strings.Repeat("Ж", 5_000_000), ";", rest, "\n", strings.Join(hostileRow, ";"), "\n"))

	rows := strings.Repeat(strings.Join(hostileRow, ";")+"\n", 20*mib/len(strings.Join(hostileRow, ";")))
	for _, c := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"cell20.csv", []string{head, strings.Join(hostileRow, ";"), "\n", strings.Repeat("Ж", 10_000_000), ";", rest, "\n"}, "row 3"},
		{"quote-at-top.csv", []string{head, `Иванов;"Иван;`, rest, "\n", rows}, "row 2"},
	} {
		path := write(c.name, c.parts...)
		var recs []row
		var err error
		n := allocated(func() {
			recs, err = dataRows(t, path)
		})
		wantErr(t, err, c.name, c.want, "longer than 16 MiB")
		// Allocations in all, not live heap: encoding/csv's line buffer,
		// its record buffer and the raw copy each double up to the 16 MiB
		// limit before the row is refused.
		t.Logf("%s: %d MiB allocated", c.name, n/mib)
		if n > 16*maxRecordBytes {
			t.Fatalf("%s: %d MiB allocated", c.name, n/mib)
		}
		if c.name == "cell20.csv" && fmt.Sprint(rowLines(recs)) != "[2]" {
			t.Fatalf("rows before the error %v", rowLines(recs))
		}
	}
}

// ---- fuzzing ----

// FuzzXLSXReader mutates a small valid workbook, writes it to a file and
// reads it through Open: no panic, and every error names the file.
func FuzzXLSXReader(f *testing.F) {
	wb := excelize.NewFile()
	wb.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя", "Дата рождения"})
	wb.SetSheetRow("Sheet1", "A2", &[]any{"Иванов", "Иван", 32905})
	wb.SetSheetRow("Sheet1", "A4", &[]any{"Петрова", nil, "01.02.1985"})
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	var small bytes.Buffer
	zw := zip.NewWriter(&small)
	for _, p := range []zipPart{textPart("[Content_Types].xml", xContentTypes), textPart("_rels/.rels", xRels),
		textPart("xl/workbook.xml", xWorkbook), textPart("xl/_rels/workbook.xml.rels", xWorkbookRels),
		textPart("xl/worksheets/sheet1.xml", xSheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>Фамилия</t></is></c><c r="B1" t="s"><v>0</v></c></row>`+xSheetTail),
		textPart("xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Имя</t></si></sst>`)} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store}) // unpacked: the mutations reach the XML
		p.body(w)
	}
	zw.Close()
	f.Add(small.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tb, err := Open(path, ReadOptions{TmpDir: filepath.Dir(path)})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		defer tb.Close()
		for i := 0; i < 10000; i++ {
			_, _, err := tb.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("error without the file name: %v", err)
				}
				return
			}
		}
	})
}

// wantTenMBCell reads the two rows of a big-cell case, the first with a
// cell of 10,000,000 bytes, and fails unless they come whole within
// 200 MiB of allocations.
func wantTenMBCell(t *testing.T, path string) {
	t.Helper()
	var recs []row
	var err error
	n := allocated(func() { recs, err = dataRows(t, path) })
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || len(recs[0].cells[0]) != 10_000_000 || recs[0].cells[1] != hostileRow[1] || recs[1].cells[0] != hostileRow[0] {
		t.Fatalf("%s: rows %v", filepath.Base(path), rowLines(recs))
	}
	t.Logf("%s, a 10 MB cell: %d MiB allocated", filepath.Base(path), n/mib)
	if n > 200*mib {
		t.Fatalf("%s: %d MiB allocated for a 10 MB cell", filepath.Base(path), n/mib)
	}
}
