package nogotest

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/objectpath"

	"github.com/raceinst/raceinst/passes/forksafe"
	"github.com/raceinst/raceinst/passes/norace"
)

var analyzers = []*analysis.Analyzer{norace.Analyzer, forksafe.Analyzer}

// TestAnalyzersValid checks what nogo's generated main and golangci-lint's
// plugins import: valid exported Analyzer variables, each with fact types,
// and facts that gob encodes and decodes through the analysis.Fact
// interface once registered, as unitchecker and nogo register them.
func TestAnalyzersValid(t *testing.T) {
	if err := analysis.Validate(analyzers); err != nil {
		t.Fatal(err)
	}
	for _, a := range analyzers {
		if len(a.FactTypes) == 0 {
			t.Errorf("%s declares no FactTypes: go vet and nogo would not run it on dependencies", a.Name)
		}
		for _, f := range a.FactTypes {
			gob.Register(f)
			var buf bytes.Buffer
			in := []struct{ Fact analysis.Fact }{{reflect.New(reflect.TypeOf(f).Elem()).Interface().(analysis.Fact)}}
			if err := gob.NewEncoder(&buf).Encode(in); err != nil {
				t.Errorf("%s: gob encoding of %T through analysis.Fact: %v", a.Name, f, err)
				continue
			}
			var out []struct{ Fact analysis.Fact }
			if err := gob.NewDecoder(&buf).Decode(&out); err != nil || reflect.TypeOf(out[0].Fact) != reflect.TypeOf(f) {
				t.Errorf("%s: gob decoding of %T: %v (got %T)", a.Name, f, err, out[0].Fact)
			}
		}
	}
}

func load(t *testing.T, dir string, patterns ...string) []*packages.Package {
	t.Helper()
	pkgs, err := packages.Load(&packages.Config{Mode: packages.LoadAllSyntax, Dir: dir}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d errors loading %v", n, patterns)
	}
	return pkgs
}

// TestSanityCheck runs both analyzers through x/tools' checker with its
// sanity check, which gob-encodes every fact as it crosses an import and
// fails on an encoding that differs between two runs, over a fixture of two
// packages whose facts cross the import and over std's syscall with all its
// dependencies (the runtime included).
func TestSanityCheck(t *testing.T) {
	for _, tc := range []struct {
		name, dir string
		patterns  []string
		wantDiags int
	}{
		{"fixture", "testdata/mod", []string{"./..."}, 2},
		{"syscall", ".", []string{"syscall"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "syscall" && testing.Short() {
				t.Skip("-short: std's syscall is analysed with all its dependencies")
			}
			graph, err := checker.Analyze(analyzers, load(t, tc.dir, tc.patterns...), &checker.Options{SanityCheck: true})
			if err != nil {
				t.Fatal(err)
			}
			diags := 0
			for act := range graph.All() {
				if act.Err != nil {
					t.Errorf("%v: %v", act, act.Err)
				}
				if act.IsRoot {
					diags += len(act.Diagnostics)
				}
			}
			if tc.wantDiags >= 0 && diags != tc.wantDiags {
				t.Errorf("%d diagnostics in roots, want %d", diags, tc.wantDiags)
			}
		})
	}
}

// TestFactsDeterministic analyses the same packages twice, at the same
// time in one process (so package-level state shared between analyses
// would show, under -race too), and compares every exported fact
// byte-for-byte in its gob encoding, and every diagnostic.
func TestFactsDeterministic(t *testing.T) {
	for _, tc := range []struct{ name, dir, pattern string }{
		{"fixture", "testdata/mod", "./..."},
		{"syscall", ".", "syscall"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "syscall" && testing.Short() {
				t.Skip("-short: std's syscall is analysed with all its dependencies")
			}
			var runs [2]map[string]string
			var wg sync.WaitGroup
			for i := range runs {
				pkgs := load(t, tc.dir, tc.pattern)
				wg.Add(1)
				go func() {
					defer wg.Done()
					runs[i] = encodedFacts(t, pkgs)
				}()
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			if len(runs[0]) == 0 {
				t.Fatal("no facts exported")
			}
			if diff := cmp.Diff(runs[0], runs[1]); diff != "" {
				t.Errorf("facts and diagnostics differ between two runs (-first +second):\n%s", diff)
			}
		})
	}
}

// encodedFacts analyses pkgs and returns, by package, object (objectpath)
// and fact type, the gob encoding of each fact a package exported about
// itself, plus each diagnostic.
func encodedFacts(t *testing.T, pkgs []*packages.Package) map[string]string {
	graph, err := checker.Analyze(analyzers, pkgs, &checker.Options{})
	if err != nil {
		t.Error(err)
		return nil
	}
	out := map[string]string{}
	encode := func(key string, f analysis.Fact) {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(f); err != nil {
			t.Errorf("%s: %v", key, err)
		}
		out[key] = fmt.Sprintf("%x", buf.Bytes())
	}
	for act := range graph.All() {
		if act.Err != nil {
			t.Errorf("%v: %v", act, act.Err)
		}
		pkg := act.Package.Types
		for _, of := range act.AllObjectFacts() {
			if of.Object.Pkg() != pkg {
				continue // inherited
			}
			path, err := objectpath.For(of.Object)
			if err != nil {
				path = objectpath.Path("?" + of.Object.String())
			}
			encode(fmt.Sprintf("%s %s %T", pkg.Path(), path, of.Fact), of.Fact)
		}
		for _, pf := range act.AllPackageFacts() {
			if pf.Package == pkg {
				encode(fmt.Sprintf("%s %T", pkg.Path(), pf.Fact), pf.Fact)
			}
		}
		var diags []string
		for _, d := range act.Diagnostics {
			diags = append(diags, fmt.Sprintf("%s: %s", act.Package.Fset.Position(d.Pos), d.Message))
		}
		sort.Strings(diags)
		if len(diags) > 0 {
			out[fmt.Sprintf("%s %s diagnostics", pkg.Path(), act.Analyzer.Name)] = strings.Join(diags, "\n")
		}
	}
	return out
}
