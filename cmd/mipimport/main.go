// Command mipimport moves patient lists from spreadsheets into МИП through
// its POST /patients API and writes a result spreadsheet saying, row by row,
// what happened. This package only wires flags to the packages.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "mipimport",
		Short:         "Import patient lists from spreadsheets into МИП (POST /patients)",
		Version:       fmt.Sprintf("%s (commit %s, built %s)", version, commit, date),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newImportCmd(), newMappingCmd(), newHistoryCmd())
	// A wrong flag: cobra's English sentence goes to the log line, the
	// usage and a Russian line follow it.
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		e := usageError(cmd, "неверный параметр командной строки (какой — в строке ERROR выше); список параметров: %s --help", cmd.CommandPath())
		e.(*exitError).err = err
		return e
	})
	return root
}

func main() {
	setMemoryLimit()
	restore := setupConsole()
	code := endWith(os.Stderr, newRoot().Execute())
	restore()
	os.Exit(code)
}
