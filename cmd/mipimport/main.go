// Command mipimport moves patient lists from spreadsheets into МИП through
// its POST /patients API and writes a result spreadsheet saying, row by row,
// what happened. This package only wires flags to the packages.
package main

import (
	"errors"
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

// exitError carries the process exit code with a message for the user.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// fatal wraps a user-facing error that means "nothing could be done" (exit 2).
func fatal(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	setMemoryLimit()
	root := &cobra.Command{
		Use:           "mipimport",
		Short:         "Import patient lists from spreadsheets into МИП (POST /patients)",
		Version:       fmt.Sprintf("%s (commit %s, built %s)", version, commit, date),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newImportCmd(), newMappingCmd(), newHistoryCmd())
	err := root.Execute()
	if err == nil {
		return
	}
	code := 2
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ee == nil || ee.err != nil {
		fmt.Fprintln(os.Stderr, "mipimport:", err)
	}
	os.Exit(code)
}
