package norace_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/raceinst/raceinst/passes/norace"
)

// TestNeverInstrumentedMatchesCompiler reads the compiler's own table
// (cmd/internal/objabi/pkgspecial.go) of the toolchain in use and checks
// that our copy agrees, so a new Go release that adds a runtime package is
// caught here.
func TestNeverInstrumentedMatchesCompiler(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "src", "cmd", "internal", "objabi", "pkgspecial.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok {
			return true
		}
		for _, e := range lit.Elts {
			if bl, ok := e.(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(bl.Value)
				lists[vs.Names[0].Name] = append(lists[vs.Names[0].Name], s)
			}
		}
		return true
	})
	if len(lists["runtimePkgs"]) == 0 {
		t.Fatalf("no runtimePkgs in %s: the table moved; update this test and special.go", file)
	}
	want := map[string]bool{}
	for _, p := range lists["runtimePkgs"] {
		want[p] = true
	}
	for _, p := range lists["extraNoInstrumentPkgs"] {
		if strings.HasPrefix(p, "-") {
			delete(want, p[1:])
		} else {
			want[p] = true
		}
	}
	for p := range want {
		if _, ok := norace.NeverInstrumented(p); !ok {
			t.Errorf("compiler never instruments %s; NeverInstrumented does not know", p)
		}
	}
	for _, p := range []string{"internal/bytealg", "syscall", "os"} {
		if !want[p] {
			if _, ok := norace.NeverInstrumented(p); ok {
				t.Errorf("NeverInstrumented(%s) = true; the compiler instruments it", p)
			}
		}
	}
	for _, p := range lists["noRaceFuncPkgs"] {
		if _, ok := norace.NoRaceFunc(p); !ok {
			t.Errorf("compiler omits func enter/exit in %s; NoRaceFunc does not know", p)
		}
	}
}
