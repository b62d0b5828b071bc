package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// settle gives the files and directories (and, with tree, everything
// under them) a modification time an hour back, a different one at each
// call, so that the memos do not take them for files still being
// written.
func settle(t *testing.T, tree bool, paths ...string) {
	t.Helper()
	settled++
	old := time.Now().Add(-time.Hour).Add(time.Duration(settled) * time.Second)
	for _, path := range paths {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := os.Chtimes(p, old, old); err != nil {
				return err
			}
			if d.IsDir() && !tree && p != path {
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

var settled int

// TestPrepassMemo checks that the pre-pass's answer is taken from the
// memo only while nothing it depends on has changed: a second identical
// run lists nothing; an edited file, a new package under a "..." pattern
// or other instrument patterns list again, and the answer follows the
// edit; a file changed just before the listing keeps the answer out of
// the memo.
func TestPrepassMemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/mod")); err != nil {
		t.Fatal(err)
	}
	settle(t, true, dir)
	t.Setenv("RACEINST_CACHE", t.TempDir())
	t.Chdir(dir)
	env, err := runGoEnv()
	if err != nil {
		t.Fatal(err)
	}
	mods, err := mainModules(env)
	if err != nil {
		t.Fatal(err)
	}
	me := &memoEnv{env: env, mods: mods, exe: "test"}
	all := []string{"example.com/mod/..."}
	// run runs the pre-pass and returns its answer and how many go lists
	// it ran.
	run := func(patterns []string, args ...string) ([]string, int64) {
		t.Helper()
		inv, err := parseArgs("build", args)
		if err != nil {
			t.Fatal(err)
		}
		before := listRuns.Load()
		p := startSkipPrepass(inv, nil, dir, me)
		got, err := p.skips(&config{Patterns: patterns})
		if err != nil {
			t.Fatal(err)
		}
		return got, listRuns.Load() - before
	}
	check := func(what string, gotSkips []string, gotLists int64, wantSkips []string, wantLists int64) {
		t.Helper()
		if diff := cmp.Diff(wantSkips, gotSkips); diff != "" {
			t.Errorf("%s: skips (-want +got):\n%s", what, diff)
		}
		if gotLists != wantLists {
			t.Errorf("%s: %d go list runs, want %d", what, gotLists, wantLists)
		}
	}
	reach := []string{"example.com/mod/forkreach/lib.F", "example.com/mod/forkreach/lib.helper", "example.com/mod/forkreach/lib2.G"}

	s, n := run(all, "./forkreach")
	check("first run", s, n, reach, 1)
	s, n = run(all, "./forkreach")
	check("second run", s, n, reach, 0)
	s, n = run([]string{"example.com/mod/forkreach/lib2"}, "./forkreach")
	check("other patterns", s, n, []string{"example.com/mod/forkreach/lib2.G"}, 1)
	s, n = run([]string{"example.com/mod/forkreach/lib2"}, "./forkreach")
	check("other patterns again", s, n, []string{"example.com/mod/forkreach/lib2.G"}, 0)

	// The child body now calls lib.Other instead of lib.F.
	main := filepath.Join(dir, "forkreach", "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	edited := []byte(replaceOnce(t, string(src), "\tlib.F()\n}", "\tlib.Other()\n}"))
	if err := os.WriteFile(main, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	settle(t, false, main)
	other := []string{"example.com/mod/forkreach/lib.Other", "example.com/mod/forkreach/lib2.Other"}
	s, n = run(all, "./forkreach")
	check("edited child body", s, n, other, 1)
	s, n = run(all, "./forkreach")
	check("edited child body, again", s, n, other, 0)

	// A new package under ./... with child code calling into lib2 (no
	// file listed before changes).
	// (two levels below the module's root, which holds a package, in a
	// directory that holds none: only the walk of the module sees it).
	deep := filepath.Join(dir, "deep", "deeper")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	settle(t, true, filepath.Join(dir, "deep"))
	settle(t, false, dir)
	s, n = run(all, "./...")
	check("./...", s, n, other, 1)
	s, n = run(all, "./...")
	check("./..., again", s, n, other, 0)
	if err := os.Mkdir(filepath.Join(deep, "newchild"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(filepath.Join(deep, "newchild", "main.go"), []byte(`package main

import (
	"os"

	"example.com/mod/forkreach/lib2"
)

//forkcheck:child
func child() { lib2.G() }

func main() {
	if len(os.Args) < 0 {
		child()
	}
}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	// Just written: listed, and not remembered.
	withNew := []string{"example.com/mod/forkreach/lib.Other", "example.com/mod/forkreach/lib2.G", "example.com/mod/forkreach/lib2.Other"}
	s, n = run(all, "./...")
	check("new package, just written", s, n, withNew, 1)
	s, n = run(all, "./...")
	check("new package, still young", s, n, withNew, 1)
	settle(t, true, deep)
	s, n = run(all, "./...")
	check("new package, settled", s, n, withNew, 1)
	s, n = run(all, "./...")
	check("new package, remembered", s, n, withNew, 0)
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q not found once", old)
	}
	return strings.Replace(s, old, new, 1)
}
