package report

import (
	"archive/zip"
	"errors"
	"io"
	"math"
	"os"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// newBook starts a workbook whose stream data spills to temporary files
// beside the target rather than in /tmp, which is often a RAM-backed tmpfs
// (it would defeat the point of spilling) and is shared with other users.
func newBook(out *pendingFile) *excelize.File {
	return excelize.NewFile(excelize.Options{TmpDir: out.tmpDir()})
}

// saveBook writes f into the pending file and renames it into place.
//
// excelize's Write assembles the whole package in a bytes.Buffer before
// copying it out: peak memory would be the file's size, twice that while
// the buffer grows (hundreds of MiB for a million rows). Its ZipWriter
// hook lets the package go straight to the file instead; the buffer it
// passes in then stays empty, and rejectWrites checks that it does. The one
// thing excelize does to that buffer, marking parts over 4 GiB as ZIP64 in
// their local headers, is never needed: sheetBudget keeps every sheet below.
//
// rows, by part name, are sheets' data rows written apart (see sheetRows),
// spliced into their parts; nil when there are none.
func saveBook(f *excelize.File, out *pendingFile, rows map[string]*sheetRows) error {
	return out.commit(func(file *os.File) error {
		z := &splicingZip{Writer: newZip(file), rows: rows}
		f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
		if err := f.Write(rejectWrites{}); err != nil {
			return err
		}
		return z.check()
	})
}

// newZip deflates with klauspost/compress at flate.BestSpeed rather than
// with the standard library at its default level: compressing is a large
// share of saving a big report, and klauspost's fastest level is quicker
// than the standard library's, for a file only slightly larger than the
// default level's (BenchmarkXLSXWrite and BENCHMARKS.md). Excel reads any
// DEFLATE stream.
func newZip(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return zw
}

type rejectWrites struct{}

func (rejectWrites) Write([]byte) (int, error) {
	return 0, errors.New("excelize wrote the workbook to its own buffer, not through the zip writer")
}

// sheetBudget is how many bytes of sheet XML one sheet may take: a zip
// part over 4 GiB needs ZIP64 marks in its local header that Excel insists
// on (see saveBook). The margin covers what surrounds the rows.
const sheetBudget = math.MaxUint32 - 64<<20

// Upper bounds of a sheet's XML: per row (<row r="1048576" ht="409"
// customHeight="1"></row>), per cell (the element around a value:
// <c r="XFD1048576" s="…" t="inlineStr"><is><t xml:space="preserve">
// </t></is></c>, or a number), and textXML for a value.
const (
	rowXML  = 64
	cellXML = 100
)

// textXML is an upper bound of a text value's size in the XML. A character
// that may grow when escaped ("&" → "&amp;", "\t" → "&#x9;", "_x0041_" →
// "_x005F_x0041_", an invalid byte → U+FFFD) grows at most six times.
func textXML(v string) int64 {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= utf8.RuneSelf || xmlGrows[c] {
			if c < utf8.RuneSelf || !utf8.ValidString(v[i:]) {
				return 6 * int64(len(v))
			}
			// Valid UTF-8 from here: only ASCII can still grow.
			for _, c := range []byte(v[i:]) {
				if c < utf8.RuneSelf && xmlGrows[c] {
					return 6 * int64(len(v))
				}
			}
			return int64(len(v))
		}
	}
	return int64(len(v))
}

// xmlGrows marks the bytes that may take more room once escaped: the XML
// specials, "_" (of an _xHHHH_ escape) and the control characters. A table,
// not strings.ContainsAny, which builds its set on every call: this runs for
// every cell of the report.
var xmlGrows = func() (t [utf8.RuneSelf]bool) {
	for _, c := range []byte("&<>\"'_\x7f") {
		t[c] = true
	}
	for c := range 0x20 {
		t[c] = true
	}
	return t
}()
