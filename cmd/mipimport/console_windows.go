//go:build windows

package main

import "golang.org/x/sys/windows"

const cpUTF8 = 65001

// setupConsole makes the console show UTF-8. A Windows console shows a
// program's bytes in its output code page, 866 or 1251 on a Russian system,
// which turns UTF-8 Russian into mojibake; Windows 10 and later show UTF-8
// once the code page is 65001. The code page belongs to the console, not to
// the process, so the returned func puts the old one back for the programs
// run after this one. Without a console (output to a file, a scheduled
// task) the calls fail and nothing changes: the bytes go out as UTF-8.
//
// The progress line draws with carriage returns and spaces only, so it
// needs no virtual terminal mode.
func setupConsole() (restore func()) {
	old, err := windows.GetConsoleOutputCP()
	if err != nil || old == cpUTF8 {
		return func() {}
	}
	if windows.SetConsoleOutputCP(cpUTF8) != nil {
		return func() {}
	}
	return func() { _ = windows.SetConsoleOutputCP(old) }
}
