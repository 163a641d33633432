package mapping_test

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The import direction of the design card (SPEC.md §2): cmd wires the
// packages; importer defines the small interfaces it needs instead of
// importing mapping or report; mapping → {reader, convert} → mip; the МИП
// contract imports none of ours. A rule holds for the package as its tests
// compile it (its files and its in-package tests), through every package of
// ours it imports on the way; external test packages (package x_test) are
// consumers like cmd and are not held to it.
var importRules = []struct {
	pkg       string // the package, and the packages under it
	forbidden func(dep string) bool
	why       string
}{
	{"mipimport/importer", under("mipimport/mapping", "mipimport/report"), "the importer defines the interfaces it needs (rows, mapper, sender, sink)"},
	{"mipimport/mapping", under("mipimport/importer", "mipimport/report"), "mapping feeds the importer through cmd"},
	{"mipimport/mapping/reader", ours, "the reader imports nothing of ours"},
	{"mipimport/mapping/convert", under("mipimport/mapping"), "converters are pure functions of cell text to МИП values"},
	{"mipimport/mip", func(dep string) bool { return ours(dep) && !under("mipimport/mip")(dep) }, "the МИП contract imports none of ours"},
	{"mipimport", under("mipimport/cmd"), "no package imports cmd"},
}

const module = "mipimport"

func ours(dep string) bool { return under(module)(dep) }

// under reports whether a path is one of roots or a package below one.
func under(roots ...string) func(string) bool {
	return func(p string) bool {
		for _, r := range roots {
			if p == r || strings.HasPrefix(p, r+"/") {
				return true
			}
		}
		return false
	}
}

func TestImportDirection(t *testing.T) {
	root := moduleRoot(t)
	// Files behind build constraints import what they import on their own
	// systems: every system the tool is built for is checked.
	var found []string
	for _, goos := range []string{"linux", "windows", "darwin"} {
		imports := ourImports(t, root, goos)
		if _, ok := imports["mipimport/mapping/reader"]; !ok || len(imports) < 5 {
			t.Fatalf("%s: found only %d packages under %s; the walk is broken", goos, len(imports), root)
		}
		for _, rule := range importRules {
			for pkg := range imports {
				if !under(rule.pkg)(pkg) {
					continue
				}
				if chain := reach(imports, pkg, rule.forbidden); chain != nil {
					msg := fmt.Sprintf("%s imports %s: %s", pkg, strings.Join(chain, " → "), rule.why)
					if !slices.Contains(found, msg) {
						found = append(found, msg)
						t.Errorf("%s (GOOS=%s)", msg, goos)
					}
				}
			}
		}
	}
}

// TestImportRulesCatchAViolation feeds the check a graph with a forbidden
// edge, so a rule that can never fire (a misspelt path) does not pass
// silently.
func TestImportRulesCatchAViolation(t *testing.T) {
	for _, c := range []struct{ from, to string }{
		{"mipimport/importer", "mipimport/mapping"},
		{"mipimport/importer/state", "mipimport/report"},
		{"mipimport/mapping/reader", "mipimport/mip"},
		{"mipimport/mapping/convert", "mipimport/mapping/reader"},
		{"mipimport/mip", "mipimport/importer"},
		{"mipimport/report", "mipimport/cmd/mipimport"},
	} {
		graph := map[string][]string{c.from: {c.to}, c.to: nil}
		caught := false
		for _, rule := range importRules {
			if under(rule.pkg)(c.from) && reach(graph, c.from, rule.forbidden) != nil {
				caught = true
			}
		}
		if !caught {
			t.Errorf("%s importing %s is not caught", c.from, c.to)
		}
	}
}

// reach returns the chain of imports from pkg to the first package bad
// accepts, or nil.
func reach(imports map[string][]string, pkg string, bad func(string) bool) []string {
	seen := map[string]bool{pkg: true}
	var walk func(p string) []string
	walk = func(p string) []string {
		for _, dep := range imports[p] {
			if bad(dep) {
				return []string{dep}
			}
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if chain := walk(dep); chain != nil {
				return append([]string{dep}, chain...)
			}
		}
		return nil
	}
	return walk(pkg)
}

// ourImports maps every package of the module to the packages of ours it
// imports, from its files and its in-package test files, as built for goos.
func ourImports(t *testing.T, root, goos string) map[string][]string {
	t.Helper()
	ctx := build.Default
	ctx.GOOS = goos
	ctx.CgoEnabled = false
	imports := map[string][]string{}
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); dir != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		p, err := ctx.ImportDir(dir, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		var deps []string
		for _, imp := range slices.Concat(p.Imports, p.TestImports) {
			if ours(imp) && !slices.Contains(deps, imp) {
				deps = append(deps, imp)
			}
		}
		imports[path] = deps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if !strings.HasPrefix(string(b), "module "+module+"\n") {
				t.Fatalf("%s/go.mod is not module %s", dir, module)
			}
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
