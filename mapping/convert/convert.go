// Package convert turns the text of one spreadsheet cell into the value
// МИП is sent: a СНИЛС as XXX-XXX-XXX YY, a date, a phone as +7XXXXXXXXXX,
// a polis number checked by its type, and so on. One function per field
// type (Name, FIO, Date, Gender, Code, Bool, Blood, SNILS, Phone, Email,
// PolisNumber, SMO, and Collapse for plain text), plus the checks that need
// several fields (Document, NotFuture). The mapping package dispatches the
// fields to these functions by type.
//
// Conventions of every converter:
//   - the input is the cell text exactly as the reader produced it; it may
//     carry non-breaking spaces, tabs, typographic dashes, or come from a
//     numeric cell ("101998900", "5.07E+15", "1,23456789012345E+15");
//   - empty input (after trimming) means "absent": zero value, no warning,
//     no error;
//   - a warning is a Russian sentence for the clerk; the value is still used;
//   - an error is a *ValueError with a short Russian message that names
//     neither the field nor the column (the mapper adds both);
//   - no converter panics, whatever the input (the Fuzz targets hold them
//     to it).
//
// The functions are pure: no state, no I/O. They import only the МИП
// value types (package mip).
package convert
