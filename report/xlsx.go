package report

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

// Meta describes the run for the summary sheet.
type Meta struct {
	Input, Sheet, Mapping string
	URL                   string // МИП URL; any userinfo is stripped before it is written
	Concurrency           int
	Rate                  float64 // requests per second; 0 = unlimited
	DryRun                bool
	Version               string
	// ConcurrencyAuto is set for --concurrency auto, with Concurrency its
	// cap: it returns, when the summary is written, the limit at the end
	// and the highest it reached (0, 0: nothing was sent).
	ConcurrencyAuto func() (last, highest int)
}

// Sheet names of the report.
const (
	resultsSheet = "Результаты"
	summarySheet = "Итоги"
)

// resultColumns follow the input's own columns on the results sheet.
var resultColumns = [...]struct {
	title string
	width float64
}{
	{"Итог", 26},
	{"Статус МКАБ", 14},
	{"Статус прикрепления", 16},
	{"GUID персоны", 38},
	{"GUID МКАБ", 38},
	{"GUID прикрепления", 38},
	{"Сообщения", 60},
	{"HTTP", 7},
	{"Попыток", 9},
}

const rowNumberTitle = "Строка"

// XLSX writes the report spreadsheet for people: sheet «Результаты» with
// every row's original cells beside its outcome, statuses, GUIDs and
// messages, coloured by outcome, and sheet «Итоги» with counts and the run's
// settings. Rows are streamed; past a sheet's limit (1,048,576 rows, or
// 4 GiB of XML) they continue on «Результаты (2)» and so on, each with its
// header. It is not safe for concurrent use.
type XLSX struct {
	out    *pendingFile
	f      *excelize.File
	header []string
	meta   Meta

	sw       *excelize.StreamWriter
	rows     *sheetRows            // the current sheet's data rows
	allRows  map[string]*sheetRows // every sheet's, by part name, for saveBook
	sheets   []string              // results sheets so far; the last one is being written
	row      int                   // last row written on the current sheet
	bytes    int64                 // upper bound of the current sheet's XML so far
	est      int64                 // the same for the row being written
	maxRows  int                   // rows per sheet, header included; lowered by tests
	maxBytes int64                 // sheet XML per sheet (sheetBudget); lowered by tests
	lastCol  string                // column name of the table's last column

	header0 int // style IDs
	styles  map[importer.Outcome]rowStyles
	plain   rowStyles // for an outcome without a colour

	cells []cell // reused row buffer
	done  bool
}

// rowStyles are the style IDs for one outcome's row: text cells, the
// wrapped messages cell, and number cells, all with the outcome's fill.
type rowStyles struct{ text, wrap, num int }

// NewXLSX starts a report at path. header holds the input's original column
// titles; each Result's Cells are shown under them (cells beyond the header
// are not shown). Nothing appears at path before Close.
func NewXLSX(path string, header []string, meta Meta) (*XLSX, error) {
	width := 1 + len(header) + len(resultColumns)
	if width > excelize.MaxColumns {
		return nil, fmt.Errorf("report %s: %d input columns, a sheet holds at most %d with the status columns",
			path, len(header), excelize.MaxColumns-1-len(resultColumns))
	}
	out, err := createPending(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	x := &XLSX{
		out:      out,
		f:        newBook(out),
		header:   append([]string(nil), header...),
		meta:     meta,
		maxRows:  excelize.TotalRows,
		maxBytes: sheetBudget,
		cells:    make([]cell, width),
		allRows:  make(map[string]*sheetRows),
	}
	x.lastCol, _ = excelize.ColumnNumberToName(width)
	if err := x.newStyles(); err != nil {
		x.abandon()
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	if err := x.startSheet(); err != nil {
		x.abandon()
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return x, nil
}

func (x *XLSX) newStyles() error {
	var err error
	if x.header0, err = headerStyle(x.f); err != nil {
		return err
	}
	if x.plain, err = newRowStyles(x.f, ""); err != nil {
		return err
	}
	x.styles = make(map[importer.Outcome]rowStyles, len(importer.Outcomes))
	for _, o := range importer.Outcomes {
		if x.styles[o], err = newRowStyles(x.f, outcomeFill(o)); err != nil {
			return err
		}
	}
	return nil
}

func headerStyle(f *excelize.File) (int, error) {
	return f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      solidFill(fillHeader),
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	})
}

// textFormat is the built-in number format "@" (Text): a clerk who edits
// such a cell keeps text — leading zeros stay, "=…" does not become a formula.
const textFormat = 49

func newRowStyles(f *excelize.File, fill string) (rowStyles, error) {
	var s rowStyles
	var err error
	top := &excelize.Alignment{Vertical: "top"}
	if s.text, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: top, NumFmt: textFormat}); err != nil {
		return s, err
	}
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	if s.wrap, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: wrap, NumFmt: textFormat}); err != nil {
		return s, err
	}
	if s.num, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: top}); err != nil {
		return s, err
	}
	return s, nil
}

func solidFill(color string) excelize.Fill {
	if color == "" {
		return excelize.Fill{}
	}
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// startSheet opens the next results sheet and writes its header row.
func (x *XLSX) startSheet() error {
	name := resultsSheet
	if n := len(x.sheets); n == 0 {
		// The new workbook's only sheet becomes the first results sheet.
		if err := x.f.SetSheetName(x.f.GetSheetName(0), name); err != nil {
			return err
		}
	} else {
		name = fmt.Sprintf("%s (%d)", resultsSheet, n+1)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	rows, err := newSheetRows(x.out.tmpDir(), sw)
	if err != nil {
		return err
	}
	x.allRows[rows.part] = rows
	x.sw, x.rows, x.row, x.bytes = sw, rows, 0, 0
	x.sheets = append(x.sheets, name)

	// Column widths and panes must precede the first row.
	if err := sw.SetColWidth(1, 1, 8); err != nil {
		return err
	}
	for i, h := range x.header {
		if err := sw.SetColWidth(2+i, 2+i, inputColWidth(h)); err != nil {
			return err
		}
	}
	for i, c := range resultColumns {
		col := 2 + len(x.header) + i
		if err := sw.SetColWidth(col, col, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(freezeHeader()); err != nil {
		return err
	}

	// Its own slice: Write may start a sheet with its row already in x.cells.
	head := make([]any, 0, len(x.cells))
	for _, title := range x.titles() {
		head = append(head, excelize.Cell{StyleID: x.header0, Value: title})
		x.bytes += cellXML + textXML(title)
	}
	x.row++
	return sw.SetRow("A1", head)
}

// titles are the header row's texts.
func (x *XLSX) titles() []string {
	t := append([]string{rowNumberTitle}, x.header...)
	for _, c := range resultColumns {
		t = append(t, c.title)
	}
	return t
}

// freezeHeader freezes the first row, the way Excel's "Freeze top row" does.
func freezeHeader() *excelize.Panes {
	return &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}
}

// inputColWidth guesses a width from the title alone: the stream writer
// needs widths before the first row, when no value has been seen.
func inputColWidth(title string) float64 {
	return float64(min(max(utf8.RuneCountInString(title)+2, 12), 40))
}

// Write adds one row. A results sheet that is full is closed and the row
// goes to a new one.
func (x *XLSX) Write(r importer.Result) error {
	if x.done {
		return fmt.Errorf("report %s: %w", x.out.path, fs.ErrClosed)
	}
	st, ok := x.styles[r.Outcome]
	if !ok {
		st = x.plain
	}
	x.est = rowXML + int64(len(x.cells))*cellXML
	x.cells[0] = cell{style: st.num, kind: numberCell, num: r.Row}
	for i := range x.header {
		v := ""
		if i < len(r.Cells) {
			v = r.Cells[i]
		}
		x.setText(1+i, st.text, v)
	}
	c := 1 + len(x.header)
	x.setText(c, st.text, OutcomeTitle(r.Outcome))
	x.setText(c+1, st.text, r.MkabStatus)
	x.setText(c+2, st.text, r.AttachmentStatus)
	x.setText(c+3, st.text, r.PersonGUID)
	x.setText(c+4, st.text, r.MkabGUID)
	x.setText(c+5, st.text, r.AttachmentGUID)
	x.setText(c+6, st.wrap, strings.Join(r.Messages, "\n"))
	x.cells[c+7] = numCellOrBlank(st.num, r.HTTPStatus)
	x.cells[c+8] = cell{style: st.num, kind: numberCell, num: r.Attempts}

	if x.row >= x.maxRows || x.row > 1 && x.bytes+x.est > x.maxBytes {
		if err := x.finishSheet(); err != nil {
			return fmt.Errorf("report %s: %w", x.out.path, err)
		}
		if err := x.startSheet(); err != nil {
			return fmt.Errorf("report %s: %w", x.out.path, err)
		}
	}
	x.row++
	x.bytes += x.est
	if err := x.rows.writeRow(x.row, x.cells); err != nil {
		return fmt.Errorf("report %s, row %d: %w", x.out.path, r.Row, err)
	}
	return nil
}

// setText puts a text cell in the row buffer and counts its size.
func (x *XLSX) setText(i, style int, v string) {
	x.cells[i] = textCellOf(style, v)
	x.est += textXML(v)
}

// textCellOf is a text cell. Text is written as an inline string, never as
// a formula, so "=…", "+7…", "-" and "@" stay text. An empty value is a
// styled blank cell, so the row's fill has no holes.
func textCellOf(style int, v string) cell {
	if v == "" {
		return cell{style: style}
	}
	return cell{style: style, kind: textCell, text: v}
}

// numCellOrBlank is a number cell, blank for 0 (e.g. no HTTP status: not
// sent).
func numCellOrBlank(style, v int) cell {
	if v == 0 {
		return cell{style: style}
	}
	return cell{style: style, kind: numberCell, num: v}
}

// finishSheet puts the autofilter over the current sheet's table and
// flushes it. The autofilter goes through the normal API, which is safe
// here: it only sets the worksheet's autoFilter element (written by Flush)
// and the workbook's hidden _FilterDatabase name, never a cell.
func (x *XLSX) finishSheet() error {
	ref := "A1:" + x.lastCol + strconv.Itoa(x.row)
	if err := x.f.AutoFilter(x.sheets[len(x.sheets)-1], ref, nil); err != nil {
		return err
	}
	if err := x.rows.flush(); err != nil {
		return err
	}
	return x.sw.Flush()
}

// Close writes the «Итоги» sheet from s and the meta, and saves the
// workbook under its final name with mode 0600. It always releases the
// temporary files, also on error; then nothing is left at the target (a
// file that was there stays as it was).
func (x *XLSX) Close(s importer.Summary) (err error) {
	if x.done {
		return fmt.Errorf("report %s: %w", x.out.path, fs.ErrClosed)
	}
	x.done = true
	defer func() {
		if cerr := x.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("report %s: %w", x.out.path, cerr)
		}
		x.discardRows()
	}()
	if err := x.finishSheet(); err != nil {
		x.out.discard()
		return fmt.Errorf("report %s: %w", x.out.path, err)
	}
	if err := writeSummary(x.f, x.header0, s, x.meta); err != nil {
		x.out.discard()
		return fmt.Errorf("report %s: %w", x.out.path, err)
	}
	if err := saveBook(x.f, x.out, x.allRows); err != nil {
		return fmt.Errorf("report %s: %w", x.out.path, err)
	}
	return nil
}

// abandon releases everything when the report cannot even start.
func (x *XLSX) abandon() {
	x.done = true
	x.out.discard()
	_ = x.f.Close()
	x.discardRows()
}

func (x *XLSX) discardRows() {
	for _, r := range x.allRows {
		r.discard()
	}
	clear(x.allRows)
}
