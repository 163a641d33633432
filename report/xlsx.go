package report

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"mipimport/importer"
)

// Meta describes the run for the summary sheet.
type Meta struct {
	Input, Sheet, Mapping string
	URL                   string  // МИП URL; any userinfo is stripped before it is written
	Concurrency           int     // 0: not known, left blank
	Rate                  float64 // requests per second; 0 = unlimited
	DryRun                bool
	Version               string

	// Totals, when not nil, are the whole run's rows per outcome. The
	// summary shows them instead of the Summary's counts: a report made
	// after the run from its record (history export) describes the whole
	// run even when its results sheet lists only some of the rows.
	Totals map[importer.Outcome]int
	// OnlyToFix says the results sheet lists only the rows that need
	// fixing (those whose outcome is not OK). The summary then says so, with
	// how many of the run's rows that is: «В листе «Результаты» только
	// строки, требующие исправления: 7 из 30».
	OnlyToFix bool
	// ConcurrencyAuto is set for --concurrency auto, with Concurrency its
	// cap: it returns, when the summary is written, the limit at the end
	// and the highest it reached (0, 0: not known, nothing was sent).
	ConcurrencyAuto func() (last, highest int)
}

// Sheet names of the report.
const (
	resultsSheet = "Результаты"
	summarySheet = "Итоги"
)

// column is one of the results sheet's own columns. Its width fits the
// widest text of the first rows (layoutRows), title and values, within
// least and most digits; longer text wraps.
type column struct {
	title       string
	least, most float64
}

// resultColumns follow the input's own columns on the results sheet. The
// outcome and the messages come first and are printed; МИП's statuses (the
// outcome already says what they add up to), the GUIDs and the request's
// technical details (from printedResults on) are on screen only: on paper
// they would take half the width, and the print would be too small to read.
var resultColumns = [...]column{
	{"Итог", 8, 16},
	{"Сообщения", 12, 50},
	{"Статус МКАБ", 8, 14},
	{"Статус прикрепления", 8, 14},
	{"GUID персоны", 38, 38},
	{"GUID МКАБ", 38, 38},
	{"GUID прикрепления", 38, 38},
	{"HTTP", 4, 6},
	{"Попыток", 4, 9},
}

// printedResults is how many of resultColumns are printed.
const printedResults = 2

// Column indexes within resultColumns.
const (
	colOutcome = iota
	colMessages
	colMkab
	colAttachment
	colPersonGUID
	colMkabGUID
	colAttachmentGUID
	colHTTP
	colAttempts
)

// The row number and the input's columns.
var (
	rowNumberColumn = column{"Строка", 4, 9}
	inputColumn     = column{"", 4, 30}
)

// layoutRows is how many rows the report holds before it writes the first:
// column widths precede the rows in a sheet, so they are fitted to these.
// Later rows wrap where they are wider.
const layoutRows = 1000

// XLSX writes the report spreadsheet for people: sheet «Результаты» with
// every row's original cells beside its outcome, messages, statuses and
// GUIDs, coloured by outcome, and sheet «Итоги» with counts and the run's
// settings. Both are set up to print on A4: the results landscape, one page
// wide (the row number, the input's columns, the outcome and the messages)
// with the header row on every page, the summary on one page. Rows are
// streamed (only the first layoutRows are held, to fit the columns to
// them); past a sheet's limit (1,048,576 rows, or 4 GiB of XML) they
// continue on «Результаты (2)» and so on, each with its header. It is not
// safe for concurrent use.
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
	printCol string                // and of the last one printed
	listed   int                   // data rows written, on all sheets

	held   []importer.Result // the first rows, until the widths are known
	widths []float64         // every column's width; nil until then
	// The last text of each column and the lines it takes: outcomes,
	// statuses and notes repeat row after row.
	lastText  []string
	lastLines []int

	header0 int // style IDs
	styles  map[importer.Outcome]rowStyles
	plain   rowStyles // for an outcome without a colour

	cells []cell // reused row buffer
	done  bool
}

// rowStyles are the style IDs for one outcome's row: text cells (wrapped),
// number cells, and the row number (centred, so that it does not read as
// one number with the input's own first column), all with the outcome's
// fill.
type rowStyles struct{ text, num, row int }

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
	x.printCol, _ = excelize.ColumnNumberToName(1 + len(header) + printedResults)
	if err := x.newStyles(); err != nil {
		x.abandon()
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	// The new workbook's only sheet becomes the first results sheet.
	if err := x.f.SetSheetName(x.f.GetSheetName(0), resultsSheet); err != nil {
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

// gridColor is the cells' thin borders: on paper, where a spreadsheet's
// grid is not printed, they keep the columns apart.
const gridColor = "A6A6A6"

func grid() []excelize.Border {
	b := make([]excelize.Border, 0, 4)
	for _, side := range []string{"left", "top", "right", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: gridColor, Style: 1})
	}
	return b
}

// boldFont is the workbook's font (excelize's new workbook has 11-point
// Calibri), bold. Named in full: a font with no name is left to the office
// suite, and LibreOffice picks a serif one.
func boldFont(color string) *excelize.Font {
	return &excelize.Font{Bold: true, Family: "Calibri", Size: 11, Color: color}
}

func headerStyle(f *excelize.File) (int, error) {
	return f.NewStyle(&excelize.Style{
		Font:      boldFont(""),
		Fill:      solidFill(fillHeader),
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border:    grid(),
	})
}

// textFormat is the built-in number format "@" (Text): a clerk who edits
// such a cell keeps text — leading zeros stay, "=…" does not become a formula.
const textFormat = 49

func newRowStyles(f *excelize.File, fill string) (rowStyles, error) {
	var s rowStyles
	var err error
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	if s.text, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: wrap, NumFmt: textFormat, Border: grid()}); err != nil {
		return s, err
	}
	top := &excelize.Alignment{Vertical: "top"}
	if s.num, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: top, Border: grid()}); err != nil {
		return s, err
	}
	centre := &excelize.Alignment{Vertical: "top", Horizontal: "center"}
	if s.row, err = f.NewStyle(&excelize.Style{Fill: solidFill(fill), Alignment: centre, Border: grid()}); err != nil {
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

// titles are the header row's texts.
func (x *XLSX) titles() []string {
	t := append([]string{rowNumberColumn.title}, x.header...)
	for _, c := range resultColumns {
		t = append(t, c.title)
	}
	return t
}

// column is the bounds of column i (0-based) of the results sheet.
func (x *XLSX) column(i int) column {
	switch {
	case i == 0:
		return rowNumberColumn
	case i <= len(x.header):
		return inputColumn
	}
	return resultColumns[i-1-len(x.header)]
}

// fitColumns sets the widths from the titles and the held rows: the widest
// value within the column's bounds, and never narrower than the title's
// longest word (titles wrap between words).
func (x *XLSX) fitColumns() {
	titles := x.titles()
	widest := make([]float64, len(titles))
	for _, r := range x.held {
		x.fill(r)
		for i, c := range x.cells {
			switch c.kind {
			case textCell:
				widest[i] = max(widest[i], textWidth(c.text))
			case numberCell:
				widest[i] = max(widest[i], textWidth(strconv.Itoa(c.num)))
			}
		}
	}
	x.widths = make([]float64, len(titles))
	x.lastText, x.lastLines = make([]string, len(titles)), make([]int, len(titles))
	for i, title := range titles {
		word := 0.0
		for w := range strings.FieldsSeq(title) {
			word = max(word, textWidth(w)*boldWidth)
		}
		c := x.column(i)
		x.widths[i] = max(fitWidth(widest[i], c.least, c.most), fitWidth(word, 0, math.MaxFloat64))
	}
}

// startSheet opens the next results sheet: page setup, column widths,
// frozen header, and the header row.
func (x *XLSX) startSheet() error {
	name := resultsSheet
	if n := len(x.sheets); n > 0 {
		name = fmt.Sprintf("%s (%d)", resultsSheet, n+1)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	// Fit to page: a sheet property the stream writer writes at once.
	if err := x.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
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
	for i, w := range x.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(freezeHeader()); err != nil {
		return err
	}

	titles := x.titles()
	head := make([]any, 0, len(titles))
	lines := 1
	for i, title := range titles {
		head = append(head, excelize.Cell{StyleID: x.header0, Value: title})
		x.bytes += cellXML + textXML(title)
		lines = max(lines, wrappedLines(title, x.widths[i], boldWidth))
	}
	x.row++
	x.bytes += rowXML
	return sw.SetRow("A1", head, excelize.RowOpts{Height: rowHeight(lines)})
}

func ptr[T any](v T) *T { return &v }

// freezeHeader freezes the first row, the way Excel's "Freeze top row" does.
func freezeHeader() *excelize.Panes {
	return &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}
}

// Write adds one row. A results sheet that is full is closed and the row
// goes to a new one.
func (x *XLSX) Write(r importer.Result) error {
	if x.done {
		return fmt.Errorf("report %s: %w", x.out.path, fs.ErrClosed)
	}
	if x.widths == nil {
		// The caller may reuse the row's slices once Write returns.
		r.Cells = slices.Clone(r.Cells)
		r.Messages = slices.Clone(r.Messages)
		x.held = append(x.held, r)
		if len(x.held) < layoutRows {
			return nil
		}
		return x.release()
	}
	return x.write(r)
}

// release fits the columns to the held rows, starts the first sheet and
// writes them.
func (x *XLSX) release() error {
	x.fitColumns()
	if err := x.startSheet(); err != nil {
		return fmt.Errorf("report %s: %w", x.out.path, err)
	}
	held := x.held
	x.held = nil
	for _, r := range held {
		if err := x.write(r); err != nil {
			return err
		}
	}
	return nil
}

// fill puts r's cells into the row buffer.
func (x *XLSX) fill(r importer.Result) rowStyles {
	st, ok := x.styles[r.Outcome]
	if !ok {
		st = x.plain
	}
	x.cells[0] = cell{style: st.row, kind: numberCell, num: r.Row}
	for i := range x.header {
		v := ""
		if i < len(r.Cells) {
			v = r.Cells[i]
		}
		x.cells[1+i] = textCellOf(st.text, v)
	}
	c := x.cells[1+len(x.header):]
	c[colOutcome] = textCellOf(st.text, OutcomeTitle(r.Outcome))
	c[colMkab] = textCellOf(st.text, MkabStatusTitle(r.MkabStatus))
	c[colAttachment] = textCellOf(st.text, AttachmentStatusTitle(r.AttachmentStatus))
	c[colMessages] = textCellOf(st.text, strings.Join(r.Messages, "\n"))
	c[colPersonGUID] = textCellOf(st.text, r.PersonGUID)
	c[colMkabGUID] = textCellOf(st.text, r.MkabGUID)
	c[colAttachmentGUID] = textCellOf(st.text, r.AttachmentGUID)
	c[colHTTP] = numCellOrBlank(st.num, r.HTTPStatus)
	c[colAttempts] = cell{style: st.num, kind: numberCell, num: r.Attempts}
	return st
}

// write adds r to the current sheet, or to a new one when it is full.
func (x *XLSX) write(r importer.Result) error {
	x.fill(r)
	x.est = rowXML + int64(len(x.cells))*cellXML
	lines := 1
	for i := range x.cells {
		if c := &x.cells[i]; c.kind == textCell {
			x.est += textXML(c.text)
			lines = max(lines, x.linesOf(i, c.text))
		}
	}
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
	x.listed++
	if err := x.rows.writeRow(x.row, x.cells, rowHeight(lines)); err != nil {
		return fmt.Errorf("report %s, row %d: %w", x.out.path, r.Row, err)
	}
	return nil
}

// linesOf is how many lines text takes in column i.
func (x *XLSX) linesOf(i int, text string) int {
	if x.lastLines[i] > 0 && text == x.lastText[i] {
		return x.lastLines[i]
	}
	n := wrappedLines(text, x.widths[i], 1)
	x.lastText[i], x.lastLines[i] = text, n
	return n
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

// Page margins of the printed sheets, in inches: narrow, as Excel's
// "Narrow" preset, with a footer for the page numbers.
var narrowMargins = excelize.PageLayoutMarginsOptions{
	Left: ptr(0.25), Right: ptr(0.25), Top: ptr(0.4), Bottom: ptr(0.5), Header: ptr(0.2), Footer: ptr(0.2),
}

// a4 is the paper size code of A4 in a sheet's page setup.
const a4 = 9

// finishSheet sets up the current sheet for printing and filtering, and
// flushes it. These go through the normal API, which is safe here: they
// set only the worksheet's elements after its rows (written by Flush) and
// the workbook's names, never a cell.
func (x *XLSX) finishSheet() error {
	if len(x.sheets) == 0 {
		return errors.New("no results sheet was started")
	}
	sheet := x.sheets[len(x.sheets)-1]
	last := strconv.Itoa(x.row)
	if err := x.f.AutoFilter(sheet, "A1:"+x.lastCol+last, nil); err != nil {
		return err
	}
	quoted := "'" + strings.ReplaceAll(sheet, "'", "''") + "'!"
	for _, dn := range []excelize.DefinedName{
		// The header row on top of every printed page.
		{Name: "_xlnm.Print_Titles", RefersTo: quoted + "$1:$1", Scope: sheet},
		// The columns a clerk reads; the GUIDs stay on screen.
		{Name: "_xlnm.Print_Area", RefersTo: quoted + "$A$1:$" + x.printCol + "$" + last, Scope: sheet},
	} {
		if err := x.f.SetDefinedName(&dn); err != nil {
			return err
		}
	}
	if err := x.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: ptr(a4), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0),
	}); err != nil {
		return err
	}
	if err := x.f.SetPageMargins(sheet, &narrowMargins); err != nil {
		return err
	}
	if err := x.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: pageFooter}); err != nil {
		return err
	}
	if err := x.rows.flush(); err != nil {
		return err
	}
	return x.sw.Flush()
}

// pageFooter prints the sheet's name on the left and «Страница 2 из 5» on
// the right of every page.
const pageFooter = "&L&A&RСтраница &P из &N"

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
	if x.widths == nil {
		if err := x.release(); err != nil {
			x.out.discard()
			return err
		}
	}
	if err := x.finishSheet(); err != nil {
		x.out.discard()
		return fmt.Errorf("report %s: %w", x.out.path, err)
	}
	if err := writeSummary(x.f, x.header0, s, x.meta, x.listed); err != nil {
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
