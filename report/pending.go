package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// pendingFile is a file that appears under its final name only when it is
// complete: the content goes to a hidden temporary file in the same
// directory (same file system, so the rename is atomic) with mode 0600, and
// commit renames it over the target.
type pendingFile struct {
	path string
	tmp  *os.File
}

// createPending creates the temporary file now, so that an unwritable
// directory is reported before the run, not after it.
func createPending(path string) (*pendingFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp opens with O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &pendingFile{path: path, tmp: tmp}, nil
}

// commit writes the content with write, then renames the temporary file
// over the target. The renamed file keeps the temporary file's mode, so a
// target that existed with looser permissions ends up 0600 too. On failure
// the temporary file is removed and the target is left as it was.
func (p *pendingFile) commit(write func(*os.File) error) (err error) {
	defer func() {
		if err != nil {
			p.discard()
		}
	}()
	if err = write(p.tmp); err != nil {
		return err
	}
	// CreateTemp's 0600 is subject to umask, which can only take bits away;
	// say it explicitly anyway so the final mode never depends on it.
	if err = p.tmp.Chmod(0o600); err != nil {
		return err
	}
	if err = p.tmp.Sync(); err != nil {
		return err
	}
	if err = p.tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(p.tmp.Name(), p.path); err != nil {
		return fmt.Errorf("rename %s: %w", p.tmp.Name(), err)
	}
	return nil
}

// discard removes the temporary file; the target is not touched.
func (p *pendingFile) discard() {
	_ = p.tmp.Close()
	_ = os.Remove(p.tmp.Name())
}

// tmpDir is the target's directory, for other temporary files.
func (p *pendingFile) tmpDir() string {
	return filepath.Dir(p.path)
}
