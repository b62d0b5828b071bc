package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/raceinst/raceinst/passes/norace"
)

// TestCandidates checks the byte scan: a package is a candidate if one of
// its files (through -overlay) holds a marker and it imports, directly or
// not, an instrumented package.
func TestCandidates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("lib/lib.go", "package lib\n//forkcheck:child its own; its compile handles it\nfunc F() {}\n")
	write("a/a.go", "package a\n\n//forkcheck:child x\nfunc child() {}\n")
	write("b/b.go", "package b\n//forkcheck:child imports nothing instrumented\n")
	write("x/x.go", "package x\nfunc f() { syscall.RawSyscall(56, 0, 0, 0) }\n")
	write("c/c.go", "package c\nfunc noMarker() {}\n")
	write("ov/ov.go", "package ov\n")
	over := write("ov-replacement.go", "package ov\nfunc f() { unix.RawSyscall(unix.SYS_CLONE, 0, 0, 0) }\n")
	write("d/d.go", "package d\n")
	write("d/cgo.go", "package d\n// #include <unistd.h>\nimport \"C\"\nfunc f() { C.fork(); syscall.Syscall(0, 0, 0, 0) }\n")
	write("t/main.go", "package main\n//forkcheck:child\n")
	write("std/s.go", "package std\n//forkcheck:child\n")
	pkg := func(id, d string, imports []string, files ...string) *listedPkg {
		p := &listedPkg{ImportPath: id, Dir: filepath.Join(dir, d), Imports: imports}
		for _, f := range files {
			if strings.Contains(f, "cgo") {
				p.CgoFiles = append(p.CgoFiles, f)
			} else {
				p.GoFiles = append(p.GoFiles, f)
			}
		}
		return p
	}
	std := pkg("fmt", "std", nil, "s.go")
	std.Standard = true
	list := []*listedPkg{
		std,
		pkg("example.com/m/lib", "lib", []string{"fmt"}, "lib.go"),
		pkg("example.com/m/a", "a", []string{"example.com/m/lib"}, "a.go"),
		pkg("example.com/m/b", "b", []string{"fmt"}, "b.go"),
		pkg("other.org/x", "x", []string{"example.com/m/a"}, "x.go"),
		pkg("example.com/m/c", "c", []string{"example.com/m/lib"}, "c.go"),
		pkg("example.com/m/ov", "ov", []string{"example.com/m/lib"}, "ov.go"),
		pkg("example.com/m/d", "d", []string{"C", "example.com/m/lib"}, "d.go", "cgo.go"),
		pkg("example.com/m/a.test", "t", []string{"example.com/m/a"}, "main.go"),
	}
	g := newPkgGraph(list, &config{Patterns: []string{"example.com/m/..."}})
	got, err := g.candidates(norace.ChildMarkers(), map[string]string{filepath.Join(dir, "ov/ov.go"): over})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"example.com/m/a", "other.org/x", "example.com/m/ov", "example.com/m/d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
}

// callGraph is a fake norace for propagate: per package ID, the callees
// of each function ("path.Func") and the package's own child contexts.
type callGraph struct {
	calls map[string]map[string][]string
	roots map[string][]string
	log   []string // "id: children" per analysis
}

func (c *callGraph) analyze(batch map[string][]string) (map[string]childAnalysis, error) {
	out := map[string]childAnalysis{}
	for _, id := range sortedMapKeys(batch) {
		children := batch[id]
		c.log = append(c.log, id+": "+strings.Join(children, ","))
		path, _, _ := strings.Cut(id, " [")
		walk := func(from []string) (own map[string]bool, other []reachedFunc) {
			own = map[string]bool{}
			var work []string
			work = append(work, from...)
			for len(work) > 0 {
				fn := work[len(work)-1]
				work = work[:len(work)-1]
				if own[fn] {
					continue
				}
				own[fn] = true
				for _, callee := range c.calls[id][fn] {
					p := callee[:strings.LastIndexByte(callee, '.')]
					if p == path {
						work = append(work, callee)
					} else {
						other = append(other, reachedFunc{p, callee})
					}
				}
			}
			return own, other
		}
		base, _ := walk(c.roots[id])
		all, reaches := walk(append(append([]string(nil), c.roots[id]...), children...))
		var r childAnalysis
		for fn := range all {
			if !base[fn] {
				r.kept = append(r.kept, fn)
			}
		}
		sort.Strings(r.kept)
		r.reaches = reaches
		out[id] = r
	}
	return out, nil
}

// TestPropagate checks the fixpoint over a fake call graph: what child
// code reaches across packages, and from there, is skipped in instrumented
// packages only; a package reached again with new functions is analysed
// again; an external test's reach into its package's test variant is
// analysed in that variant; std is never analysed.
func TestPropagate(t *testing.T) {
	const (
		m, a, b, u  = "example.com/m", "example.com/m/a", "example.com/m/b", "other.org/u"
		bt, bx, btm = b + " [" + b + ".test]", b + "_test [" + b + ".test]", b + ".test"
	)
	list := []*listedPkg{
		{ImportPath: "os", Standard: true},
		{ImportPath: b},
		{ImportPath: u, Imports: []string{b}},
		{ImportPath: a, Imports: []string{b, u}},
		{ImportPath: m, Imports: []string{a, "os"}},
		{ImportPath: bt, ForTest: b},
		{ImportPath: bx, ForTest: b, Imports: []string{bt}},
		{ImportPath: btm, Imports: []string{bt, bx}},
	}
	g := newPkgGraph(list, &config{Patterns: []string{"example.com/m/..."}})
	bCalls := map[string][]string{
		b + ".H":     {b + ".h2"},
		b + ".K":     {b + ".k2"},
		b + ".Other": {b + ".h2"},
	}
	btCalls := map[string][]string{b + ".T": {b + ".t2"}}
	for k, v := range bCalls {
		btCalls[k] = v
	}
	cg := &callGraph{
		calls: map[string]map[string][]string{
			m: {m + ".child": {a + ".F", b + ".H", "os.Exit", u + ".U"}},
			a: {a + ".F": {a + ".g"}, a + ".g": {b + ".K"}, a + ".Other": {b + ".Other"}},
			u: {u + ".U": {u + ".u2"}, u + ".u2": {b + ".K"}},
			b: bCalls, bt: btCalls,
			bx: {bx[:len(b)+5] + ".child": {b + ".T"}},
		},
		roots: map[string][]string{m: {m + ".child"}, bx: {bx[:len(b)+5] + ".child"}},
	}
	got, err := propagate(g, []string{m, bx}, cg.analyze)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a + ".F", a + ".g", b + ".H", b + ".K", b + ".T", b + ".h2", b + ".k2", b + ".t2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("skip (-want +got):\n%s", diff)
	}
	wantLog := []string{
		m + ": ", bx + ": ",
		a + ": " + a + ".F", b + ": " + b + ".H", bt + ": " + b + ".T", u + ": " + u + ".U",
		b + ": " + b + ".H," + b + ".K",
	}
	if diff := cmp.Diff(wantLog, cg.log); diff != "" {
		t.Errorf("analyses (-want +got):\n%s", diff)
	}
}

func TestSkipSalt(t *testing.T) {
	c := &config{Patterns: []string{"example.com/m/..."}}
	s1, err := saltFor(c, "rt", "go1.26")
	if err != nil {
		t.Fatal(err)
	}
	c.Skip = []string{}
	if s2, _ := saltFor(c, "rt", "go1.26"); s2 != s1 {
		t.Errorf("empty Skip changed the salt")
	}
	c.Skip = []string{"example.com/m/lib.F"}
	if s3, _ := saltFor(c, "rt", "go1.26"); s3 == s1 {
		t.Errorf("Skip does not enter the salt")
	}
}

// prepassIn runs the pre-pass on the fixture module in dir, as raceinst
// verb args would.
func prepassIn(t testing.TB, dir, verb string, args ...string) (*skipPrepass, *config) {
	inv, err := parseArgs(verb, args)
	if err != nil {
		t.Fatal(err)
	}
	return startSkipPrepass(inv, nil, dir, nil), &config{Patterns: []string{"example.com/mod/..."}, SyncModules: []string{"example.com/dep/..."}}
}

// TestPrepass runs the pre-pass on the fixture module (go list and
// go/packages, no build): only forkreach's main package is a candidate,
// and its child code's reach is followed through two packages; for
// raceinst test, an external test's child code is followed into the test
// variant of the package under test.
func TestPrepass(t *testing.T) {
	dir := fixture(t)
	p, cfg := prepassIn(t, dir, "build", "./...")
	<-p.done
	if p.err != nil {
		t.Fatal(p.err)
	}
	cands, err := newPkgGraph(p.pkgs, cfg).candidates(norace.ChildMarkers(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// forkstress forks too, but calls nothing instrumented.
	if diff := cmp.Diff([]string{"example.com/mod/forkreach"}, cands); diff != "" {
		t.Errorf("candidates in ./... (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		verb string
		args []string
		want []string
	}{
		{"build", []string{"."}, nil},
		{"build", []string{"./forkstress"}, nil},
		{"build", []string{"./forkreach"}, []string{
			"example.com/dep/flag.Load", "example.com/mod/forkreach/lib.F", "example.com/mod/forkreach/lib.helper", "example.com/mod/forkreach/lib2.G"}},
		{"test", []string{"./forkreach/lib"}, []string{
			"example.com/dep/flag.Set", "example.com/mod/forkreach/lib.ForTests", "example.com/mod/forkreach/lib2.Other"}},
	} {
		p, cfg := prepassIn(t, dir, tc.verb, tc.args...)
		got, err := p.skips(cfg)
		if err != nil {
			t.Errorf("%s %s: %v", tc.verb, tc.args, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s %s: skip (-want +got):\n%s", tc.verb, tc.args, diff)
		}
	}
}

// BenchmarkPrepass measures the pre-pass on a warm cache: for a program
// without candidates it is one go list; with one (forkreach), go/packages
// and norace on the packages it reaches as well.
func BenchmarkPrepass(b *testing.B) {
	dir, err := filepath.Abs("testdata/mod")
	if err != nil {
		b.Fatal(err)
	}
	for _, pkg := range []string{".", "./forkreach"} {
		b.Run(strings.TrimPrefix(pkg, "./"), func(b *testing.B) {
			for b.Loop() {
				p, cfg := prepassIn(b, dir, "build", pkg)
				if _, err := p.skips(cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rewrittenFuncs builds pkg with -work and an overlay that makes each
// file in nonce different from any earlier run's (so that its package
// is compiled, and its rewritten file written, whatever the cache holds)
// and that replaces files as replace says; it returns, for each function
// in the rewritten files of those packages, whether it was instrumented.
func rewrittenFuncs(t *testing.T, dir, pkg string, nonce []string, replace map[string]string) map[string]bool {
	t.Helper()
	ov := struct{ Replace map[string]string }{map[string]string{}}
	tmp := t.TempDir()
	stamp := fmt.Sprintf("\n// %s %d\n", t.Name(), time.Now().UnixNano())
	for i, name := range nonce {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := replace[name]; ok {
			src = []byte(r)
		}
		p := filepath.Join(tmp, fmt.Sprintf("%d.go", i))
		if err := os.WriteFile(p, append(src, stamp...), 0o644); err != nil {
			t.Fatal(err)
		}
		ov.Replace[filepath.Join(dir, name)] = p
	}
	data, _ := json.Marshal(ov)
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, nil, "", "build", "-work", "-overlay="+ovFile, "-o", filepath.Join(tmp, "prog"), pkg)
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	work := regexp.MustCompile(`(?m)^WORK=(.*)$`).FindStringSubmatch(r.stderr)
	if work == nil {
		t.Fatalf("no WORK= in stderr:\n%s", r.stderr)
	}
	defer os.RemoveAll(work[1])
	files, _ := filepath.Glob(filepath.Join(work[1], "*", "raceinst", "*.go"))
	out := map[string]bool{}
	for _, f := range files {
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		src, _ := os.ReadFile(f)
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && !strings.HasPrefix(fd.Name.Name, "__rt") {
				// (Helpers the instrumenter generated are not the user's.)
				body := src[fset.Position(fd.Body.Pos()).Offset:fset.Position(fd.Body.End()).Offset]
				// rt's calls, or a sync-only package's helpers.
				out[af.Name.Name+"."+fd.Name.Name] = strings.Contains(string(body), "__rt")
			}
		}
	}
	return out
}

// TestCrossPackageSkip builds forkreach, whose main package has a
// //forkcheck:child function calling lib.F, which calls lib.helper and
// lib2.G: those three are not instrumented, the other functions of lib and
// lib2 are. Without the directive all of them are.
func TestCrossPackageSkip(t *testing.T) {
	dir := fixture(t)
	files := []string{"forkreach/main.go", "forkreach/lib/lib.go", "forkreach/lib2/lib2.go", "dep/flag/flag.go"}
	got := rewrittenFuncs(t, dir, "./forkreach", files, nil)
	want := map[string]bool{
		"main.childBody": false, "main.main": true,
		"lib.F": false, "lib.helper": false, "lib.Other": true, "lib.Never": true,
		"lib2.G": false, "lib2.Other": true,
		// A dependency: its synchronisation alone is rewritten.
		"flag.Load": false, "flag.Set": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instrumented functions with //forkcheck:child (-want +got):\n%s", diff)
	}

	src, err := os.ReadFile(filepath.Join(dir, "forkreach/main.go"))
	if err != nil {
		t.Fatal(err)
	}
	noChild := strings.Replace(string(src), "//forkcheck:child", "// not a child:", 1)
	got = rewrittenFuncs(t, dir, "./forkreach", files, map[string]string{"forkreach/main.go": noChild})
	for name := range want {
		want[name] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instrumented functions without //forkcheck:child (-want +got):\n%s", diff)
	}
}
