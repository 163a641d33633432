// Package mapping turns spreadsheet rows into МИП patients. It applies the
// mapping file (which column feeds which Patient field and how it
// converts) to the rows of a table, and validates each patient locally so
// that a row МИП would refuse is reported with a Russian reason naming its
// column instead of being sent.
//
// The work is split three ways: package reader reads the input (.xlsx,
// .csv, .xls/.ods through LibreOffice; streaming) and knows nothing of
// patients; package convert turns one cell's text into a МИП value; this
// package holds the mapping file, the fields, the mapper that dispatches
// each field to its converter, guessing a mapping from a header (`mipimport
// mapping init`), the mapping reference, and Source, which wires a reader
// to a mapper. Imports point one way: mapping → {reader, convert} → mip.
//
// The list of mappable fields (fields.go) is the single source of truth: it
// drives the mapping-file parser, the validation of required fields,
// `mipimport mapping init` and the mapping reference.
package mapping
