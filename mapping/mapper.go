package mapping

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"mipimport/mapping/convert"
	"mipimport/mapping/reader"
	"mipimport/mip"
)

// Record is one data row after mapping and local validation.
type Record struct {
	Line     int          // 1-based row number in the sheet
	Key      string       // the row's stable identity, as matched (column parts folded); "" when none
	KeyShown string       // the key as the clerk typed it, for the report, the results and the state's history
	Patient  *mip.Patient // nil when Invalid
	Invalid  bool         // a check failed: the row must not be sent
	Messages []string     // Russian, each naming its column; warnings start with WarnPrefix
	Cells    []string     // the row's cells, padded to the header's width
}

// WarnPrefix starts every warning message: the row is still sent.
const WarnPrefix = "Предупреждение. "

// Mapper applies a Mapping to the rows of one table.
type Mapper struct {
	m        *Mapping
	specs    []compiled
	key      []compiledKey
	width    int
	now      func() time.Time
	date1904 bool
	separate map[string]bool // fields mapped on their own, which composite cells must not fill
	// excelDigits: a 16-digit number's zeroed 16th digit was lost to
	// Excel, so an ЕНП's check digit may be computed again (ENPRepair).
	excelDigits bool
	workbook    bool // MapperOptions.Workbook
}

type compiled struct {
	*Spec
	cols  []int
	where string         // «столбец "СНИЛС"» or where a constant comes from
	store storer         // a model field's converter
	extra extraConverter // an extra path's converter
}

type compiledKey struct {
	KeyPart
	col int
}

// MapperOptions tune a Mapper.
type MapperOptions struct {
	Now      func() time.Time // the clock for "not in the future"; default time.Now
	Date1904 bool             // the workbook uses the 1904 date system
	SavedBy  string           // the program that saved the workbook ("Microsoft Excel"); "" when unknown or a CSV
	// Workbook: the rows come from a workbook, whose text cells were typed
	// as text; a CSV's text is what a spreadsheet showed, numbers included.
	Workbook bool
}

// ENPRepair reports whether the Mapper computes again the check digit of
// a 16-digit polis number that lost it to Excel, and why (for the log; it
// holds no personal data). The mapping's enp_repair decides: excel and
// never say so; auto (the default) trusts the workbook's own word that
// Microsoft Excel saved it, and never a CSV, which holds the text a
// spreadsheet showed.
func (mp *Mapper) ENPRepair() (on bool, why string) {
	switch {
	case mp.m.ENPRepair == "excel":
		return true, "the mapping says enp_repair: excel"
	case mp.m.ENPRepair == "never":
		return false, "the mapping says enp_repair: never"
	case mp.excelDigits:
		return true, "the workbook says Microsoft Excel saved it"
	}
	return false, "the file does not say Microsoft Excel saved it (enp_repair: auto)"
}

// Compile resolves the mapping's columns against a header. It fails, naming
// the mapping file's line, when a column is missing or a required field is
// not mapped, so that nothing is sent from a mapping that cannot work.
func Compile(m *Mapping, h Header, o MapperOptions) (*Mapper, error) {
	mp := &Mapper{m: m, width: len(h.Titles), now: o.Now, date1904: o.Date1904, separate: map[string]bool{}}
	mp.excelDigits = m.ENPRepair == "excel" || m.ENPRepair != "never" && reader.SavedByExcel(o.SavedBy)
	mp.workbook = o.Workbook
	if mp.now == nil {
		mp.now = time.Now
	}
	index := make(map[string][]int, len(h.Titles))
	for i, t := range h.Titles {
		if k := foldKey(t); k != "" {
			index[k] = append(index[k], i)
		}
	}
	find := func(title string, line int) (int, error) {
		switch at := index[foldKey(title)]; len(at) {
		case 0:
			return 0, &LineError{File: m.File, Line: line, Msg: fmt.Sprintf("column %q is not in the header (row %d); the header has: %s", title, h.Line, quoteList(h.Titles))}
		case 1:
			return at[0], nil
		default:
			// Two «Телефон» columns may hold different numbers: taking
			// either one silently could send the wrong one.
			cols := make([]string, len(at))
			for j, i := range at {
				letter, _ := excelize.ColumnNumberToName(i + 1)
				cols[j] = fmt.Sprintf("%s (№%d, %q)", letter, i+1, h.Titles[i])
			}
			return 0, &LineError{File: m.File, Line: line, Msg: fmt.Sprintf("column %q is in the header (row %d) %d times: %s; rename all but one of them in the file, so that the mapping can tell them apart", title, h.Line, len(at), strings.Join(cols, ", "))}
		}
	}
	for _, s := range m.Fields {
		if s.Field == nil && strings.ContainsFunc(s.Path, unicode.IsControl) {
			// It would become a JSON key МИП is sent.
			return nil, &LineError{File: m.File, Line: s.Line, Msg: fmt.Sprintf("extra path %q holds control characters", s.Path)}
		}
		c := compiled{Spec: s}
		if s.Field != nil {
			c.store = storers[s.Field.Type]
		} else if c.extra = extraConverters[s.Type]; c.extra == nil {
			c.extra = extraConverters[TypeText] // an extra path is text unless it says otherwise
		}
		for _, title := range s.Columns {
			i, err := find(title, s.Line)
			if err != nil {
				return nil, err
			}
			c.cols = append(c.cols, i)
		}
		if len(s.Columns) > 0 {
			c.where = fmt.Sprintf("столбец \"%s\"", strings.Join(s.Columns, "\", \""))
			if len(s.Columns) > 1 {
				c.where = fmt.Sprintf("столбцы \"%s\"", strings.Join(s.Columns, "\", \""))
			}
		} else {
			c.where = fmt.Sprintf("значение из файла сопоставления, строка %d", s.Line)
		}
		mp.specs = append(mp.specs, c)
		mp.separate[s.Path] = true
	}
	for _, k := range m.Key {
		ck := compiledKey{KeyPart: k, col: -1}
		if k.Field == nil {
			i, err := find(k.Column, k.Line)
			if err != nil && len(index[foldKey(k.Column)]) > 1 {
				return nil, err
			}
			if err != nil {
				return nil, &LineError{File: m.File, Line: k.Line, Msg: fmt.Sprintf("key part %q is neither a field nor a column of the header; the header has: %s", k.Column, quoteList(h.Titles))}
			}
			ck.col = i
		} else if !mp.mapped(k.Field.Path) {
			return nil, &LineError{File: m.File, Line: k.Line, Msg: fmt.Sprintf("key part %q is a field the mapping does not fill", k.Field.Path)}
		}
		mp.key = append(mp.key, ck)
	}
	for _, f := range fields {
		if f.Required && !mp.mapped(f.Path) {
			return nil, &LineError{File: m.File, Line: 1, Msg: fmt.Sprintf("required field %q (%s) is not mapped: МИП refuses a card without it", f.Path, f.Title)}
		}
	}
	return mp, nil
}

// mapped reports whether the mapping fills the field, directly or through a
// composite cell.
func (mp *Mapper) mapped(path string) bool {
	if mp.separate[path] {
		return true
	}
	switch path {
	case "family", "name", "patronymic":
		return mp.separate["fio"]
	case "bloodType", "rh":
		return mp.separate["blood"]
	case "polis.type.code", "polis.type.name":
		return mp.separate["polis.number"] // inferred from the number
	}
	return false
}

// quoteList lists the header's titles for an error message, unless some
// look like a patient's data (a date, a СНИЛС, a number: 4 digits or more):
// then header_row most likely points at a data row, and the message, which
// may end up in a cron mail or a log, must not carry it.
func quoteList(titles []string) string {
	for _, t := range titles {
		digits := 0
		for _, r := range t {
			if '0' <= r && r <= '9' {
				digits++
			}
		}
		if digits >= 4 {
			return "(not listed: some look like a patient's data rather than column titles; is header_row the header?)"
		}
	}
	var b strings.Builder
	n := 0
	for _, t := range titles {
		if strings.TrimSpace(t) == "" {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", t)
		n++
	}
	return b.String()
}

// Width is the number of header columns.
func (mp *Mapper) Width() int { return mp.width }

// rowState collects one row's messages.
type rowState struct {
	msgs    []string
	invalid bool
	failed  []string // paths whose value failed a check, so "required" is not said twice
	// Where the identity document's series and number came from: their
	// check runs on the whole record (finish).
	docSeries, docNumber convert.Cell
}

func (r *rowState) hasFailed(paths ...string) bool {
	for _, p := range paths {
		if slices.Contains(r.failed, p) {
			return true
		}
	}
	return false
}

func (r *rowState) fail(title, msg, where string) {
	r.invalid = true
	r.msgs = append(r.msgs, fmt.Sprintf("%s: %s (%s)", title, msg, where))
}

func (r *rowState) warn(title, msg, where string) {
	r.msgs = append(r.msgs, fmt.Sprintf("%s%s: %s (%s)", WarnPrefix, title, msg, where))
}

// Map converts and checks one data row whose cells are all text (a CSV's).
// It never fails: every problem is a message on the record, and a row with
// an error is marked Invalid.
func (mp *Mapper) Map(line int, cells []string) Record {
	return mp.MapCells(line, cells, nil)
}

// MapCells is Map for a row whose cells the reader tells apart: kinds[i]
// says what cell i held (reader.CellKinds), nil or short meaning text. A
// number cell's value may have lost leading zeros, or an ЕНП its 16th
// digit; text is what the clerk typed or a spreadsheet showed.
func (mp *Mapper) MapCells(line int, cells []string, kinds []reader.Kind) Record {
	if len(cells) < mp.width {
		padded := make([]string, mp.width)
		copy(padded, cells)
		cells = padded
	}
	rec := Record{Line: line, Cells: cells}
	var st rowState
	if extra := cells[mp.width:]; !isBlank(extra) {
		st.warn("Строка", fmt.Sprintf("значений больше, чем столбцов в заголовке (%d вместо %d); лишние не используются", len(cells), mp.width), "за последним столбцом")
		rec.Cells = cells[:mp.width:mp.width]
	}
	// A formula's error value (#N/A) in a key column would make every such
	// row the same patient.
	for _, k := range mp.key {
		if k.col >= 0 {
			if v, bad := convert.ExcelError(cells[k.col]); bad {
				st.fail("Ключ", convert.ErrExcelError(v).Error(), fmt.Sprintf("столбец \"%s\"", k.Column))
			}
		}
	}
	p := &mip.Patient{}
	// The specs that filled a field, in order: the last one for a path
	// says where its value came from. On the stack for usual mappings.
	var fillBuf, defaultBuf [48]int32
	filled, defaults := fillBuf[:0], defaultBuf[:0]
	for i := range mp.specs {
		c := &mp.specs[i]
		if v, bad := mp.excelError(c, cells); bad {
			// Not data at all, whatever the field: refused before any converter.
			st.fail(c.title(), convert.ErrExcelError(v).Error(), c.where)
			st.failed = append(st.failed, c.Path)
			continue
		}
		raw, cell := mp.raw(c, cells, kinds)
		if raw == "" {
			if c.Default != "" {
				defaults = append(defaults, int32(i))
			}
			continue
		}
		filled = append(filled, int32(i))
		mp.apply(p, c, raw, cell, &st, false)
	}
	// Defaults fill only what nothing else filled: an empty «Отчество»
	// column must not overwrite the patronymic taken from the ФИО cell.
	for _, i := range defaults {
		c := &mp.specs[i]
		if c.Field == nil || c.Field.get == nil || c.Field.get(p) == "" {
			filled = append(filled, i)
			mp.apply(p, c, c.Default, convert.Cell{}, &st, true)
		}
	}
	mp.finish(p, filled, &st)
	rec.Messages = st.msgs
	if st.invalid {
		rec.Invalid = true
		return rec
	}
	rec.Patient = p
	rec.Key, rec.KeyShown, rec.Messages = mp.keyOf(p, cells, rec.Messages)
	return rec
}

// title is the field's name in messages: its Russian title, or the path
// of an extra field.
func (c *compiled) title() string {
	if c.Field != nil {
		return c.Field.Title
	}
	return c.Path
}

// excelError returns the first error value (#N/A, …) among the spec's cells.
func (mp *Mapper) excelError(c *compiled, cells []string) (string, bool) {
	for _, i := range c.cols {
		if v, bad := convert.ExcelError(cells[i]); bad {
			return v, true
		}
	}
	return "", false
}

// raw returns the text the spec takes from the row — the constant, or the
// trimmed cells joined, then the code map applied — and where it came
// from: a single number cell keeps its origin, anything else is text.
func (mp *Mapper) raw(c *compiled, cells []string, kinds []reader.Kind) (string, convert.Cell) {
	var raw string
	var cell convert.Cell
	switch len(c.cols) {
	case 0:
		raw = c.Value
	case 1:
		i := c.cols[0]
		raw = strings.TrimSpace(cells[i])
		cell.Number = i < len(kinds) && kinds[i] == reader.KindNumber
		// Excel zeroed a 16th digit in a number cell; a CSV's digits are a
		// number's too when the mapping says Excel wrote the file. A
		// workbook's text cell holds what was typed.
		cell.ExcelDigits = mp.excelDigits && (cell.Number || !mp.workbook)
	default:
		parts := make([]string, 0, len(c.cols))
		for _, i := range c.cols {
			if v := strings.TrimSpace(cells[i]); v != "" {
				parts = append(parts, v)
			}
		}
		raw = strings.Join(parts, c.Separator)
	}
	if c.Map != nil {
		if v, ok := c.Map[foldKey(raw)]; ok {
			raw, cell.Number = v, false
		}
	}
	return raw, cell
}

// apply converts raw by the spec's type and stores it in p. A default is
// the mapping author's agreed filler, so it is not taken for a placeholder.
func (mp *Mapper) apply(p *mip.Patient, c *compiled, raw string, cell convert.Cell, st *rowState, isDefault bool) {
	title := c.title()
	var warn string
	var err error
	if c.Field != nil {
		warn, err = c.store(mp, c, p, raw, cell, isDefault)
		switch c.Path {
		case "identityDocument.series":
			st.docSeries = cell
		case "identityDocument.number":
			st.docNumber = cell
		}
	} else {
		var v any
		if v, warn, err = c.extra(raw, c, mp.serials(c)); err == nil && v != nil {
			if p.Extra == nil {
				p.Extra = map[string]any{}
			}
			p.Extra[c.Path] = v
		}
	}
	if warn != "" {
		st.warn(title, warn, c.where)
	}
	switch {
	case err == nil:
	case c.Warn:
		st.warn(title, err.Error(), c.where)
	default:
		st.fail(title, err.Error(), c.where)
		st.failed = append(st.failed, c.Path)
	}
}

// serials says how a date spec reads a bare number: as an Excel serial day
// number in the workbook's date system when the mapping says the column
// holds them (excel_serial), else not at all.
func (mp *Mapper) serials(c *compiled) convert.Serials {
	switch {
	case !c.ExcelSerial:
		return convert.NoSerials
	case mp.date1904:
		return convert.Serials1904
	}
	return convert.Serials1900
}

// A storer converts a cell's text by its field's type, with the function
// of package convert for that type, and stores the value in the patient
// when it converts. The warning and the error go to the row's messages; a
// spec marked warn: turns the error into a warning, and some types then
// keep the cell as written.
type storer func(mp *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, isDefault bool) (warn string, err error)

// storers dispatches the fields by type; Compile picks each spec's entry
// once, so a row costs no lookup.
var storers = map[Type]storer{
	TypeText:        storeText,
	TypeRefCode:     storeText,
	TypeName:        storeName,
	TypeFIO:         storeFIO,
	TypeDate:        storeDate,
	TypeGender:      storeGender,
	TypeCode:        storeCode,
	TypeBool:        storeBool,
	TypeBlood:       storeBlood,
	TypeSnils:       storeSNILS,
	TypePhone:       storePhone,
	TypeEmail:       storeEmail,
	TypePolisNumber: storePolisNumber,
	TypeSMO:         storeSMO,
}

func storeText(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	c.Field.setText(p, convert.Collapse(raw))
	return "", nil
}

func storeName(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, isDefault bool) (string, error) {
	f := c.Field
	if f.Path == "patronymic" && !isDefault && convert.IsNoPatronymic(raw) {
		return "", nil // a placeholder is an absent patronymic; the required check reports it
	}
	if isDefault {
		f.setText(p, convert.Collapse(raw))
		return "", nil
	}
	v, err := convert.Name(raw)
	if err == nil {
		f.setText(p, v)
	} else if c.Warn {
		f.setText(p, convert.Collapse(raw))
	}
	return "", err
}

func storeFIO(_ *Mapper, _ *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	fam, name, pat, warn, err := convert.FIO(raw)
	if err != nil {
		return warn, err
	}
	if convert.IsNoPatronymic(pat) {
		pat = ""
	}
	// Applied before the name columns (registry order), so a separately
	// mapped column with a value overrides its part.
	p.Family, p.Name, p.Patronymic = fam, name, pat
	return warn, nil
}

func storeDate(mp *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, warn, err := convert.Date(raw, c.Layouts, mp.serials(c))
	if err == nil {
		c.Field.setDate(p, v)
	}
	return warn, err
}

func storeGender(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, err := convert.Gender(raw)
	if err == nil {
		c.Field.setCode(p, v)
	}
	return "", err
}

func storeCode(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, err := convert.Code(raw)
	if err == nil {
		c.Field.setCode(p, v)
	}
	return "", err
}

func storeBool(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, err := convert.Bool(raw)
	if err == nil && v != nil {
		c.Field.setBool(p, *v)
	}
	return "", err
}

func storeBlood(_ *Mapper, _ *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	group, rh, err := convert.Blood(raw)
	if err != nil {
		return "", err
	}
	var warn string
	if group == 0 {
		warn = "группа не распознана, поле не отправляется"
	} else {
		p.BloodType = mip.Code(group)
	}
	if rh != nil {
		p.RH = ptr(*rh)
	}
	return warn, nil
}

// keepRaw stores the cell as written when its check failed and the spec
// says warn: (the clerk chose to send such values).
func keepRaw(c *compiled, p *mip.Patient, raw string, err error) {
	if err != nil && c.Warn {
		c.Field.setText(p, raw)
	}
}

func storeSNILS(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, warn, err := convert.SNILS(raw, cell)
	if err == nil && v != "" {
		c.Field.setText(p, v)
	}
	keepRaw(c, p, raw, err)
	return warn, err
}

func storePhone(mp *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, warn, err := convert.Phone(raw, mp.m.PhoneFormat, cell)
	if err == nil {
		c.Field.setText(p, v)
	}
	keepRaw(c, p, raw, err)
	return warn, err
}

func storeEmail(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, err := convert.Email(raw)
	if err == nil {
		c.Field.setText(p, v)
	}
	keepRaw(c, p, raw, err)
	return "", err
}

func storePolisNumber(mp *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	code := typeCode(getPolis(p).Type)
	if code == "" && getPolis(p).Series != "" {
		// A series means an old-style polis: a 16-digit number with a
		// series must not be "repaired" as if it were an ЕНП.
		code = convert.InferPolisType(getPolis(p).Series, raw)
	}
	v, warn, err := convert.PolisNumber(raw, code, cell)
	if err == nil {
		c.Field.setText(p, v)
	}
	keepRaw(c, p, raw, err)
	return warn, err
}

func storeSMO(_ *Mapper, c *compiled, p *mip.Patient, raw string, cell convert.Cell, _ bool) (string, error) {
	v, warn, err := convert.SMO(raw, cell)
	if err == nil && v != "" {
		c.Field.setText(p, v) // what is neither an ОГРН nor a code is left out, with the warning
	}
	return warn, err
}

// An extraConverter converts a cell's text for an extra path (a field the
// model does not list) by the type the mapping declares for it; a nil value
// without an error is an empty cell's (nothing is stored).
type extraConverter func(raw string, c *compiled, serials convert.Serials) (v any, warn string, err error)

// extraConverters dispatches the extra paths by their declared type.
var extraConverters = map[Type]extraConverter{
	TypeText: func(raw string, _ *compiled, _ convert.Serials) (any, string, error) {
		return convert.Collapse(raw), "", nil
	},
	TypeDate: func(raw string, c *compiled, serials convert.Serials) (any, string, error) {
		d, warn, err := convert.Date(raw, c.Layouts, serials)
		if err != nil {
			return nil, warn, err
		}
		return d.String(), warn, nil
	},
	TypeCode: func(raw string, _ *compiled, _ convert.Serials) (any, string, error) {
		n, err := convert.Code(raw)
		if err != nil {
			return nil, "", err
		}
		return int(n), "", nil
	},
	TypeBool: func(raw string, _ *compiled, _ convert.Serials) (any, string, error) {
		b, err := convert.Bool(raw)
		if err != nil || b == nil {
			return nil, "", err
		}
		return *b, "", nil
	},
}

// finish fills what is derived from several fields and checks the record
// as a whole: required fields, dates not in the future, document shapes.
func (mp *Mapper) finish(p *mip.Patient, filled []int32, st *rowState) {
	where := func(paths ...string) string {
		for _, path := range paths {
			for k := len(filled) - 1; k >= 0; k-- {
				if c := &mp.specs[filled[k]]; c.Path == path {
					return c.where
				}
			}
		}
		for _, path := range paths {
			for i := range mp.specs {
				if mp.specs[i].Path == path {
					return mp.specs[i].where
				}
			}
		}
		return "поле не сопоставлено"
	}
	if p.Polis != nil {
		t := polisType(p)
		if t.Code == "" && p.Polis.Number != "" {
			t.Code = convert.InferPolisType(p.Polis.Series, p.Polis.Number)
		}
		if t.Name == "" {
			t.Name = convert.PolisTypeName(t.Code)
		}
		if *t == (mip.CodeName{}) {
			p.Polis.Type = nil
		}
	}
	if d := p.IdentityDocument; d != nil && d.Type != nil && d.Type.Code != "" {
		series, number, warn, err := convert.Document(d.Type.Code, d.Series, d.Number, st.docSeries, st.docNumber)
		w := where("identityDocument.number", "identityDocument.series")
		if warn != "" {
			st.warn("Документ", warn, w)
		}
		if err != nil {
			st.fail("Документ", err.Error(), w)
		} else {
			d.Series, d.Number = series, number
		}
		if d.Type.Name == "" {
			d.Type.Name = convert.DocumentTypeName(d.Type.Code)
		}
	}
	today := mip.DateOf(mp.now())
	for _, chk := range []struct {
		path string
		d    mip.Date
	}{
		{"birthday", p.Birthday},
		{"identityDocument.date", getDoc(p).Date},
		{"attachment.date", getAtt(p).Date},
	} {
		if err := convert.NotFuture(chk.d, today); err != nil {
			st.fail(FieldByPath(chk.path).Title, err.Error(), where(chk.path))
		}
	}
	for _, f := range fields {
		if !f.Required || f.get(p) != "" {
			continue
		}
		paths := []string{f.Path}
		switch f.Path {
		case "family", "name", "patronymic":
			paths = append(paths, "fio")
		case "polis.number":
			paths = append(paths, "polis.type.code")
		}
		if !st.hasFailed(paths...) {
			st.fail(f.Title, "не заполнено обязательное поле", where(paths...))
		}
	}
}

// keyOf builds the row's key from the key parts: as matched (a column's
// value folded, so that «A-1003» and «a-1003» are one patient; a field's
// value as converted, so that «112-233-445 95» and «11223344595» are) and
// as shown (a column's value as the clerk typed it). A row missing a part
// has no key and is warned about, because МИП will assign its GUID and a
// re-run could create a second card.
func (mp *Mapper) keyOf(p *mip.Patient, cells []string, msgs []string) (string, string, []string) {
	if len(mp.key) == 0 {
		return "", "", msgs
	}
	parts := make([]string, 0, len(mp.key))
	shown := make([]string, 0, len(mp.key))
	for _, k := range mp.key {
		var v, typed string
		if k.Field != nil {
			v = k.Field.get(p)
			typed = v
		} else {
			v = foldKey(cells[k.col])
			typed = convert.Collapse(cells[k.col])
		}
		if v == "" {
			name := k.Column
			if k.Field != nil {
				name = k.Field.Title
			}
			return "", "", append(msgs, fmt.Sprintf("%sКлюч: нет значения «%s» — строка отправлена без постоянного GUID, повторный запуск может создать вторую карту", WarnPrefix, name))
		}
		parts = append(parts, v)
		shown = append(shown, typed)
	}
	return strings.Join(parts, "|"), strings.Join(shown, "|"), msgs
}
