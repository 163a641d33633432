package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
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
	var sheet, output string
	var headerRow int
	initCmd := &cobra.Command{
		Use:   "init INPUT",
		Short: "Print a mapping file guessed from the input's header row",
		Args:  oneInput,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkInput(args[0]); err != nil {
				return err
			}
			h, sh, err := mapping.ReadHeader(args[0], reader.ReadOptions{Sheet: sheet}, headerRow)
			if err != nil {
				return failSay(err, "%s", sayInput(args[0], err))
			}
			g := mapping.GuessMapping(h)
			var buf bytes.Buffer
			if err := mapping.WriteGuess(&buf, args[0], sh, h, g); err != nil {
				return fatal("%w", err)
			}
			if output == "" {
				if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
					return fatal("%w", err)
				}
			} else if err := writeNew(output, buf.Bytes()); err != nil {
				return err
			}
			if len(g.Missing) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "Обязательных полей без столбца: %d — они перечислены в начале файла сопоставления; впишите в него названия своих столбцов.\n", len(g.Missing))
			}
			return nil
		},
	}
	initCmd.Flags().StringVar(&sheet, "sheet", "", "xlsx sheet to read (default: the first visible sheet)")
	initCmd.Flags().IntVar(&headerRow, "header-row", 0, "row number of the header (default: found automatically)")
	initCmd.Flags().StringVarP(&output, "output", "o", "", "write the mapping to this new file (UTF-8) instead of stdout; PowerShell 5's > would write UTF-16")
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

// writeNew writes b to a file that must not exist yet: a mapping the clerk
// has edited is not overwritten by a fresh guess.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return failSay(err, "файл %s уже есть — его не перезаписываю: укажите другое имя или удалите его", path)
	}
	if err != nil {
		return failSay(err, "не удалось создать %s: %s", path, sayOutput(err))
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return failSay(err, "не удалось записать %s", path)
	}
	if err := f.Close(); err != nil {
		return failSay(err, "не удалось записать %s", path)
	}
	return nil
}
