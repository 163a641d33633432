package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"mipimport/mapping"
	"mipimport/mapping/reader"
)

func newMappingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Work with mapping files (which column feeds which patient field)",
	}
	var sheet string
	var headerRow int
	initCmd := &cobra.Command{
		Use:   "init INPUT",
		Short: "Print a mapping file guessed from the input's header row",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := mapping.Propose(args[0], reader.ReadOptions{Sheet: sheet}, headerRow)
			if err != nil {
				return fatal("%w", err)
			}
			g := p.Guess
			if err := mapping.WriteGuess(cmd.OutOrStdout(), args[0], p.Sheet, p.Pinned, g); err != nil {
				return fatal("%w", err)
			}
			if p.Pinned {
				fmt.Fprintf(os.Stderr, "mipimport: the first sheet %q holds no patient list; read sheet %q instead and named it in the mapping (sheet:)\n", p.First, p.Sheet)
			}
			if len(g.Missing) > 0 {
				fmt.Fprintf(os.Stderr, "mipimport: %d required field(s) matched no column; see the top of the mapping\n", len(g.Missing))
			}
			return nil
		},
	}
	initCmd.Flags().StringVar(&sheet, "sheet", "", "xlsx sheet to read (default: the first visible sheet)")
	initCmd.Flags().IntVar(&headerRow, "header-row", 0, "row number of the header (default: found automatically)")
	var markdown bool
	fieldsCmd := &cobra.Command{
		Use:   "fields",
		Short: "List every mappable patient field: its type, whether МИП requires it, what it accepts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return mapping.WriteReference(cmd.OutOrStdout(), markdown)
		},
	}
	fieldsCmd.Flags().BoolVar(&markdown, "markdown", false, "print a Markdown table")
	cmd.AddCommand(initCmd, fieldsCmd)
	return cmd
}
