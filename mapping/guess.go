package mapping

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Guessing a mapping from a header (`mipimport mapping init`, and `import`
// without --mapping). Every column title and every dictionary entry of
// fields.go is reduced to words (words.go); each (column, field) pair gets
// a score from how well the field's best entry explains the column's
// words; the best pairs are taken one to one. Then the rules no score can
// express: no ФИО when the three name parts have columns of their own, a
// lone «Серия»/«Номер» only beside other document columns, an attachment
// only when МИП can take it, and the key.

// minScore is the least score of a (column, field) pair that is proposed.
const minScore = 50

// entry is one header title of a field's dictionary, reduced to words.
type entry struct {
	f       *Field
	words   []string
	generic bool // a lone generic word («Серия», «Номер»): counts only beside the field's siblings
}

// genericWords are entries too general to name a field on their own.
var genericWords = map[string]bool{"сер": true, "номер": true, "тип": true, "вид": true, "код": true, "дат": true}

// entries are every field's dictionary titles, in field order.
var entries = func() []entry {
	var out []entry
	for _, f := range fields {
		for _, h := range f.Headers {
			w := analyse(h).words
			if len(w) == 0 {
				continue
			}
			out = append(out, entry{f: f, words: w, generic: len(w) == 1 && genericWords[w[0]]})
		}
	}
	return out
}()

// score says how well entry words h name a column whose own title has the
// words own under a group title with the words group: every word of h must
// be in the column's words or its group's, and h must explain some of the
// column's own words. All of them explained: 100; some: 50 plus up to 40 by
// the share explained. Each group word h uses adds 5, so that «Номер» under
// «Полис ОМС» is the polis number rather than a document's.
func score(own, group, h []string, implicit bool) int {
	covered := 0
	fromGroup := 0
	for _, w := range h {
		switch {
		case slices.Contains(own, w):
			covered++
		case slices.Contains(group, w):
			fromGroup++
		default:
			return 0
		}
	}
	if covered == 0 {
		return 0
	}
	extra := 0
	for _, w := range own {
		if !slices.Contains(h, w) {
			extra++
		}
	}
	s := 100
	if extra > 0 {
		s = 50 + 40*covered/len(own)
	}
	if implicit {
		return s
	}
	return s + 5*fromGroup
}

// column is a header column as the matcher sees it.
type column struct {
	index int
	title string     // as the mapping names it
	own   titleWords // its own title (under a group: the lower cell)
	group []string   // the words of the group title above it, if any
	// implicit: group is not a title above the column but the title of the
	// column before it, for a column titled only «Серия», «Номер», «Тип»
	// («Тип полиса | Серия | Номер»); it helps, but wins no bonus.
	implicit bool
}

func columnsOf(h Header) []column {
	cols := make([]column, len(h.Titles))
	for i, t := range h.Titles {
		c := column{index: i, title: t, own: analyse(t)}
		if i < len(h.Groups) && h.Groups[i] != "" {
			c.own = analyse(h.Own[i])
			c.group = analyse(h.Groups[i]).words
		}
		cols[i] = c
	}
	for i := range cols {
		c := &cols[i]
		if len(c.group) > 0 || c.own.own > 0 || !allGeneric(c.own.words) {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if w := cols[j].own.words; len(w) > 0 && !allGeneric(w) && !cols[j].own.rowNumber {
				c.group = append(slices.Clone(w), cols[j].group...)
				c.implicit = true
				break
			}
		}
	}
	return cols
}

// allGeneric reports whether every word is a generic one («Серия», «Номер»).
func allGeneric(words []string) bool {
	for _, w := range words {
		if !genericWords[w] {
			return false
		}
	}
	return len(words) > 0
}

// fieldScore returns the best score of field f for column c, and whether it
// came from a generic entry.
func fieldScore(c column, f *Field) (int, bool) {
	if c.own.rowNumber || len(c.own.words) == 0 {
		return 0, false
	}
	if c.own.ident && (f.Type == TypeName || f.Type == TypeFIO) {
		return 0, false // «Код пациента», «ИД» are never a name
	}
	best, generic := 0, false
	for _, e := range entries {
		if e.f != f {
			continue
		}
		s := score(c.own.words, c.group, e.words, c.implicit)
		if e.generic {
			s-- // a field named by a generic word yields to one its context names
		}
		if s > best || (s == best && generic && !e.generic) {
			best, generic = s, e.generic && (len(c.group) == 0 || c.implicit)
		}
	}
	return best, generic
}

// GuessField returns the field a column title names on its own (no group
// title, no other columns), or nil.
func GuessField(title string) *Field {
	c := column{title: title, own: analyse(title)}
	var best *Field
	bestScore := minScore - 1
	for _, f := range fields {
		if s, _ := fieldScore(c, f); s > bestScore {
			best, bestScore = f, s
		}
	}
	return best
}

// knownTitle reports whether a cell reads as a column title: it names a
// field or is the patient's own identifier. Header detection counts them.
func knownTitle(title string) bool {
	if GuessField(title) != nil {
		return true
	}
	return analyse(title).own > 0
}

// knownUnder reports whether a cell names a field under a group title
// («Номер» under «Полис ОМС»): the field's words must explain the cell's own.
func knownUnder(group, title string) bool {
	c := column{title: title, own: analyse(title), group: analyse(group).words}
	for _, f := range fields {
		if s, _ := fieldScore(c, f); s >= minScore {
			return true
		}
	}
	return false
}

// Match is a field proposed for a column.
type Match struct {
	Field *Field
	Col   int    // 0-based column
	Title string // the column's title, as the mapping names it
}

// Guess is a mapping proposed from a header row.
type Guess struct {
	Header Header
	// Fields are the proposed fields, in column order.
	Fields []Match
	// Off are fields a column matched that are written commented out, with
	// OffWhy: an attachment МИП would refuse for lack of what the file
	// does not hold; Ask lists what the clerk must give to send it.
	Off    []Match
	OffWhy string
	Ask    []*Field
	// Missing are the required fields nothing matched.
	Missing []*Field
	// KeyColumn is the column proposed as the key (-1 when the key is a
	// field or there is none); KeyField the field otherwise; KeyWhy says why.
	KeyColumn int
	KeyField  *Field
	KeyWhy    string
	// Unmatched are the columns no field claimed; RowNumber marks those that
	// number the rows.
	Unmatched []int
	RowNumber map[int]bool
}

// Matched returns the column title mapped to the field path, or "".
func (g Guess) Matched(path string) string {
	for _, m := range g.Fields {
		if m.Field.Path == path {
			return m.Title
		}
	}
	return ""
}

// Key returns the proposed key parts as the mapping writes them.
func (g Guess) Key() []string {
	switch {
	case g.KeyColumn >= 0:
		return []string{g.Header.Titles[g.KeyColumn]}
	case g.KeyField != nil:
		return []string{g.KeyField.Path}
	}
	return nil
}

// requiredGroups are what МИП requires of every card that a file can hold:
// the name (ФИО or family and name), the birthday, the polis, the phone.
// A sheet of patients names most of them.
func (g Guess) requiredGroups() int {
	has := func(p string) bool { return g.Matched(p) != "" }
	n := 0
	if has("fio") || (has("family") && has("name")) {
		n++
	}
	for _, p := range []string{"birthday", "polis.number", "phone"} {
		if has(p) {
			n++
		}
	}
	return n
}

// allRequiredGroups is requiredGroups when every group is there.
const allRequiredGroups = 4

// pair is a column with a field it may feed, and the score.
type pair struct {
	col     int
	f       int // index in fields
	score   int
	generic bool
}

// GuessMapping proposes a field for each header column it recognises.
func GuessMapping(h Header) Guess {
	g := Guess{Header: h, KeyColumn: -1, RowNumber: map[int]bool{}}
	cols := columnsOf(h)
	var pairs []pair
	for _, c := range cols {
		if strings.TrimSpace(c.title) == "" {
			continue
		}
		if c.own.rowNumber {
			g.RowNumber[c.index] = true
		}
		for fi, f := range fields {
			if s, generic := fieldScore(c, f); s >= minScore {
				pairs = append(pairs, pair{c.index, fi, s, generic})
			}
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int {
		return cmp.Or(b.score-a.score, a.col-b.col, a.f-b.f)
	})
	byCol := map[int]pair{}
	byField := map[int]pair{}
	for _, p := range pairs {
		if _, taken := byCol[p.col]; taken {
			continue
		}
		if _, taken := byField[p.f]; taken {
			continue
		}
		byCol[p.col], byField[p.f] = p, p
	}
	drop := func(path string) {
		for fi, p := range byField {
			if fields[fi].Path == path {
				delete(byField, fi)
				delete(byCol, p.col)
			}
		}
	}
	has := func(path string) bool {
		for fi := range byField {
			if fields[fi].Path == path {
				return true
			}
		}
		return false
	}
	// The three name parts in columns of their own make the ФИО column
	// redundant: it would only be overridden part by part.
	if has("family") && has("name") && has("patronymic") {
		drop("fio")
	}
	// A lone «Серия» or «Номер» is a document's only beside another column of
	// the same object (a document type, the other of the two).
	for fi, p := range byField {
		if !p.generic {
			continue
		}
		prefix := groupPrefix(fields[fi].Path)
		sibling := false
		for fj := range byField {
			if fj != fi && groupPrefix(fields[fj].Path) == prefix {
				sibling = true
			}
		}
		if !sibling {
			drop(fields[fi].Path)
		}
	}
	var matches []Match
	for col, p := range byCol {
		matches = append(matches, Match{Field: fields[p.f], Col: col, Title: h.Titles[col]})
	}
	slices.SortFunc(matches, func(a, b Match) int { return a.Col - b.Col })
	g.Fields = matches
	g.attachment()
	for _, c := range cols {
		if strings.TrimSpace(c.title) == "" {
			continue
		}
		if _, ok := byCol[c.index]; !ok {
			g.Unmatched = append(g.Unmatched, c.index)
		}
	}
	for _, f := range fields {
		if !f.Required || g.Matched(f.Path) != "" {
			continue
		}
		if (f.Path == "family" || f.Path == "name" || f.Path == "patronymic") && g.Matched("fio") != "" {
			continue
		}
		g.Missing = append(g.Missing, f)
	}
	g.key(cols, byCol)
	return g
}

// groupPrefix is the object a field belongs to: "identityDocument" for
// "identityDocument.number", "" for a top-level field.
func groupPrefix(path string) string {
	if i := strings.IndexByte(path, '.'); i > 0 {
		return path[:i]
	}
	return ""
}

// attachment keeps the attachment fields only when МИП can take an
// attachment from them: МИП refuses one without attachment.mcod,
// attachment.date and attachment.method (see package mipmock), so a file
// with «Участок» alone would end every row «Загружен без прикрепления».
// Otherwise the matched attachment fields are written commented out, with
// what is missing, for the clerk to give as constants if the attachment
// must be sent.
func (g *Guess) attachment() {
	var att, rest []Match
	for _, m := range g.Fields {
		if strings.HasPrefix(m.Field.Path, "attachment.") {
			att = append(att, m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(att) == 0 {
		return
	}
	var missing []*Field
	for _, p := range []string{"attachment.mcod", "attachment.date", "attachment.method"} {
		if !slices.ContainsFunc(att, func(m Match) bool { return m.Field.Path == p }) {
			missing = append(missing, FieldByPath(p))
		}
	}
	if len(missing) == 0 {
		return
	}
	g.Fields, g.Off, g.Ask = rest, att, missing
	names := make([]string, len(missing))
	for i, f := range missing {
		names[i] = fmt.Sprintf("%s (%s)", f.Path, f.Title)
	}
	list := strings.Join(names, " and ")
	if len(names) > 2 {
		list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	g.OffWhy = "МИП refuses an attachment without " + list + ", and the file has no column for " + map[bool]string{false: "it", true: "them"}[len(missing) > 1]
}

// key proposes the key: the patient's own identifier in the МИС when a
// column holds one (it stays with the patient across exports, while a
// polis number can be mistyped, or reused by mistake for another row),
// else the polis number (МИП requires it, so every valid row has one),
// else the СНИЛС.
func (g *Guess) key(cols []column, byCol map[int]pair) {
	best := -1
	for _, c := range cols {
		if _, mapped := byCol[c.index]; mapped || c.own.own == 0 {
			continue
		}
		if best < 0 || c.own.own < cols[best].own.own {
			best = c.index
		}
	}
	switch {
	case best >= 0:
		g.KeyColumn = best
		what := "the patient's own identifier"
		if cols[best].own.own == 2 {
			what = "the number of the patient's card"
		}
		g.KeyWhy = fmt.Sprintf("The column %s is %s in the МИС: it stays with the patient from one\n"+
			"# export to the next, while a polis number can be mistyped or given to another row by mistake.", quoteTitle(g.Header.Titles[best]), what)
	case g.Matched("polis.number") != "":
		g.KeyField = FieldByPath("polis.number")
		g.KeyWhy = "No column holds the patient's own ID in the МИС, so the key is the polis number:\n" +
			"# МИП requires it, so every valid row has one. If the МИС can export the patient's\n" +
			"# ID (ИД пациента, номер карты), add that column and make it the key instead."
	case g.Matched("snils") != "":
		g.KeyField = FieldByPath("snils")
		g.KeyWhy = "No column holds the patient's own ID in the МИС and no polis column was recognised,\n" +
			"# so the key is the СНИЛС; a row without one gets no stable GUID."
	}
}

// todoHint says what a TODO line of the field asks for.
func todoHint(f *Field) string {
	switch f.Path {
	case "mcod":
		return "МКОД: the code (F003) of the clinic where the cards live, e.g. \"770001\""
	case "attachment.mcod":
		return "МО прикрепления: the code (F003) of the clinic the patients are attached to"
	case "attachment.method":
		return "Способ прикрепления: 1 by territory (place of residence), 2 by the patient's application"
	case "attachment.date":
		return "Дата прикрепления: dd.mm.yyyy, the same for every row, or a column"
	}
	return f.Title
}

// wrapComment breaks a long comment text into lines of about 80 characters;
// every line after the first starts with prefix.
func wrapComment(text, prefix string) string {
	var b strings.Builder
	n := 40 // the text follows a lead-in on its first line
	for i, w := range strings.Fields(text) {
		if i > 0 && n+1+len([]rune(w)) > 80 {
			b.WriteString("\n" + prefix)
			n = len(prefix)
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len([]rune(w))
	}
	return b.String()
}

// quoteTitle writes a column title in «» for a comment: on one line, with
// anything YAML would not take in a comment (invalid UTF-8, control
// characters) shown as «?».
func quoteTitle(t string) string { return "«" + commentText(t) + "»" }

// commentText is t made fit for a one-line YAML comment.
func commentText(t string) string {
	t = strings.Join(strings.Fields(strings.ToValidUTF8(t, "?")), " ")
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, t)
}

// WriteGuess writes a complete, commented mapping file for the guess. sheet
// is the sheet read; pinned says the sheet was chosen among several and is
// written as a setting (not as a comment).
func WriteGuess(w io.Writer, input, sheet string, pinned bool, g Guess) error {
	h := g.Header
	var b strings.Builder
	fmt.Fprintf(&b, "# mipimport mapping file, guessed from %s", commentText(input))
	if sheet != "" {
		fmt.Fprintf(&b, " (sheet %q)", sheet)
	}
	if h.GroupLine > 0 {
		fmt.Fprintf(&b, ", header in rows %d–%d (group titles above the column titles).\n", h.GroupLine, h.Line)
	} else {
		fmt.Fprintf(&b, ", header in row %d.\n", h.Line)
	}
	b.WriteString("# Check every line, then try it: mipimport import --dry-run --mapping THIS_FILE INPUT\n")
	b.WriteString("# Field reference: mipimport mapping fields\n")
	if len(g.Missing) > 0 {
		b.WriteString("#\n# !!! Required fields that no column matched — map them or МИП refuses every card:\n")
		for _, f := range g.Missing {
			fmt.Fprintf(&b, "# !!!   %s (%s)\n", f.Path, f.Title)
		}
	}
	b.WriteString("\nversion: 1\n")
	if pinned {
		fmt.Fprintf(&b, "# The first sheet has no patient list; the patients are on this one.\nsheet: %s\n", yamlQuote(sheet))
	} else {
		b.WriteString("# The header is found below any title rows; pin the sheet or the header row\n# only if needed (a to-fix file has its header in row 1 of «Лист1»).\n")
		if sheet != "" {
			fmt.Fprintf(&b, "# sheet: %s\n", yamlQuote(sheet))
		}
	}
	if h.GroupLine > 0 {
		fmt.Fprintf(&b, "# header_row: %d   # the column titles; the group titles above them are in row %d\n", h.Line, h.GroupLine)
	} else if !pinned {
		fmt.Fprintf(&b, "# header_row: %d\n", h.Line)
	}
	b.WriteString("\n# The key identifies a patient across runs: a re-run updates the same card\n# instead of creating a second one. Use what does not change for a person.\n")
	if key := g.Key(); len(key) > 0 {
		fmt.Fprintf(&b, "# %s\n", g.KeyWhy)
		if g.KeyColumn >= 0 {
			fmt.Fprintf(&b, "key: [%s]\n", yamlQuote(key[0]))
		} else {
			fmt.Fprintf(&b, "key: [%s]\n", key[0])
		}
	} else {
		b.WriteString("# key: [snils]   # no patient ID, polis or СНИЛС column was recognised: set the key yourself\n")
	}
	b.WriteString("\nfields:\n")
	for _, m := range g.Fields {
		fmt.Fprintf(&b, "  %s: %s   # %s\n", m.Field.Path, yamlQuote(m.Title), m.Field.Title)
	}
	if len(g.Missing) > 0 {
		b.WriteString("  # TODO: remove the \"# \" and write the value between the quotes (the same for\n  # every row), or name a column instead: {column: \"…\"}\n")
	}
	for _, f := range g.Missing {
		fmt.Fprintf(&b, "  # %s: {value: \"\"}   # TODO %s\n", f.Path, todoHint(f))
	}
	if len(g.Off) > 0 {
		b.WriteString("\n  # The attachment (прикрепление) is not sent: " + wrapComment(g.OffWhy+".", "  # ") + "\n")
		b.WriteString("  # To send it, remove the \"# \" of these lines and fill in what is missing:\n")
		for _, f := range g.Ask {
			fmt.Fprintf(&b, "  # %s: {value: \"\"}   # TODO %s\n", f.Path, todoHint(f))
		}
		for _, m := range g.Off {
			fmt.Fprintf(&b, "  # %s: %s   # %s\n", m.Field.Path, yamlQuote(m.Title), m.Field.Title)
		}
	}
	var unmatched []string
	for _, i := range g.Unmatched {
		switch {
		case i == g.KeyColumn:
		case g.RowNumber[i]:
			unmatched = append(unmatched, yamlQuote(h.Titles[i])+"   (numbers the rows)")
		default:
			unmatched = append(unmatched, yamlQuote(h.Titles[i]))
		}
	}
	if len(unmatched) > 0 {
		b.WriteString("\n# Columns not mapped to any field (map them above, or under extra: for any other JSON path):\n")
		for _, t := range unmatched {
			fmt.Fprintf(&b, "#   %s\n", t)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// yamlQuote quotes a scalar for YAML in double quotes; strconv.Quote's
// escapes are valid in YAML double-quoted strings for printable text.
func yamlQuote(s string) string { return strconv.Quote(s) }
