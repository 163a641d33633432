package mapping

import (
	"fmt"
	"io"
	"strings"
)

// WriteReference writes the table of mappable fields, from the same list
// the parser and the validation use, as Markdown or as plain text.
func WriteReference(w io.Writer, markdown bool) error {
	var b strings.Builder
	if markdown {
		b.WriteString("| field | type | required by МИП | title in messages | header titles recognised | description |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
	}
	for _, f := range fields {
		req := ""
		if f.Required {
			req = "yes"
		}
		if markdown {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Path, f.Type, req, f.Title,
				strings.Join(f.Headers, ", "), strings.ReplaceAll(f.Doc, "|", "\\|"))
			continue
		}
		fmt.Fprintf(&b, "%-28s %-13s %-3s %s\n", f.Path, f.Type, map[bool]string{true: "req", false: ""}[f.Required], f.Doc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
