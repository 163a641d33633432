// Package report renders the importer's per-row results: a JSON Lines file
// for machines (JSONL), a colour-coded spreadsheet with a summary sheet for
// people (XLSX), and a spreadsheet of the rows to fix in the input's own
// columns (FixFile). Each is an importer.Sink: it takes one Result at a time,
// in input order, from a single goroutine, and keeps memory flat in the
// number of rows: the report holds only its first rows, to fit the columns
// to them; the spreadsheets' rows go to temporary files beside the target
// (written by sheetRows in the bytes excelize's StreamWriter would write,
// and spliced into the sheets as excelize saves the workbook), and the
// workbooks are saved straight to disk rather than assembled in memory.
//
// The report is for a registry clerk, on screen and on paper: everything in
// it is Russian (МИП's statuses in words; the raw ones stay in the JSON
// Lines), rows are as high as their wrapped text, and the sheets are set up
// to print (see XLSX).
//
// Every file it creates has mode 0600: they hold personal data. The two
// spreadsheets are written to a hidden temporary file in the target's
// directory and renamed over the target at Close, so a crash never leaves a
// half-written workbook under the final name (it may leave ".NAME.tmp-*",
// ".mipimport-rows-*" and "excelize-*" files beside it). The JSON Lines
// file, by contrast, is written under its final name and flushed after
// every row, so that after a crash it still tells which rows were done; it
// carries no cell values, so personal data stays in the spreadsheets.
package report
