package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Both formats hold the folder under its own name with the modes a
// release needs, and the same folder packs to the same bytes.
func TestPack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mipimport-v1-windows-amd64")
	files := map[string]string{
		"mipimport.exe":        "MZ binary",
		"mipmock":              "ELF binary",
		"README.md":            "# mipimport\n",
		"docs/guide.ru.md":     "# Руководство\n",
		"samples/mapping.yaml": "version: 1\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2026, 12, 7, 21, 30, 0, 0, time.UTC)
	wantMode := map[string]fs.FileMode{
		"mipimport-v1-windows-amd64/mipimport.exe": 0o755, "mipimport-v1-windows-amd64/mipmock": 0o755,
		"mipimport-v1-windows-amd64/README.md": 0o644, "mipimport-v1-windows-amd64/docs/guide.ru.md": 0o644,
		"mipimport-v1-windows-amd64/samples/mapping.yaml": 0o644,
	}
	for _, ext := range []string{".zip", ".tar.gz"} {
		out := filepath.Join(t.TempDir(), "a"+ext)
		if err := pack(dir, out, when); err != nil {
			t.Fatal(err)
		}
		got := map[string]fs.FileMode{}
		body := map[string]string{}
		if ext == ".zip" {
			zr, err := zip.OpenReader(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				if f.Mode().IsDir() {
					continue
				}
				got[f.Name] = f.Mode().Perm()
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				body[f.Name] = string(b)
				if !f.Modified.Equal(when) {
					t.Errorf("%s: time %v", f.Name, f.Modified)
				}
			}
			zr.Close()
		} else {
			fh, _ := os.Open(out)
			gz, err := gzip.NewReader(fh)
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(gz)
			for {
				h, err := tr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if h.Typeflag == tar.TypeDir {
					continue
				}
				got[h.Name] = fs.FileMode(h.Mode).Perm()
				b, _ := io.ReadAll(tr)
				body[h.Name] = string(b)
			}
			fh.Close()
		}
		if !reflect.DeepEqual(got, wantMode) {
			t.Errorf("%s modes %v, want %v", ext, got, wantMode)
		}
		if body["mipimport-v1-windows-amd64/docs/guide.ru.md"] != files["docs/guide.ru.md"] {
			t.Errorf("%s: contents %v", ext, body)
		}
		again := filepath.Join(t.TempDir(), "b"+ext)
		if err := pack(dir, again, when); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(out)
		b, _ := os.ReadFile(again)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two packs of one folder differ", ext)
		}
	}
	if err := pack(dir, filepath.Join(t.TempDir(), "a.rar"), when); err == nil {
		t.Error("packed a .rar")
	}
}
