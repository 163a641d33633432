package reader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// convertTimeout bounds one LibreOffice conversion; a registry export of a
// few hundred thousand rows converts in well under a minute.
const convertTimeout = 10 * time.Minute

// office returns the LibreOffice command on the PATH, or "".
func office() string {
	for _, name := range []string{"libreoffice", "soffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// convertedTable is an xlsx converted from .xls or .ods in a temporary
// directory that is removed on Close.
type convertedTable struct {
	*xlsxTable
	dir         string
	convertedBy string // the LibreOffice binary, for the log
}

func (c *convertedTable) Close() error {
	return errors.Join(c.xlsxTable.Close(), os.RemoveAll(c.dir))
}

// openConverted converts an old binary .xls or an .ods to .xlsx with
// LibreOffice, when it is installed, and opens the result.
func openConverted(path string, o ReadOptions) (Table, error) {
	ext := strings.ToLower(filepath.Ext(path))
	bin := office()
	if bin == "" {
		return nil, fmt.Errorf("%s: %w: %s files are read through LibreOffice, which is not installed; install it (apt-get install libreoffice-calc) or save the file as .xlsx: `libreoffice --headless --convert-to xlsx %s`", path, ErrUnsupported, ext, filepath.Base(path))
	}
	if _, err := os.Stat(path); err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	dir, err := os.MkdirTemp(o.TmpDir, "mipimport-convert-")
	if err != nil {
		return nil, &ReadError{File: path, Err: err}
	}
	ctx, cancel := context.WithTimeout(context.Background(), convertTimeout)
	defer cancel()
	// A private profile directory: a LibreOffice already open on the
	// clerk's desktop would otherwise swallow the conversion.
	cmd := exec.CommandContext(ctx, bin, "--headless", "--norestore",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx", "--outdir", dir, path)
	out, err := cmd.CombinedOutput()
	target := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".xlsx")
	if _, statErr := os.Stat(target); err != nil || statErr != nil {
		os.RemoveAll(dir)
		msg := strings.TrimSpace(string(out))
		if err == nil {
			err = errors.New("LibreOffice produced no file")
		}
		return nil, &ReadError{File: path, Err: fmt.Errorf("converting %s to .xlsx with LibreOffice failed: %w %s", ext, err, msg)}
	}
	t, err := openXLSX(target, o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t.path = path // errors name the clerk's file, not the temporary one
	return &convertedTable{xlsxTable: t, dir: dir, convertedBy: bin}, nil
}
