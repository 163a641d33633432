package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mipimport/mapping"
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
		Args:  oneInput,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkInput(args[0]); err != nil {
				return err
			}
			h, sh, err := mapping.ReadHeader(args[0], mapping.ReadOptions{Sheet: sheet}, headerRow)
			if err != nil {
				return failSay(err, "%s", sayInput(args[0], err))
			}
			g := mapping.GuessMapping(h)
			if err := mapping.WriteGuess(cmd.OutOrStdout(), args[0], sh, h, g); err != nil {
				return fatal("%w", err)
			}
			if len(g.Missing) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "Обязательных полей без столбца: %d — они перечислены в начале файла сопоставления; впишите в него названия своих столбцов.\n", len(g.Missing))
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
