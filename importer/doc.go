// Package importer runs an import: it takes mapped rows from a Source,
// sends the valid ones to МИП through a bounded errgroup pool, and hands one
// Result per row, in input order, to the Sinks (the reports).
//
// It defines the small interfaces it needs (Source, Sender, Sink) and imports
// neither the mapping nor the report packages: the command wires them in.
package importer
