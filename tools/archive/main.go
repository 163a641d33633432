// Command archive packs a folder into a release archive, .zip or .tar.gz by
// the output's name, for `make dist`: the folder's name is the archive's
// top folder, entries are sorted and carry one time, and files named as
// executables (no extension, or .exe) get mode 0755, others 0644. So the
// same folder packs to the same bytes, and Windows needs no zip tool.
//
//	go run ./tools/archive -time 2026-12-07T21:30:00Z dist/mipimport-v1-linux-amd64 dist/mipimport-v1-linux-amd64.tar.gz
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	stamp := flag.String("time", "", "modification time of every entry, RFC 3339 (default: now)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: archive [-time T] DIR OUT.zip|OUT.tar.gz")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	mtime := time.Now().UTC().Truncate(time.Second)
	if *stamp != "" {
		t, err := time.Parse(time.RFC3339, *stamp)
		if err != nil {
			fail(err)
		}
		mtime = t.UTC()
	}
	if err := pack(flag.Arg(0), flag.Arg(1), mtime); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "archive:", err)
	os.Exit(1)
}

type entry struct {
	name string // slash-separated, under the top folder
	file string // on disk; "" for a folder
	mode fs.FileMode
	size int64
}

// entries lists dir's folders and files, sorted (WalkDir walks in lexical
// order), under dir's own name.
func entries(dir string) ([]entry, error) {
	top := filepath.Base(filepath.Clean(dir))
	var out []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := path.Join(top, filepath.ToSlash(rel))
		if d.IsDir() {
			out = append(out, entry{name: name + "/", mode: fs.ModeDir | 0o755})
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if ext := path.Ext(name); ext == "" || ext == ".exe" {
			mode = 0o755
		}
		out = append(out, entry{name: name, file: p, mode: mode, size: info.Size()})
		return nil
	})
	return out, err
}

func pack(dir, out string, mtime time.Time) (err error) {
	list, err := entries(dir)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	switch {
	case strings.HasSuffix(out, ".zip"):
		return packZip(f, list, mtime)
	case strings.HasSuffix(out, ".tar.gz"):
		return packTarGz(f, list, mtime)
	}
	return fmt.Errorf("%s: want a .zip or .tar.gz name", out)
}

func packZip(w io.Writer, list []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, e := range list {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		if e.file == "" {
			h.Method = zip.Store
		}
		h.SetMode(e.mode)
		dst, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if e.file != "" {
			if err := copyFile(dst, e.file); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}

func packTarGz(w io.Writer, list []entry, mtime time.Time) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, e := range list {
		h := &tar.Header{Name: e.name, Mode: int64(e.mode.Perm()), ModTime: mtime, Size: e.size,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if e.file == "" {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if e.file != "" {
			if err := copyFile(tw, e.file); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func copyFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
