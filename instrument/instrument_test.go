package instrument_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/raceinst/raceinst/instrument"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// repoRoot is the module root, for the replace directive of the temporary
// modules the instrumented code is compiled in.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	importMu  sync.Mutex
	fset      = token.NewFileSet()
	stdImport = importer.ForCompiler(fset, "gc", nil)
)

// loaded is one package, parsed and type-checked as the compiler sees it.
type loaded struct {
	in    *instrument.Input
	names []string // base names
}

// load parses and type-checks the .go files of dir as one package.
func load(t *testing.T, dir string) *loaded {
	t.Helper()
	importMu.Lock()
	defer importMu.Unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := &instrument.Input{Fset: fset}
	var names []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, e.Name(), src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		in.Files = append(in.Files, f)
		in.Filenames = append(in.Filenames, e.Name())
		in.Sources = append(in.Sources, src)
		names = append(names, e.Name())
	}
	in.Info = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		Instances:    map[*ast.Ident]types.Instance{},
		FileVersions: map[*ast.File]string{},
	}
	in.Sizes = types.SizesFor("gc", runtime.GOARCH)
	conf := types.Config{Importer: stdImport, Sizes: in.Sizes, GoVersion: "go1.26"}
	pkg, err := conf.Check(in.Files[0].Name.Name, fset, in.Files, in.Info)
	if err != nil {
		t.Fatalf("type-checking %s: %v", dir, err)
	}
	in.Pkg = pkg
	return &loaded{in: in, names: names}
}

// writeModule writes a module at dir whose packages can import rt.
func writeModule(t *testing.T, dir string) {
	t.Helper()
	root := repoRoot(t)
	gomod := "module example.com/m\n\ngo 1.26\n\nrequire github.com/raceinst/raceinst v0.0.0\n\nreplace github.com/raceinst/raceinst => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t *testing.T, dir string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	return cmd.CombinedOutput()
}

// TestGolden instruments each package under testdata/golden, compares the
// result and the warnings with the .golden files, and compiles (go vet)
// every result, so a broken rewrite fails.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/golden/*")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	writeModule(t, mod)
	for _, dir := range cases {
		name := filepath.Base(dir)
		l := load(t, dir)
		opts := instrument.Options{Tests: true}
		if strings.HasPrefix(name, "funchooks") {
			opts.FuncHooks = true
		}
		if strings.HasPrefix(name, "synconly") {
			opts.SyncOnly, opts.FuncHooks = true, true
		}
		res, err := instrument.Package(l.in, opts)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(res.Files) != len(l.names) {
			t.Fatalf("%s: %d files for %d", name, len(res.Files), len(l.names))
		}
		out := filepath.Join(mod, name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, f := range res.Files {
			got := f.Src
			if got == nil {
				got = l.in.Sources[i]
			}
			check(t, filepath.Join(dir, l.names[i]+".golden"), got)
			if err := os.WriteFile(filepath.Join(out, l.names[i]), got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		warnings := strings.Join(res.Warnings, "\n")
		if warnings != "" {
			warnings += "\n"
		}
		check(t, filepath.Join(dir, "warnings.golden"), []byte(warnings))
	}
	if out, err := goCmd(t, mod, "vet", "-unreachable=false", "./..."); err != nil {
		t.Errorf("instrumented code does not build:\n%s", out)
	}
}

// check compares got with the golden file (or rewrites it with -update).
func check(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if len(got) == 0 && strings.HasSuffix(golden, "warnings.golden") {
			os.Remove(golden)
			return
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil && !(os.IsNotExist(err) && len(got) == 0) {
		t.Errorf("%v (run with -update)", err)
		return
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", golden, d)
	}
}

// TestLinesKept checks that every original line is still on its line:
// dropping the //line directive and every inserted text gives back the
// input's line structure.
func TestLinesKept(t *testing.T) {
	cases, _ := filepath.Glob("testdata/golden/*")
	for _, dir := range cases {
		l := load(t, dir)
		res, err := instrument.Package(l.in, instrument.Options{Tests: true, FuncHooks: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range res.Files {
			if f.Src == nil {
				continue
			}
			if !bytes.HasPrefix(f.Src, []byte("//line "+l.in.Filenames[i]+":1:1\n")) {
				t.Errorf("%s: no //line directive first", f.Name)
			}
			// Helpers are appended after the last line.
			orig := bytes.Count(l.in.Sources[i], []byte("\n"))
			got := bytes.Split(f.Src, []byte("\n"))[1:]
			if len(got) < orig {
				t.Errorf("%s/%s: %d lines, want at least %d", dir, f.Name, len(got), orig)
				continue
			}
			for n, line := range bytes.Split(l.in.Sources[i], []byte("\n"))[:orig] {
				// Each original line's tokens must appear, in order, on the
				// same line of the output.
				if !subsequence(string(got[n]), string(line)) {
					t.Errorf("%s/%s:%d: line moved or changed:\n  in:  %s\n  out: %s", dir, f.Name, n+1, line, got[n])
				}
			}
		}
	}
}

// subsequence reports whether every word (identifier or number) of want
// occurs on got: rewrites keep names, though not always punctuation
// (wg.Add(1) becomes __rt_sync_WaitGroup_Add(&wg, 1)).
func subsequence(got, want string) bool {
	words := strings.FieldsFunc(want, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	for _, w := range words {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			return false
		}
	}
	return true
}

// TestSyncOnlyPredeclared instruments every golden package with
// Options.SyncOnly and checks that what it adds names none of the
// predeclared functions a sync-only package may declare for itself
// (instrument.SyncOnlyUnused): such a package is rewritten, so its own min
// would be called where the code meant the predeclared one. The rewrite
// keeps every line where it was (after its leading //line directive), so
// line n of the output less line n of the input is what was added there.
func TestSyncOnlyPredeclared(t *testing.T) {
	cases, err := filepath.Glob("testdata/golden/*")
	if err != nil {
		t.Fatal(err)
	}
	idents := func(line string) map[string]int {
		m := map[string]int{}
		var s scanner.Scanner
		s.Init(token.NewFileSet().AddFile("", -1, len(line)), []byte(line), nil, 0)
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				return m
			}
			if tok == token.IDENT {
				m[lit]++
			}
		}
	}
	rewritten := 0
	for _, dir := range cases {
		l := load(t, dir)
		res, err := instrument.Package(l.in, instrument.Options{SyncOnly: true})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for i, f := range res.Files {
			if f.Src == nil {
				continue
			}
			rewritten++
			in := strings.Split(string(l.in.Sources[i]), "\n")
			out := strings.Split(string(f.Src), "\n")
			if strings.HasPrefix(out[0], "//line ") {
				out = out[1:] // the directive that keeps line 1 line 1
			}
			for n, line := range out {
				before := map[string]int{}
				if n < len(in) {
					before = idents(in[n])
				}
				for name, k := range idents(line) {
					if instrument.SyncOnlyUnused[name] && k > before[name] {
						t.Errorf("%s/%s:%d: sync-only code names %s: %s", dir, l.names[i], n+1, name, strings.TrimSpace(line))
					}
				}
			}
		}
	}
	if rewritten < 10 {
		t.Errorf("only %d files rewritten sync-only; the golden packages should give more", rewritten)
	}
}
