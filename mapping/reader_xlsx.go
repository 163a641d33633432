package mapping

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits that keep a hostile or broken workbook from exhausting memory:
// the whole unpacked archive may not exceed unzipLimit, and a sheet or the
// shared strings above xmlMemLimit is unpacked to a temporary file instead
// of memory. checkArchive adds what excelize does not check (see there).
const (
	unzipLimit  = 1 << 30
	xmlMemLimit = 16 << 20
	// memPartsLimit bounds what excelize holds in memory: every part but
	// the sheets and shared strings it unpacks to temporary files.
	memPartsLimit = 128 << 20
	// A part that unpacks above ratioFloor at more than maxInflate times
	// its packed size is a zip bomb: sheet XML with data packs about 10
	// times, a million formatted empty rows 30 (as Excel writes them) to 45
	// (LibreOffice), empty formatted cells without addresses up to about
	// 100; a run of one repeated byte packs a thousand times.
	maxInflate = 200
	ratioFloor = 1 << 20
	// maxElement bounds one row of a sheet (one string of the shared
	// strings) and whatever stands between two of them: excelize's XML
	// decoder holds such a stretch whole in memory. Excel writes at most
	// 32,767 characters in a cell; 16 MiB still reads a 10 MB cell.
	maxElement = 16 << 20
)

// xlsxTable streams one sheet of a workbook through excelize's row iterator;
// the sheet is never loaded whole.
type xlsxTable struct {
	path     string
	f        *excelize.File
	rows     *excelize.Rows
	sheet    string
	line     int
	Date1904 bool
	// ConvertedBy names the LibreOffice binary when the input was an .xls
	// or .ods converted to a temporary .xlsx (the log says so).
	ConvertedBy string
}

func openXLSX(path string, o ReadOptions) (*xlsxTable, error) {
	if err := checkArchive(path); err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true, // dates as serials, numbers without display rounding
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: xmlMemLimit,
		TmpDir:            o.TmpDir,
	})
	if err != nil {
		return nil, &ReadError{File: path, Err: fmt.Errorf("cannot open the workbook (is it a real .xlsx?): %w", err)}
	}
	t := &xlsxTable{path: path, f: f}
	if t.sheet, err = pickSheet(f, o.Sheet); err != nil {
		f.Close()
		return nil, &ReadError{File: path, Err: err}
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.Date1904 = *props.Date1904
	}
	if t.rows, err = f.Rows(t.sheet); err != nil {
		f.Close()
		return nil, &ReadError{File: path, Sheet: t.sheet, Err: err}
	}
	return t, nil
}

// pickSheet returns the named sheet, or the first visible one.
func pickSheet(f *excelize.File, want string) (string, error) {
	list := f.GetSheetList()
	if want != "" {
		for _, s := range list {
			if s == want {
				return s, nil
			}
		}
		return "", fmt.Errorf("no sheet %q; the workbook has %q", want, list)
	}
	for _, s := range list {
		if visible, err := f.GetSheetVisible(s); err == nil && visible {
			return s, nil
		}
	}
	if len(list) > 0 {
		return list[0], nil
	}
	return "", errors.New("the workbook has no sheets")
}

func (t *xlsxTable) Next() (int, []string, error) {
	if !t.rows.Next() {
		if err := t.rows.Error(); err != nil {
			return 0, nil, &ReadError{File: t.path, Sheet: t.sheet, Line: t.line + 1, Err: err}
		}
		return 0, nil, io.EOF
	}
	// Next advances one spreadsheet row at a time, absent rows included,
	// so counting calls gives the row number the clerk sees.
	t.line++
	cells, err := t.rows.Columns()
	if err != nil {
		return t.line, nil, &ReadError{File: t.path, Sheet: t.sheet, Line: t.line, Err: err}
	}
	return t.line, cells, nil
}

func (t *xlsxTable) Sheet() string { return t.sheet }

func (t *xlsxTable) Close() error {
	var err error
	if t.rows != nil {
		err = t.rows.Close()
	}
	return errors.Join(err, t.f.Close())
}

// checkArchive examines the workbook before excelize opens it, for what
// excelize lets through: it keeps every part but the big sheets in memory
// (a small file can unpack to gigabytes there), it ignores a part that fails
// to unpack or fails its checksum (the sheet silently ends early, and the
// rows after the damage are lost), and its XML decoder holds a text run, a
// tag or a comment whole in memory however long it is. So: the sizes and
// packing ratios are checked from the zip directory first, then every part
// is unpacked once (without keeping it) to verify its checksum, and the
// sheets and shared strings are scanned for over-long rows and for being
// cut short.
func checkArchive(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("cannot open the workbook (is it a real .xlsx?): %w", err)
	}
	defer zr.Close()
	var total, inMemory uint64
	sheets := 0
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		if size > unzipLimit || total > unzipLimit {
			return fmt.Errorf("the workbook unpacks to more than %d MiB; refused (a zip bomb, or too big for one run: split the file)", unzipLimit>>20)
		}
		if size > ratioFloor && size/maxInflate > f.CompressedSize64 {
			return fmt.Errorf("part %q unpacks from %d KiB to %d MiB (over %d times): a zip bomb or a damaged file; refused", f.Name, f.CompressedSize64>>10, size>>20, maxInflate)
		}
		kind := partKind(f.Name)
		if kind == "" || size <= xmlMemLimit {
			if inMemory += size; inMemory > memPartsLimit {
				return fmt.Errorf("the workbook's parts that must be held in memory unpack to more than %d MiB (%q among them); refused: save a copy with the data only", memPartsLimit>>20, f.Name)
			}
		}
		if kind == "row" {
			sheets++
		}
	}
	if sheets == 0 {
		return errors.New("cannot open the workbook: the archive holds no worksheet (is it a real .xlsx, not a .zip or .docx renamed?)")
	}
	for _, f := range zr.File {
		if err := checkPart(f); err != nil {
			return fmt.Errorf("the workbook is damaged or not a real .xlsx: part %q: %w; open it in Excel and save it again", f.Name, err)
		}
	}
	return nil
}

// partKind names the element a streamed part repeats ("row" for a sheet,
// "si" for the shared strings), as excelize tells them, or "".
func partKind(name string) string {
	name = strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	switch {
	case strings.HasPrefix(name, "xl/worksheets/sheet"):
		return "row"
	case name == "xl/sharedstrings.xml":
		return "si"
	}
	return ""
}

// checkPart unpacks one part without keeping it; a sheet or the shared
// strings go through scanXML.
func checkPart(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if kind := partKind(f.Name); kind != "" && !f.FileInfo().IsDir() {
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
