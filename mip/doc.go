// Package mip is the contract of the regional medical platform's (МИП)
// POST /patients API: the Patient model we send, the answer МИП returns, and a
// Client that sends one patient with authentication, timeouts and retries.
//
// It imports nothing else of this project but its own package pace (the
// adaptive limit on requests in flight the Client may hold to), so that the
// importer, the mapping and the mock server (package mipmock) all share one
// definition of the wire format. JSON is camelCase on the way out, as in the
// API page's example; the answer is decoded whether МИП uses PascalCase or
// camelCase keys.
package mip
