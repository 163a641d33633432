package reader

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// The workbook's structure, read the way excelize reads it: the workbook
// part named by the package relationships, its sheets in order with their
// visibility, each sheet's part through the workbook relationships, the
// 1904 date system flag, and the shared strings. Part names are compared
// without regard to letter case, as the package format (OPC) says; a
// relationship's target may sit anywhere in the archive.

const (
	relOfficeDocument       = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
	relOfficeDocumentStrict = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
)

type bookSheet struct {
	name, state, rid string
}

// bookRel is a workbook relationship: what kind of part it names and the
// part's name, resolved against the workbook part.
type bookRel struct {
	kind string // the last segment of the relationship type: "worksheet", "styles", "sharedStrings", …
	part string
}

type xlsxBook struct {
	zr       *zip.ReadCloser
	parts    map[string]*zip.File // by folded name (partKey)
	wbPath   string
	sheets   []bookSheet
	rels     map[string]bookRel // workbook relationship id → the part it names
	sstPart  *zip.File          // the shared strings, where the relationships put them
	date1904 bool
	styles   cellStyles // which cell styles show a number as a date
	app      string     // the program that saved the file (docProps/app.xml)
}

// partKey folds a part name for lookup: "\" made "/", no leading "/",
// lower case (OPC part names are equal regardless of case).
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, "\\", "/"), "/"))
}

func openBook(file string) (*xlsxBook, error) {
	zr, err := openZip(file)
	if err != nil {
		return nil, fmt.Errorf("cannot open the workbook (is it a real .xlsx?): %w", err)
	}
	b := &xlsxBook{zr: zr, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		k := partKey(f.Name)
		if other, dup := b.parts[k]; dup && !f.FileInfo().IsDir() {
			zr.Close()
			return nil, fmt.Errorf("the workbook is damaged: it holds two parts named %q and %q, which a workbook may not (part names ignore letter case); open it in Excel and save it again", other.Name, f.Name)
		}
		b.parts[k] = f
	}
	if err := b.readStructure(); err != nil {
		zr.Close()
		return nil, err
	}
	return b, nil
}

func (b *xlsxBook) Close() error { return b.zr.Close() }

// part returns a part by name, whatever the case of its letters; the
// shared strings are where the workbook's relationships put them.
func (b *xlsxBook) part(name string) *zip.File {
	if name == sharedStringsPart && b.sstPart != nil {
		return b.sstPart
	}
	return b.parts[partKey(name)]
}

type xmlRels struct {
	Rels []struct {
		ID         string `xml:"Id,attr"`
		Type       string `xml:"Type,attr"`
		Target     string `xml:"Target,attr"`
		TargetMode string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr *struct {
		Date1904 bool `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

// decodePart decodes a small XML part; a missing part decodes as empty.
func (b *xlsxBook) decodePart(name string, v any) error {
	f := b.part(name)
	if f == nil {
		return nil
	}
	if err := checkStructSize(f); err != nil {
		return err // a workbook part under another name than checkArchive knows
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("part %q: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(bufio.NewReader(rc)).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("the workbook is damaged: part %q: %w", name, err)
	}
	return nil
}

// relKind is the last segment of a relationship type, the same in the
// transitional and the strict namespace.
func relKind(typ string) string {
	return typ[strings.LastIndexByte(typ, '/')+1:]
}

// resolveTarget returns the part a relationship names: a target relative
// to the source part's folder, or absolute from the package root. A target
// may be percent-encoded (it is a URI); the plain form is tried first.
func (b *xlsxBook) resolveTarget(source, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	p := path.Clean(path.Dir(source) + "/" + target)
	if strings.HasPrefix(target, "/") {
		p = path.Clean(target)
	}
	p = strings.TrimPrefix(p, "/")
	if b.parts[partKey(p)] == nil {
		if u, err := url.PathUnescape(p); err == nil && b.parts[partKey(u)] != nil {
			return u
		}
	}
	return p
}

func (b *xlsxBook) readStructure() error {
	var root xmlRels
	if err := b.decodePart("_rels/.rels", &root); err != nil {
		return err
	}
	b.wbPath = "xl/workbook.xml"
	appPath := "docProps/app.xml"
	found := false
	for _, r := range root.Rels {
		switch {
		case r.Type == relOfficeDocument || r.Type == relOfficeDocumentStrict:
			if !found {
				b.wbPath, found = b.resolveTarget("/", r.Target), true
			}
		case relKind(r.Type) == "extended-properties":
			appPath = b.resolveTarget("/", r.Target)
		}
	}
	var wb xmlWorkbook
	if err := b.decodePart(b.wbPath, &wb); err != nil {
		return err
	}
	if wb.Pr != nil {
		b.date1904 = wb.Pr.Date1904
	}
	for _, s := range wb.Sheets {
		var sh bookSheet
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name" && a.Name.Space == "":
				sh.name = a.Value
			case a.Name.Local == "state" && a.Name.Space == "":
				sh.state = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				sh.rid = a.Value
			}
		}
		b.sheets = append(b.sheets, sh)
	}
	dir, base := path.Split(b.wbPath)
	var rels xmlRels
	if err := b.decodePart(dir+"_rels/"+base+".rels", &rels); err != nil {
		return err
	}
	b.rels = make(map[string]bookRel, len(rels.Rels))
	stylesPath := "xl/styles.xml"
	for _, r := range rels.Rels {
		if r.TargetMode == "External" {
			continue
		}
		rel := bookRel{kind: relKind(r.Type), part: b.resolveTarget(b.wbPath, r.Target)}
		if _, dup := b.rels[r.ID]; !dup {
			b.rels[r.ID] = rel
		}
		switch rel.kind {
		case "sharedStrings":
			if b.sstPart == nil {
				b.sstPart = b.parts[partKey(rel.part)]
			}
		case "styles":
			stylesPath = rel.part
		}
	}
	if err := b.readStyles(stylesPath); err != nil {
		return err
	}
	return b.readApp(appPath)
}

// pickSheet returns the named sheet, or the first visible one.
func (b *xlsxBook) pickSheet(want string) (string, error) {
	var list []string
	for _, s := range b.sheets {
		list = append(list, s.name)
	}
	if want != "" {
		for _, s := range list {
			if s == want {
				return s, nil
			}
		}
		return "", fmt.Errorf("no sheet %q; the workbook has %q", want, list)
	}
	for _, s := range b.sheets {
		if s.state == "" || s.state == "visible" {
			return s.name, nil
		}
	}
	if len(list) > 0 {
		return list[0], nil
	}
	return "", errors.New("the workbook has no sheets")
}

// sheetPart returns the part that holds a sheet, found through the
// workbook's relationships wherever it lives in the archive.
func (b *xlsxBook) sheetPart(name string) (*zip.File, error) {
	for _, s := range b.sheets {
		if s.name != name {
			continue
		}
		rel, ok := b.rels[s.rid]
		if !ok {
			continue
		}
		if f := b.part(rel.part); f != nil {
			return f, nil
		}
	}
	return nil, fmt.Errorf("the workbook names sheet %q but does not hold its data", name)
}

// sheetParts returns the worksheet parts the workbook names and holds, by
// folded name.
func (b *xlsxBook) sheetParts() map[string]bool {
	out := map[string]bool{}
	for _, rel := range b.rels {
		if rel.kind == "worksheet" && b.part(rel.part) != nil {
			out[partKey(rel.part)] = true
		}
	}
	return out
}

const sharedStringsPart = "xl/sharedStrings.xml"

// readSharedStrings loads the shared strings table: the <si> children of
// its root <sst>, each as excelize's xlsxSI.String gives it. Only the text
// is read: where excelize refuses the whole table (and so every row) over
// a formatting attribute it cannot parse (<sz val="x"/>) or a root outside
// the SpreadsheetML namespace, the text is read all the same.
func (b *xlsxBook) readSharedStrings(tmpDir string) (*sharedStrings, error) {
	t := newSharedStrings(tmpDir)
	f := b.part(sharedStringsPart)
	if f == nil {
		return t, nil
	}
	fail := func(err error) (*sharedStrings, error) {
		t.Close()
		return nil, fmt.Errorf("the workbook is damaged: part %q: %w; open it in Excel and save it again", f.Name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var si siText
	var out []byte
	for {
		k, err := sc.next()
		if err != nil {
			return fail(err)
		}
		if k == xmlEOF {
			return t, nil // an empty part: no strings
		}
		if k == xmlStart {
			if string(sc.local) != "sst" {
				return fail(fmt.Errorf("the root element is <%s>, not <sst>", sc.local))
			}
			break
		}
	}
	err = eachChild(sc, func() error {
		if string(sc.local) != "si" {
			return skipElement(sc)
		}
		si.reset()
		if err := si.read(sc); err != nil {
			return err
		}
		out = si.appendTo(out[:0])
		return t.add(out)
	})
	if err == nil {
		err = t.finish()
	}
	if err != nil {
		return fail(err)
	}
	return t, nil
}

// siText gathers a string item (<si>, or a cell's <is>) as excelize's
// xlsxSI holds it: the text of its last direct <t>, then the text of each
// rich text run <r> (a run's last <t>); phonetic runs and all else are
// left out.
type siText struct {
	t, runs, run []byte
	hasRun       bool
}

func (s *siText) reset() { s.t, s.runs = s.t[:0], s.runs[:0] }

// read consumes the element the scanner stands on (its start just read).
func (s *siText) read(sc *xmlScanner) error {
	return eachChild(sc, func() (err error) {
		switch string(sc.local) {
		case "t":
			s.t, err = directText(sc, s.t[:0])
		case "r":
			err = s.readRun(sc)
		default:
			err = skipElement(sc)
		}
		return err
	})
}

func (s *siText) readRun(sc *xmlScanner) error {
	s.run, s.hasRun = s.run[:0], false
	err := eachChild(sc, func() (err error) {
		if string(sc.local) != "t" {
			return skipElement(sc)
		}
		s.run, err = directText(sc, s.run[:0])
		s.hasRun = true
		return err
	})
	if err == nil && s.hasRun {
		s.runs = append(s.runs, s.run...)
	}
	return err
}

// appendTo appends the item's string, its _xHHHH_ escapes decoded.
func (s *siText) appendTo(dst []byte) []byte {
	n := len(dst)
	dst = append(append(dst, s.t...), s.runs...)
	return appendBstrUnmarshal(dst[:n], dst[n:])
}

// directText appends to dst the character data directly inside the
// element whose start was just read, consuming the element; text inside
// its children is left out, as encoding/xml's ",chardata" leaves it.
func directText(sc *xmlScanner, dst []byte) ([]byte, error) {
	top := sc.depth()
	for {
		k, err := sc.next()
		if err != nil {
			return dst, err
		}
		switch {
		case k == xmlEnd && sc.depth() < top:
			return dst, nil
		case k == xmlText && sc.depth() == top:
			dst = append(dst, sc.text...)
		}
	}
}

// eachChild consumes the element whose start was just read, calling child
// at the start of each of its child elements; child must consume that
// child (skipElement, directText, …).
func eachChild(sc *xmlScanner, child func() error) error {
	top := sc.depth()
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		switch {
		case k == xmlEnd && sc.depth() < top:
			return nil
		case k == xmlStart:
			if err := child(); err != nil {
				return err
			}
		}
	}
}

// skipElement consumes the element whose start was just read.
func skipElement(sc *xmlScanner) error {
	top := sc.depth()
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		if k == xmlEnd && sc.depth() < top {
			return nil
		}
	}
}

// appendBstrUnmarshal appends s to dst (s may be dst's own tail) with the
// _xHHHH_ escapes of ECMA-376 decoded as excelize's bstrUnmarshal decodes
// them: _x005F_ is "_", any other gives its UTF-16 code unit (nothing for
// a lone surrogate), left to right without overlap.
func appendBstrUnmarshal(dst, s []byte) []byte {
	n := len(dst)
	dst = append(dst, s...)
	if !bytesContainsX(dst[n:]) {
		return dst
	}
	// An escape (7 bytes) decodes to at most 3, so the write position
	// never passes the read position.
	w, r := n, n
	for r < len(dst) {
		if r+7 <= len(dst) && dst[r] == '_' && dst[r+1] == 'x' && isHex4(dst[r+2:r+6]) && dst[r+6] == '_' {
			v := hexVal(dst[r+2 : r+6])
			switch {
			case v == 0x5F:
				dst[w] = '_'
				w++
			case v < 0xD800 || v > 0xDFFF:
				w += utf8.EncodeRune(dst[w:], rune(v))
			}
			r += 7
			continue
		}
		dst[w] = dst[r]
		w++
		r++
	}
	return dst[:w]
}

func bytesContainsX(s []byte) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '_' && s[i+1] == 'x' {
			return true
		}
	}
	return false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hexVal(b []byte) int {
	v := 0
	for _, c := range b {
		switch {
		case c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a':
			v = v<<4 | int(c-'a'+10)
		default:
			v = v<<4 | int(c-'A'+10)
		}
	}
	return v
}
