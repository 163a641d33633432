package importer

import (
	"context"

	"mipimport/mip"
)

// Source yields mapped rows in input order. Next returns io.EOF after the
// last row; any other error stops the run (the input cannot be read).
type Source interface {
	Next(ctx context.Context) (Item, error)
}

// Sender sends one patient to МИП. On failure the error is a *mip.Error.
type Sender interface {
	Send(ctx context.Context, p *mip.Patient) (mip.Reply, error)
}

// Sink receives every row's Result exactly once, in input order, from a
// single goroutine. An error from Write stops the run.
type Sink interface {
	Write(r Result) error
}
