package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mipimport/importer"
	"mipimport/importer/state"
	"mipimport/report"
)

// newHistoryCmd is the auditor's view of the state file: what was sent
// when, and what МИП answered.
func newHistoryCmd() *cobra.Command {
	var stateFile string
	var limit int
	open := func() (*state.Store, error) {
		s, err := state.Open(stateFile, state.Options{ReadOnly: true})
		if err != nil {
			return nil, fatal("%w", err)
		}
		return s, nil
	}
	// openRun opens the state and finds the run named on the command line.
	openRun := func(arg string) (*state.Store, state.RunRecord, error) {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return nil, state.RunRecord{}, fatal("run ID %q is not a number", arg)
		}
		s, err := open()
		if err != nil {
			return nil, state.RunRecord{}, err
		}
		r, err := s.RunByID(id)
		if err != nil {
			s.Close()
			return nil, state.RunRecord{}, fatal("%w", err)
		}
		return s, r, nil
	}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the import runs recorded in the state file (the audit trail)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			runs, err := s.Runs(limit)
			if err != nil {
				return fatal("%w", err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTARTED\tDURATION\tINPUT\tOUTCOMES")
			for _, r := range runs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Start.Local().Format("2006-01-02 15:04:05"), duration(r), r.Input, outcomes(r))
			}
			return tw.Flush()
		},
	}
	cmd.PersistentFlags().StringVar(&stateFile, "state", state.DefaultPath(), "state file")
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs to list, newest first (0 = all)")

	runCmd := &cobra.Command{
		Use:   "run ID",
		Short: "Show one run: settings, counts, and its rows that did not end uploaded or unchanged",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, r, err := openRun(args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			id := r.ID
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "run %d\nstarted   %s\nduration  %s\ntarget    %s\ninput     %s\nsha256    %s\ndry run   %v\nsettings  %s\noutcomes  %s\n",
				r.ID, r.Start.Local().Format(time.RFC3339), duration(r), r.Target, r.Input, r.InputHash, r.DryRun, r.Settings, outcomes(r))
			if r.Aborted != "" {
				fmt.Fprintf(w, "aborted   %s\n", r.Aborted)
			}
			if !r.Pruned.IsZero() {
				fmt.Fprintf(w, "rows      deleted by history prune on %s\n", r.Pruned.Local().Format(time.RFC3339))
				return nil
			}
			rows, err := s.RunRows(id, true)
			if err != nil {
				return fatal("%w", err)
			}
			if len(rows) > 0 {
				fmt.Fprintln(w)
				printAttempts(w, rows)
			}
			return nil
		},
	}
	keyCmd := &cobra.Command{
		Use:   "key KEY",
		Short: "List every attempt recorded for a patient key, oldest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			rows, err := s.Attempts(args[0])
			if err != nil {
				return fatal("%w", err)
			}
			if len(rows) == 0 {
				return fatal("no attempt recorded for key %q (give it as the file has it, or as the mapping builds it: a СНИЛС as XXX-XXX-XXX YY)", args[0])
			}
			printAttempts(cmd.OutOrStdout(), rows)
			return nil
		},
	}
	var output string
	var all bool
	exportCmd := &cobra.Command{
		Use:   "export ID",
		Short: "Write a run's rejected rows (or all with --all) as a spreadsheet for the auditor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, r, err := openRun(args[0])
			if err != nil {
				return err
			}
			defer s.Close()
			id := r.ID
			if !r.Pruned.IsZero() {
				return fatal("the rows of run %d were deleted by history prune on %s; its counts remain (history run %d)",
					id, r.Pruned.Local().Format(time.RFC3339), id)
			}
			rows, err := s.RunRows(id, !all)
			if err != nil {
				return fatal("%w", err)
			}
			if output == "" {
				output = fmt.Sprintf("run-%d.xlsx", id)
			}
			// The state keeps no personal data, so the sheet shows keys,
			// statuses and messages; the run's own report has the rows.
			x, err := report.NewXLSX(output, []string{"Ключ"}, report.Meta{Input: r.Input, URL: r.Target, DryRun: r.DryRun, Version: version})
			if err != nil {
				return fatal("%w", err)
			}
			sum := importer.Summary{Start: r.Start, End: r.End, Counts: map[importer.Outcome]int{}}
			for _, a := range rows {
				res := importer.Result{Row: a.Row, Key: a.Key, Outcome: a.Outcome, MkabStatus: a.MkabStatus,
					AttachmentStatus: a.AttachmentStatus, PersonGUID: a.PersonGUID, MkabGUID: a.MkabGUID,
					AttachmentGUID: a.AttachmentGUID, Messages: a.Messages, HTTPStatus: a.HTTPStatus,
					Attempts: a.Attempts, Cells: []string{a.Key}}
				if err := x.Write(res); err != nil {
					x.Close(sum)
					return fatal("%w", err)
				}
				sum.Counts[a.Outcome]++
				sum.Rows++
			}
			if err := x.Close(sum); err != nil {
				return fatal("%w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d rows of run %d written to %s\n", len(rows), id, output)
			return nil
		},
	}
	exportCmd.Flags().StringVarP(&output, "output", "o", "", "spreadsheet to write (default run-ID.xlsx)")
	exportCmd.Flags().BoolVar(&all, "all", false, "every row of the run, not only the rejected ones")
	var keepDays int
	var vacuum, waitLock bool
	pruneCmd := &cobra.Command{
		Use:   "prune --keep-days N",
		Short: "Delete the row-by-row trail of runs older than N days (keeps what re-runs need and each run's counts)",
		Long: `Delete the attempts (one per input row per run) of the runs that started more than
--keep-days days ago, so that a nightly job's state file stops growing. What makes
re-runs safe stays: per key the GUIDs and the hash of the last payload. Each run's
record stays too (input, its SHA-256, settings, counts), marked as pruned. The space
freed is reused by later runs; --vacuum also shrinks the file now (it rewrites it,
needing as much free disk as the file's size). Takes the state's lock, like an import.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keepDays < 0 {
				return fatal("--keep-days must be 0 or more")
			}
			s, err := state.Open(stateFile, state.Options{Wait: waitLock, OnWait: func(pid int) {
				fmt.Fprintf(cmd.ErrOrStderr(), "waiting for the mipimport run with PID %d to release the state file\n", pid)
			}})
			if err != nil {
				return fatal("%w", err)
			}
			defer s.Close()
			before := time.Now().AddDate(0, 0, -keepDays)
			res, err := s.Prune(before, vacuum)
			if err != nil {
				return fatal("%w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d rows of %d run(s) started before %s\n",
				res.Attempts, res.Runs, before.Local().Format("2006-01-02 15:04"))
			return nil
		},
	}
	pruneCmd.Flags().IntVar(&keepDays, "keep-days", 0, "keep the rows of runs started in the last N days; 0 deletes them all (required)")
	_ = pruneCmd.MarkFlagRequired("keep-days")
	pruneCmd.Flags().BoolVar(&vacuum, "vacuum", false, "shrink the file afterwards")
	pruneCmd.Flags().BoolVar(&waitLock, "wait-lock", false, "wait for a running import to release the state file")
	cmd.AddCommand(runCmd, keyCmd, exportCmd, pruneCmd)
	return cmd
}

func duration(r state.RunRecord) string {
	if !r.Finished() {
		return "unfinished"
	}
	return r.End.Sub(r.Start).Round(time.Millisecond).String()
}

func outcomes(r state.RunRecord) string {
	var parts []string
	for _, o := range importer.Outcomes {
		if n := r.Counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o, n))
		}
	}
	if r.DryRun {
		parts = append(parts, "(dry run)")
	}
	if !r.Pruned.IsZero() {
		parts = append(parts, "(rows pruned)")
	}
	return strings.Join(parts, ", ")
}

func printAttempts(w io.Writer, rows []state.Attempt) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tTIME\tROW\tKEY\tOUTCOME\tMKAB\tHTTP\tMESSAGES")
	for _, a := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n", a.RunID, a.Time.Local().Format("2006-01-02 15:04:05"),
			a.Row, a.Key, a.Outcome, a.MkabStatus, a.HTTPStatus, strings.Join(a.Messages, " | "))
	}
	tw.Flush()
}
