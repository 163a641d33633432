// Package mapping turns spreadsheet rows into МИП patients. It reads the
// input (.xlsx, .csv; streaming), applies the mapping file (which column
// feeds which Patient field and how it converts), and validates each patient
// locally so that a row МИП would refuse is reported with a Russian reason
// naming its column instead of being sent.
//
// The list of mappable fields (fields.go) is the single source of truth: it
// drives the mapping-file parser, the validation of required fields,
// `mipimport mapping init` and the mapping reference.
package mapping
