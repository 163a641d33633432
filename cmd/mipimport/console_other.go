//go:build !windows

package main

// setupConsole has nothing to do where terminals take UTF-8 as it comes.
func setupConsole() (restore func()) { return func() {} }
