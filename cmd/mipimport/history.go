package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mipimport/importer"
	"mipimport/importer/state"
	"mipimport/mip"
	"mipimport/report"
)

// newHistoryCmd is the auditor's view of the state file: what was sent
// when, and what МИП answered.
func newHistoryCmd() *cobra.Command {
	var stateFile string
	var limit int
	open := func() (*state.Store, error) {
		s, err := state.Open(stateFile, state.Options{ReadOnly: true})
		if errors.Is(err, fs.ErrNotExist) {
			return nil, failSay(err, "файл состояния не найден: %s (в него ещё не писал ни один запуск import; другой файл указывается через --state)", stateFile)
		}
		if err != nil {
			return nil, failSay(err, "не удалось прочитать файл состояния %s (подробности — в строке журнала выше)", stateFile)
		}
		return s, nil
	}
	// openRun opens the state and finds the run named on the command line.
	openRun := func(arg string) (*state.Store, state.RunRecord, error) {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return nil, state.RunRecord{}, failSay(fmt.Errorf("run ID %q is not a number", arg),
				"номер запуска «%s» — не число; номера запусков показывает mipimport history", arg)
		}
		s, err := open()
		if err != nil {
			return nil, state.RunRecord{}, err
		}
		r, err := s.RunByID(id)
		if errors.Is(err, state.ErrNotFound) {
			s.Close()
			return nil, state.RunRecord{}, failSay(err, "запуска %d нет в файле состояния %s; номера запусков показывает mipimport history", id, stateFile)
		}
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
				return failSay(fmt.Errorf("no attempt recorded for key %q (give it as the file has it, or as the mapping builds it: a СНИЛС as XXX-XXX-XXX YY)", args[0]),
					"по ключу «%s» не записано ни одной попытки (укажите ключ так, как он записан в файле, или так, как его строит сопоставление: СНИЛС — как XXX-XXX-XXX YY)", args[0])
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
				return failSay(nil, "строки запуска %d удалены командой history prune %s; его итоги по-прежнему показывает mipimport history run %d",
					id, r.Pruned.Local().Format("02.01.2006 15:04"), id)
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
			totals, err := runTotals(s, r)
			if err != nil {
				return fatal("%w", err)
			}
			x, err := report.NewXLSX(output, []string{"Ключ"}, exportMeta(r, totals, !all))
			if err != nil {
				return failSay(err, "%s", sayOutput(err))
			}
			for _, a := range rows {
				res := importer.Result{Row: a.Row, Key: a.Key, Outcome: a.Outcome, MkabStatus: a.MkabStatus,
					AttachmentStatus: a.AttachmentStatus, PersonGUID: a.PersonGUID, MkabGUID: a.MkabGUID,
					AttachmentGUID: a.AttachmentGUID, Messages: a.Messages, HTTPStatus: a.HTTPStatus,
					Attempts: a.Attempts, Cells: []string{a.Key}}
				if err := x.Write(res); err != nil {
					x.Close(exportSummary(r, rows))
					return fatal("%w", err)
				}
			}
			if err := x.Close(exportSummary(r, rows)); err != nil {
				return failSay(err, "%s", sayOutput(err))
			}
			w := cmd.OutOrStdout()
			if all {
				fmt.Fprintf(w, "Строк запуска %d: %d — записаны в %s\n", id, len(rows), output)
			} else {
				fmt.Fprintf(w, "Строк запуска %d, не загруженных в МИП: %d из %d — записаны в %s (все строки: --all)\n",
					id, len(rows), total(totals), output)
			}
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
				return failSay(nil, "--keep-days должно быть 0 или больше")
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

// exportMeta describes a past run for its exported summary: the whole
// run's counts (totals), whichever of its rows the sheet lists, and the
// settings the run recorded — the sheet and the mapping it used (runs of
// versions before these were recorded show the --sheet and --mapping
// given, blank for the defaults), its concurrency, rate and version.
func exportMeta(r state.RunRecord, totals map[importer.Outcome]int, onlyToFix bool) report.Meta {
	var set runSettings
	_ = json.Unmarshal([]byte(r.Settings), &set) // a run without settings shows blanks
	url := r.Target
	if url == "dry-run" {
		url = ""
	}
	m := report.Meta{
		Input: r.Input, Sheet: set.Sheet, Mapping: mappingLabel(set.Mapping), URL: url,
		Concurrency: set.Concurrency, Rate: set.Rate, DryRun: r.DryRun, Version: set.Version,
		Totals: totals, OnlyToFix: onlyToFix,
	}
	if set.ConcurrencyAuto {
		m.ConcurrencyAuto = func() (int, int) { return 0, 0 } // the limit it came to is not kept
	}
	return m
}

// runTotals are a run's rows per outcome: as it recorded them when it
// finished, else (killed) as its rows in the state say.
func runTotals(s *state.Store, r state.RunRecord) (map[importer.Outcome]int, error) {
	if r.Counts != nil {
		return r.Counts, nil
	}
	rows, err := s.RunRows(r.ID, false)
	if err != nil {
		return nil, err
	}
	totals := map[importer.Outcome]int{}
	for _, a := range rows {
		totals[a.Outcome]++
	}
	return totals, nil
}

// exportSummary is a past run's summary: its times and requests, the
// counts of the rows listed, and why it stopped early, in Russian.
func exportSummary(r state.RunRecord, rows []state.Attempt) importer.Summary {
	sum := importer.Summary{Start: r.Start, End: r.End, Counts: map[importer.Outcome]int{}, Requests: r.Requests, Rows: len(rows)}
	for _, a := range rows {
		sum.Counts[a.Outcome]++
	}
	if r.Aborted != "" {
		cause := recordedAbort(r.Aborted)
		var set runSettings
		_ = json.Unmarshal([]byte(r.Settings), &set)
		d, _ := time.ParseDuration(set.MaxDuration)
		sum.Aborted = ruAbort{say: abortSay(cause, importFlags{url: r.Target, maxDuration: d}), cause: cause}
	}
	return sum
}

func total(counts map[importer.Outcome]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// httpStatusIn finds "HTTP 401" in a recorded abort reason.
var httpStatusIn = regexp.MustCompile(`HTTP (\d{3})`)

// recordedAbort turns the abort reason a run recorded (the English error
// text) back into an error of its kind, for abortSay. The texts are this
// program's own sentinels, which lead the recorded reason.
func recordedAbort(text string) error {
	switch {
	case strings.HasPrefix(text, mip.ErrUnauthorized.Error()):
		e := &mip.Error{Kind: mip.FailAuth}
		if m := httpStatusIn.FindStringSubmatch(text); m != nil {
			e.HTTPStatus, _ = strconv.Atoi(m[1])
		}
		return e
	case strings.HasPrefix(text, mip.ErrUnreachable.Error()):
		return fmt.Errorf("%w: %s", mip.ErrUnreachable, strings.TrimPrefix(text, mip.ErrUnreachable.Error()))
	case strings.HasPrefix(text, errInterrupted.Error()):
		return errInterrupted
	case strings.Contains(text, "--max-duration"):
		return fmt.Errorf("%s: %w", text, context.DeadlineExceeded)
	}
	return errors.New(text)
}
