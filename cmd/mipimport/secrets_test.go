package main

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mipimport/mapping/convert"
	"mipimport/mapping/reader"
	"mipimport/mip/mipmock"
)

// fileText returns a file's text; for an xlsx, the text of every part.
func fileText(t *testing.T, path string) string {
	t.Helper()
	if strings.HasSuffix(path, ".xlsx") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var b strings.Builder
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(&b, rc)
			rc.Close()
		}
		return b.String()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// samplePersonalData returns the names and СНИЛС of the bundled sample,
// as written and as the tool normalises them.
func samplePersonalData(t *testing.T) []string {
	t.Helper()
	tb, err := reader.Open("../../samples/patients.csv", reader.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	var out []string
	for {
		line, cells, err := tb.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if line <= 3 || len(cells) < 5 {
			continue
		}
		for _, part := range strings.Fields(cells[1]) {
			if len([]rune(part)) > 3 {
				out = append(out, part)
			}
		}
		if s := cells[4]; len(s) >= 9 {
			out = append(out, s)
			if n, _, err := convert.SNILS(s, convert.Cell{}); err == nil && n != "" {
				out = append(out, n)
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d personal values found in the sample", len(out))
	}
	return out
}

// The password appears in no output of a full run, and with debug logging
// the log holds no name and no СНИЛС of the input.
func TestNoSecretsOrPersonalDataInOutputs(t *testing.T) {
	const password = "Zx9-unique-Secret-Passw0rd"
	mock, url := startMock(t, mipmock.Config{User: "demo", Password: password, Rate5xx: 0.3, Seed: 3})
	_ = mock
	dir := t.TempDir()
	logFile := filepath.Join(dir, "run.log")
	r := run(t, url, password, "--mapping", "../../samples/mapping.yaml", "--retries", "8",
		"--log-level", "debug", "--log-file", logFile, "--log-format", "json", "../../samples/patients.xlsx")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	outputs := map[string]string{"stderr": r.stderr, "log": fileText(t, logFile), "results": fileText(t, r.results), "report": fileText(t, r.report)}
	if fix := filepath.Join(r.dir, "to-fix.xlsx"); fileExists(fix) {
		outputs["fix file"] = fileText(t, fix)
	}
	for name, text := range outputs {
		if strings.Contains(text, password) {
			t.Errorf("the password appears in the %s", name)
		}
	}
	log := outputs["log"]
	if !strings.Contains(log, `"row done"`) {
		t.Fatalf("debug logging is not on:\n%s", log)
	}
	for _, v := range samplePersonalData(t) {
		if strings.Contains(log, v) {
			t.Errorf("the log holds personal data %q", v)
		}
	}
	// The report, for people, does hold them: the check above can fail.
	if !strings.Contains(outputs["report"], "Иванов") {
		t.Fatal("the report lacks the names: the personal-data check is not looking at the right text")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestPasswordFileMustBePrivate(t *testing.T) {
	_, url := startMock(t, mipmock.Config{})
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("demo\n"), 0o644)
	cmd, stderr, _ := command(t, url, "", "--password-file", pw, "--mapping", "../../samples/mapping.yaml", "../../samples/patients.xlsx")
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "chmod 600") {
		t.Fatalf("a world-readable password file was accepted: %v\n%s", err, stderr)
	}
	os.Chmod(pw, 0o600)
	r := run(t, url, "", "--password-file", pw, "--mapping", "../../samples/mapping.yaml", "../../samples/patients.xlsx")
	if r.code != 1 {
		t.Fatalf("exit %d with a private password file\n%s", r.code, r.stderr)
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	cmd, stderr, _ := command(t, "http://mip.example.ru/api", "demo", "--mapping", "../../samples/mapping.yaml", "../../samples/patients.xlsx")
	err := cmd.Run()
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "https://") {
		t.Fatalf("plain http to a remote host: %v\n%s", err, stderr)
	}
}
