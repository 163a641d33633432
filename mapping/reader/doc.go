// Package reader reads spreadsheets one row at a time: .xlsx/.xlsm with its
// own streaming XML reader (held to excelize's results by a differential
// test), .csv/.txt/.tsv in the encodings and delimiters Russian registries
// export, and .xls/.ods converted by LibreOffice when it is installed. A
// hostile or broken file ends in an error naming the file, sheet, row and
// column, within bounded memory (the zip limits in xlsx.go). Cells come as
// the file stores them, except that a number in a cell formatted as a date
// comes as the date it shows (dd.mm.yyyy; xlsx_style.go): so a bare number
// is never a date in disguise. CellKinds tells a number from text and
// SavedBy names the program that saved a workbook; what cells mean is the
// caller's business. The package imports nothing of mipimport.
package reader
