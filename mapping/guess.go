package mapping

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// GuessField returns the field whose header dictionary names the folded
// column title: an exact match first, else the longest dictionary entry the
// title contains («Номер полиса ОМС (ЕНП)» holds «номер полиса омс»).
func GuessField(folded string) *Field {
	if folded == "" {
		return nil
	}
	var best *Field
	bestLen := 0
	for _, f := range fields {
		for _, h := range f.Headers {
			if h == folded {
				return f
			}
			if len(h) >= 6 && len(h) > bestLen && strings.Contains(folded, h) {
				best, bestLen = f, len(h)
			}
		}
	}
	return best
}

// Guess is a mapping proposed from a header row.
type Guess struct {
	Matched   map[string]string // field path → column title
	Order     []string          // matched field paths in column order
	Unmatched []string          // column titles no field claimed
	Missing   []*Field          // required fields nothing matched
	Key       []string          // proposed key parts
	// AttachmentTODO lists attachment fields an attachment needs that no
	// column matched, when some other attachment column did.
	AttachmentTODO []string
}

// GuessMapping matches each header column to a field.
func GuessMapping(h Header) Guess {
	g := Guess{Matched: map[string]string{}}
	for _, title := range h.Titles {
		if strings.TrimSpace(title) == "" {
			continue
		}
		f := GuessField(foldKey(title))
		if f == nil || g.Matched[f.Path] != "" {
			g.Unmatched = append(g.Unmatched, title)
			continue
		}
		g.Matched[f.Path] = title
		g.Order = append(g.Order, f.Path)
	}
	has := func(p string) bool { return g.Matched[p] != "" }
	for _, f := range fields {
		if !f.Required || has(f.Path) {
			continue
		}
		if (f.Path == "family" || f.Path == "name" || f.Path == "patronymic") && has("fio") {
			continue
		}
		g.Missing = append(g.Missing, f)
	}
	// The polis number is required, so every valid row has it; a СНИЛС is
	// often missing (children), and a row without a key gets no stable GUID.
	switch {
	case has("polis.number"):
		g.Key = []string{"polis.number"}
	case has("snils"):
		g.Key = []string{"snils"}
	}
	for _, p := range g.Order {
		if strings.HasPrefix(p, "attachment.") {
			for _, need := range []string{"attachment.mcod", "attachment.method"} {
				if !has(need) {
					g.AttachmentTODO = append(g.AttachmentTODO, need)
				}
			}
			break
		}
	}
	return g
}

// WriteGuess writes a complete, commented mapping file for the guess.
func WriteGuess(w io.Writer, input, sheet string, h Header, g Guess) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# mipimport mapping file, guessed from %s", input)
	if sheet != "" {
		fmt.Fprintf(&b, " (sheet %q)", sheet)
	}
	fmt.Fprintf(&b, ", header in row %d.\n", h.Line)
	b.WriteString("# Check every line, then try it: mipimport import --dry-run --mapping THIS_FILE INPUT\n")
	b.WriteString("# Field reference: mipimport mapping fields\n")
	if len(g.Missing) > 0 {
		b.WriteString("#\n# !!! Required fields that no column matched — map them or МИП refuses every card:\n")
		for _, f := range g.Missing {
			fmt.Fprintf(&b, "# !!!   %s (%s)\n", f.Path, f.Title)
		}
	}
	b.WriteString("\nversion: 1\n")
	b.WriteString("# The header is found below any title rows; pin the sheet or the header row\n# only if needed (a to-fix file has its header in row 1 of «Лист1»).\n")
	if sheet != "" {
		fmt.Fprintf(&b, "# sheet: %s\n", yamlQuote(sheet))
	}
	fmt.Fprintf(&b, "# header_row: %d\n", h.Line)
	b.WriteString("\n# The key identifies a patient across runs: a re-run updates the same card\n# instead of creating a second one. Use what does not change for a person.\n")
	if len(g.Key) > 0 {
		fmt.Fprintf(&b, "key: [%s]\n", strings.Join(g.Key, ", "))
	} else {
		b.WriteString("# key: [snils]   # no СНИЛС or polis column was recognised: set the key yourself\n")
	}
	b.WriteString("\nfields:\n")
	for _, path := range g.Order {
		f := FieldByPath(path)
		fmt.Fprintf(&b, "  %s: %s", path, yamlQuote(g.Matched[path]))
		fmt.Fprintf(&b, "   # %s\n", f.Title)
	}
	for _, f := range g.Missing {
		fmt.Fprintf(&b, "  # %s: {value: \"\"}   # TODO %s: a column title or a constant value\n", f.Path, f.Title)
	}
	for _, p := range g.AttachmentTODO {
		fmt.Fprintf(&b, "  # %s: {value: \"\"}   # TODO %s: an attachment is refused without it\n", p, FieldByPath(p).Title)
	}
	if len(g.Unmatched) > 0 {
		b.WriteString("\n# Columns not mapped to any field (map them above, or under extra: for any other JSON path):\n")
		for _, t := range g.Unmatched {
			fmt.Fprintf(&b, "#   %s\n", yamlQuote(t))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// yamlQuote quotes a scalar for YAML in double quotes; strconv.Quote's
// escapes are valid in YAML double-quoted strings for printable text.
func yamlQuote(s string) string { return strconv.Quote(s) }
