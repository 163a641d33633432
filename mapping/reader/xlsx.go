package reader

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a hostile or broken workbook from exhausting memory:
// the whole unpacked archive may not exceed unzipLimit, and the parts that
// are decoded whole (the workbook and its relationships) may not exceed
// structLimit. checkArchive checks what neither the zip reader nor the XML
// scanner would (see there).
const (
	unzipLimit  = 1 << 30
	structLimit = 16 << 20
	// A part that unpacks above ratioFloor at more than maxInflate times
	// its packed size is a zip bomb: sheet XML with data packs about 10
	// times, a million formatted empty rows 30 (as Excel writes them) to 45
	// (LibreOffice), empty formatted cells without addresses up to about
	// 100; a run of one repeated byte packs a thousand times.
	maxInflate = 200
	ratioFloor = 1 << 20
	// maxElement bounds one row of a sheet (one string of the shared
	// strings) and whatever stands between two of them: the XML scanner
	// holds a tag or a text run whole in memory. Excel writes at most
	// 32,767 characters in a cell; 16 MiB still reads a 10 MB cell.
	maxElement = 16 << 20
)

// xlsxTable streams one sheet of a workbook; the sheet is never loaded
// whole. Its rows and cells are what excelize's row iterator gives with
// RawCellValue (TestXLSXReaderMatchesExcelize holds it to that), read by
// the package's own XML scanner rather than encoding/xml's reflection,
// which costs excelize several times the time and memory on a big sheet
// (BENCHMARKS.md). It refuses what excelize would read wrong: XML it
// would stop at without a word, row numbers that go back (excelize
// numbers such rows wrongly) and cells out of column order (excelize puts
// them in the wrong column).
type xlsxTable struct {
	path  string
	book  *xlsxBook
	sst   *sharedStrings
	part  io.ReadCloser
	sc    *xmlScanner
	sheet string
	line  int  // the row last returned
	next  int  // the number of the row whose start was read, when pending
	held  bool // a <row> start has been read and its cells not yet
	// badNext is what was wrong with the <row> start met at the end of
	// the row returned last; the next call reports it.
	badNext  error
	date1904 bool
	rawDates bool // keep date cells as their serial numbers (ReadOptions.rawDates)

	// The row being read: its text end to end, each filled cell's column
	// and where its text ends.
	text  []byte
	cells []cellEnd
	kinds []Kind // what each cell of the row held; see CellKinds
	v     []byte // a cell's <v> text
	si    siText // a cell's <is>
	cname []byte // a cell's qualified element name
}

type cellEnd struct {
	col, end int
	kind     Kind
}

// Limits of a sheet, as excelize has them.
const (
	maxSheetRows = 1_048_576
	maxSheetCols = 16_384
)

func openXLSX(path string, o ReadOptions) (*xlsxTable, error) {
	if err := checkArchive(path); err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	b, err := openBook(path)
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	if err := b.checkParts(); err != nil {
		b.Close()
		return nil, &ReadError{File: path, Err: err}
	}
	t := &xlsxTable{path: path, book: b, date1904: b.date1904, rawDates: o.rawDates}
	fail := func(err error) (*xlsxTable, error) {
		t.Close()
		return nil, &ReadError{File: path, Sheet: t.sheet, Err: err}
	}
	if t.sheet, err = b.pickSheet(o.Sheet); err != nil {
		return fail(err)
	}
	f, err := b.sheetPart(t.sheet)
	if err != nil {
		return fail(err)
	}
	if t.sst, err = b.readSharedStrings(o.TmpDir); err != nil {
		return fail(err)
	}
	if t.part, err = f.Open(); err != nil {
		return fail(fmt.Errorf("the workbook is damaged: part %q: %w", f.Name, err))
	}
	t.sc = newXMLScanner(t.part)
	return t, nil
}

func (t *xlsxTable) Next() (int, []string, error) {
	if t.sc == nil {
		return 0, nil, io.EOF
	}
	line := t.line + 1
	if t.badNext != nil {
		return line, nil, t.fail(line, t.badNext)
	}
	if !t.held {
		ok, err := t.seekRow(line)
		if err != nil {
			return line, nil, t.fail(line, err)
		}
		if !ok {
			t.finish()
			return 0, nil, io.EOF
		}
	}
	t.line = line
	if t.next > line {
		t.kinds = t.kinds[:0]
		return line, nil, nil // a row the sheet leaves out
	}
	t.held = false
	cells, err := t.readCells(line)
	if err != nil {
		return line, nil, t.fail(line, err)
	}
	return line, cells, nil
}

func (t *xlsxTable) fail(line int, err error) error {
	t.finish()
	return &ReadError{File: t.path, Sheet: t.sheet, Line: line, Err: err}
}

// finish stops reading: after the end of the sheet or an error, Next
// returns io.EOF.
func (t *xlsxTable) finish() { t.sc = nil }

// seekRow reads up to the next <row> start and takes its number; it
// reports false at the end of the sheet data (as excelize's Rows.Next).
func (t *xlsxTable) seekRow(line int) (bool, error) {
	for {
		k, err := t.sc.next()
		if err != nil {
			return false, t.xmlError(err)
		}
		switch {
		case k == xmlEOF:
			return false, nil
		case k == xmlStart && string(t.sc.local) == "row":
			return true, t.holdRow(line)
		case k == xmlEnd && string(t.sc.local) == "sheetData":
			return false, nil
		}
	}
}

// holdRow takes the number of the <row> whose start was just read: its r
// attribute, or the next number without one (r="0" counts as none).
func (t *xlsxTable) holdRow(line int) error {
	n := 0
	for _, a := range t.sc.attrs {
		if string(a.local) != "r" {
			continue
		}
		v, err := strconv.Atoi(string(a.value))
		if err != nil {
			return fmt.Errorf("the row number %q is not a number", a.value)
		}
		n = v
	}
	if n > maxSheetRows {
		return fmt.Errorf("row number %d is beyond the last row a sheet can have (%d)", n, maxSheetRows)
	}
	if n == 0 {
		n = t.line + 1
	}
	if n < line {
		return fmt.Errorf("the sheet's rows are out of order: row %d comes after row %d; open the file in Excel and save it again", n, line-1)
	}
	t.next, t.held = n, true
	return nil
}

// readCells reads the cells of the row whose start was read, up to the
// next <row> start or the end of the sheet data, as excelize's
// Rows.Columns does: a cell goes to the column its reference names, or
// the one after the previous cell; a cell is kept when its value is not
// empty or it holds a formula.
func (t *xlsxTable) readCells(line int) ([]string, error) {
	t.text, t.cells = t.text[:0], t.cells[:0]
	col := 0 // the previous cell's column
	for {
		k, err := t.sc.next()
		if err != nil {
			return nil, t.xmlError(err)
		}
		if k == xmlEOF {
			break
		}
		if k == xmlEnd && string(t.sc.local) == "sheetData" {
			break
		}
		if k != xmlStart {
			continue
		}
		if string(t.sc.local) == "row" {
			t.badNext = t.holdRow(line + 1)
			break
		}
		if string(t.sc.local) == "c" {
			if col, err = t.readCell(col); err != nil {
				return nil, err
			}
		}
	}
	return t.rowCells(), nil
}

// readCell reads a <c> whose start was just read and returns its column.
func (t *xlsxTable) readCell(prev int) (int, error) {
	var ref, typ []byte
	style := 0
	for _, a := range t.sc.attrs {
		switch string(a.local) {
		case "r":
			ref = a.value
		case "s":
			s, err := strconv.ParseInt(string(a.value), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("a cell's style %q is not a number", a.value)
			}
			style = int(min(max(s, -1), 1<<30))
		case "t":
			typ = a.value
		}
	}
	col := prev + 1
	if ref != nil {
		c, err := cellColumn(ref)
		if err != nil {
			return 0, err
		}
		col = c
	}
	if col <= prev {
		return 0, fmt.Errorf("the row's cells are out of order: %s comes after column %s; open the file in Excel and save it again", ref, columnName(prev))
	}
	// The attributes point into the scanner's buffer, which the next
	// token may move: keep what is needed.
	shared, inline := string(typ) == "s", string(typ) == "inlineStr"
	t.cname = append(t.cname[:0], t.sc.name...)
	hasF, hasIS := false, false
	t.v = t.v[:0]
	t.si.reset()
	for {
		k, err := t.sc.next()
		if err != nil {
			return 0, t.xmlError(err)
		}
		if k == xmlEOF {
			break
		}
		if k == xmlEnd && bytes.Equal(t.sc.name, t.cname) {
			break
		}
		if k != xmlStart {
			continue
		}
		switch string(t.sc.local) {
		case "v":
			if t.v, err = directText(t.sc, t.v[:0]); err != nil {
				return 0, t.xmlError(err)
			}
		case "f":
			if err := skipElement(t.sc); err != nil {
				return 0, t.xmlError(err)
			}
			hasF = true
		case "is":
			if text, ok := t.sc.inlineText(t.si.t[:0]); ok {
				t.si.t = text // what read gives for a lone plain <t>
			} else if err := t.si.read(t.sc); err != nil {
				return 0, t.xmlError(err)
			}
			hasIS = true
		}
	}
	from := len(t.text)
	kind := KindText
	switch {
	case shared && len(t.v) > 0:
		i, err := sstIndex(t.v)
		if err != nil {
			// The value is not shown: it may be a cell's text.
			return 0, fmt.Errorf("cell %s is marked as a shared string but its value is not a string's number", columnName(col))
		}
		if t.text, err = t.sst.appendString(t.text, i); err != nil {
			return 0, err
		}
	case inline && hasIS:
		t.text = t.si.appendTo(t.text)
	default:
		kind = t.appendValue(string(typ), style)
	}
	if len(t.text) > from || hasF {
		if len(t.text) == from {
			kind = KindText // a formula without a cached value
		}
		t.cells = append(t.cells, cellEnd{col: col, end: len(t.text), kind: kind})
	}
	return col, nil
}

// appendValue appends a cell's <v> by its type (t attribute): a number in
// a date-formatted cell as the date it shows, an ISO date cell (t="d") as
// dd.mm.yyyy, anything else as written. It returns the cell's kind.
func (t *xlsxTable) appendValue(typ string, style int) Kind {
	if len(t.v) == 0 {
		return KindText
	}
	switch typ {
	case "", "n":
		if show := t.book.styles.of(style); show != showNumber && !t.rawDates {
			if out, ok := appendSerialDate(t.text, string(t.v), t.date1904, show); ok {
				t.text = out
				return KindDate
			}
		}
		t.text = append(t.text, t.v...)
		return KindNumber
	case "d":
		if !t.rawDates {
			if out, ok := appendISODate(t.text, t.v); ok {
				t.text = out
				return KindDate
			}
		}
	case "b":
		t.text = append(t.text, t.v...)
		return KindBool
	case "e":
		t.text = append(t.text, t.v...)
		return KindError
	}
	t.text = append(t.text, t.v...)
	return KindText
}

// appendISODate appends the date of an ISO 8601 date cell ("1990-02-01",
// "1990-02-01T13:45:30") as dd.mm.yyyy, with the time when it is not
// midnight.
func appendISODate(dst, v []byte) ([]byte, bool) {
	s := strings.TrimSpace(string(v))
	day, clock, _ := strings.Cut(s, "T")
	parts := strings.Split(day, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return dst, false
	}
	for _, p := range parts {
		if strings.Trim(p, "0123456789") != "" {
			return dst, false
		}
	}
	dst = append(dst, parts[2]...)
	dst = append(dst, '.')
	dst = append(dst, parts[1]...)
	dst = append(dst, '.')
	dst = append(dst, parts[0]...)
	clock = strings.TrimRight(clock, "Z")
	if len(clock) >= 8 && clock[:8] != "00:00:00" {
		dst = append(dst, ' ')
		dst = append(dst, clock[:8]...)
	}
	return dst, true
}

// sstIndex reads a shared string cell's value as excelize does
// (strconv.Atoi of the trimmed text), without a string for the usual
// plain digits.
func sstIndex(v []byte) (int, error) {
	if len(v) <= 9 {
		n := 0
		for _, c := range v {
			if c < '0' || c > '9' {
				return strconv.Atoi(strings.TrimSpace(string(v)))
			}
			n = n*10 + int(c-'0')
		}
		return n, nil
	}
	return strconv.Atoi(strings.TrimSpace(string(v)))
}

// rowCells makes the row's cells, with "" in the columns left empty: one
// string holds all the text.
func (t *xlsxTable) rowCells() []string {
	t.kinds = t.kinds[:0]
	if len(t.cells) == 0 {
		return nil
	}
	all := string(t.text)
	cells := make([]string, t.cells[len(t.cells)-1].col)
	from := 0
	for _, c := range t.cells {
		cells[c.col-1] = all[from:c.end]
		from = c.end
		if c.kind != KindText {
			for len(t.kinds) < c.col {
				t.kinds = append(t.kinds, KindText)
			}
			t.kinds[c.col-1] = c.kind
		}
	}
	return cells
}

func (t *xlsxTable) xmlError(err error) error {
	return fmt.Errorf("the sheet cannot be read: %w; open the file in Excel and save it again", err)
}

// cellColumn returns the column of a cell reference such as "B7" or
// "$AA$12", as excelize's CellNameToCoordinates reads it, without a string
// per cell (it runs for every cell of the sheet).
func cellColumn(ref []byte) (int, error) {
	bad := func() (int, error) { return 0, fmt.Errorf("a cell has an invalid reference %q", ref) }
	alpha := func(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '$' }
	if len(ref) == 0 || !alpha(ref[0]) {
		return bad()
	}
	i := len(ref) - 1
	for !alpha(ref[i]) {
		i--
	}
	if i == len(ref)-1 {
		return bad()
	}
	row, err := strconv.Atoi(string(ref[i+1:]))
	if err != nil || row <= 0 {
		return bad()
	}
	if row > maxSheetRows {
		return 0, fmt.Errorf("cell %q is beyond the last row a sheet can have (%d)", ref, maxSheetRows)
	}
	col, letters := 0, 0
	for _, c := range ref[:i+1] {
		switch {
		case c == '$':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !('A' <= c && c <= 'Z'):
			return bad()
		}
		col = col*26 + int(c-'A'+1)
		letters++
		if col > maxSheetCols {
			return 0, fmt.Errorf("cell %q is beyond the last column a sheet can have (XFD)", ref)
		}
	}
	if letters == 0 {
		return bad()
	}
	return col, nil
}

// columnName returns a column's letters as Excel shows them: 1 → A,
// 27 → AA, 16384 → XFD (excelize's ColumnNumberToName, which the reader
// does not import).
func columnName(col int) string {
	var b [8]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

func (t *xlsxTable) Sheet() string { return t.sheet }

func (t *xlsxTable) Date1904() bool { return t.date1904 }

func (t *xlsxTable) Close() error {
	var errs []error
	if t.part != nil {
		errs = append(errs, t.part.Close())
	}
	if t.sst != nil {
		errs = append(errs, t.sst.Close())
	}
	return errors.Join(append(errs, t.book.Close())...)
}

// checkArchive examines the whole workbook before its first row is read,
// so that a damaged or hostile file is refused before anything is sent
// rather than halfway: a small file can unpack to gigabytes, a part can
// fail to unpack or fail its checksum (archive/zip tells only at the end
// of the part, and a sheet's rows are read before that), and the XML
// scanner holds a text run, a tag or a comment whole in memory. So: the
// sizes and packing ratios are checked here from the zip directory first,
// before any part is unpacked; then, once the workbook's structure is read
// (its parts are small and size-checked), checkParts unpacks every part
// once (without keeping it) to verify its checksum, and scans the sheets
// and shared strings for over-long rows and for being cut short.
func checkArchive(path string) error {
	zr, err := openZip(path)
	if err != nil {
		return fmt.Errorf("cannot open the workbook (is it a real .xlsx?): %w", err)
	}
	defer zr.Close()
	var total uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		if size > unzipLimit || total > unzipLimit {
			return fmt.Errorf("the workbook unpacks to more than %d MiB; refused (a zip bomb, or too big for one run: split the file)", unzipLimit>>20)
		}
		if size > ratioFloor && size/maxInflate > f.CompressedSize64 {
			return fmt.Errorf("part %q unpacks from %d KiB to %d MiB (over %d times): a zip bomb or a damaged file; refused", f.Name, f.CompressedSize64>>10, size>>20, maxInflate)
		}
		if partKind(f.Name) == "struct" {
			if err := checkStructSize(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkParts is the second half of checkArchive, once the structure is
// known: the workbook must hold a worksheet, and every part must unpack
// whole with its checksum right; the worksheets and the shared strings
// are scanned, wherever in the archive the relationships put them.
func (b *xlsxBook) checkParts() error {
	sheets := b.sheetParts()
	if len(sheets) == 0 {
		return errors.New("cannot open the workbook: the archive holds no worksheet (is it a real .xlsx, not a .zip or .docx renamed?)")
	}
	sst := ""
	if f := b.part(sharedStringsPart); f != nil {
		sst = partKey(f.Name)
	}
	for _, f := range b.zr.File {
		kind := partKind(f.Name)
		switch k := partKey(f.Name); {
		case sheets[k]:
			kind = "row"
		case k == sst:
			kind = "si"
		}
		if err := checkPart(f, kind); err != nil {
			return fmt.Errorf("the workbook is damaged or not a real .xlsx: part %q: %w; open it in Excel and save it again", f.Name, err)
		}
	}
	return nil
}

// checkStructSize refuses a part decoded whole (the workbook, the
// relationships) that is larger than any real one.
func checkStructSize(f *zip.File) error {
	if f.UncompressedSize64 > structLimit {
		return fmt.Errorf("part %q unpacks to %d MiB, where a workbook keeps a few KB: refused (a damaged or hostile file)", f.Name, f.UncompressedSize64>>20)
	}
	return nil
}

// partKind names, by a part's usual name, the element a streamed part
// repeats ("row" for a sheet, "si" for the shared strings), as excelize
// tells them; "struct" for the parts decoded whole (the workbook, the
// relationships, the styles, the document properties); or "". checkParts
// also knows the parts by the workbook's relationships.
func partKind(name string) string {
	name = partKey(name)
	switch {
	case strings.HasPrefix(name, "xl/worksheets/sheet"):
		return "row"
	case name == "xl/sharedstrings.xml":
		return "si"
	case name == "xl/workbook.xml" || name == "xl/styles.xml" || name == "docprops/app.xml" || strings.HasSuffix(name, ".rels"):
		return "struct" // decoded whole by openBook
	}
	return ""
}

// checkPart unpacks one part without keeping it; a sheet (kind "row") or
// the shared strings ("si") go through scanXML.
func checkPart(f *zip.File, kind string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if (kind == "row" || kind == "si") && !f.FileInfo().IsDir() {
		if err := scanXML(rc, kind); err != nil {
			return err
		}
	}
	_, err = io.Copy(io.Discard, rc) // to the end, where the checksum is verified
	return err
}

// scanXML reads a sheet (elem "row") or the shared strings (elem "si") and
// fails when more than maxElement bytes pass without the start of an elem
// element (a <row> is decoded whole; a text run, a tag or a comment between
// rows is one token), or when the sheet ends before </sheetData> (the shared
// strings before </sst>). It reads up to that end tag.
func scanXML(r io.Reader, elem string) error {
	end := "sheetData"
	if elem == "si" {
		end = "sst"
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var pos, mark int64 // bytes read; where the current stretch began
	count := 0          // elem elements seen
	long := func() error {
		if pos-mark <= maxElement {
			return nil
		}
		what := fmt.Sprintf("the data after %s №%d", elem, count)
		if count == 0 {
			what = fmt.Sprintf("the data before the first %s", elem)
		}
		if elem == "row" && count > 0 {
			what = fmt.Sprintf("row element №%d (or what follows it)", count)
		}
		return fmt.Errorf("%s is longer than %d MiB (Excel keeps at most 32,767 characters in a cell); refused", what, maxElement>>20)
	}
	// skipTo reads past the terminator of a comment, CDATA section or
	// processing instruction.
	skipTo := func(term string) error {
		var tail []byte
		for {
			b, err := br.ReadSlice(term[len(term)-1])
			pos += int64(len(b))
			if err := long(); err != nil {
				return err
			}
			if err == nil {
				tail = append(tail, b...)
				if bytes.HasSuffix(tail, []byte(term)) {
					return nil
				}
				tail = tail[max(0, len(tail)-len(term)):]
				continue
			}
			if err != bufio.ErrBufferFull {
				return err
			}
			tail = append(tail[:0], b[max(0, len(b)-len(term)):]...)
		}
	}
	for {
		b, err := br.ReadSlice('<')
		pos += int64(len(b))
		if err := long(); err != nil {
			return err
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the XML is cut short (no </%s>)", end)
		}
		if err != nil {
			return err
		}
		peek, _ := br.Peek(64)
		if len(peek) == 0 {
			continue
		}
		switch peek[0] {
		case '!':
			switch {
			case bytes.HasPrefix(peek, []byte("!--")):
				err = skipTo("-->")
			case bytes.HasPrefix(peek, []byte("![CDATA[")):
				err = skipTo("]]>")
			default:
				return errors.New("the XML holds a DOCTYPE or other declaration, which an .xlsx may not")
			}
		case '?':
			err = skipTo("?>")
		default:
			closing := peek[0] == '/'
			name := peek
			if closing {
				name = name[1:]
			}
			for i, c := range name {
				if c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\r' || c == '\n' {
					name = name[:i]
					break
				}
			}
			if i := bytes.LastIndexByte(name, ':'); i >= 0 {
				name = name[i+1:] // a namespace prefix: <x:row>
			}
			switch {
			case !closing && string(name) == elem:
				count++
				mark = pos - 1
			case closing && string(name) == end:
				return nil
			case string(name) == end: // <sheetData/> is an empty sheet
				tag, err := br.ReadSlice('>')
				pos += int64(len(tag))
				if err == nil && bytes.HasSuffix(tag, []byte("/>")) {
					return nil
				}
			}
		}
		if err != nil {
			return err
		}
	}
}
