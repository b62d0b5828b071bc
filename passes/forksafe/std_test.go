package forksafe_test

import (
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/raceinst/raceinst/passes/forksafe"
)

// runStd runs forksafe (and, through Requires, norace) over the std
// packages for one port and returns forksafe's findings as
// "file:line: message" strings, sorted.
func runStd(t *testing.T, goos, goarch string, pkgs ...string) []string {
	t.Helper()
	// The analyzer reads the target port from the environment, as under
	// go vet; packages.Load gets it explicitly.
	t.Setenv("GOOS", goos)
	t.Setenv("GOARCH", goarch)
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Env:  append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS="),
	}
	initial, err := packages.Load(cfg, pkgs...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(initial) > 0 {
		t.Fatalf("%s/%s: errors loading %v", goos, goarch, pkgs)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{forksafe.Analyzer}, initial, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for act := range graph.All() {
		if act.Err != nil {
			t.Errorf("%s/%s: %s on %s: %v", goos, goarch, act.Analyzer.Name, act.Package.PkgPath, act.Err)
		}
		if act.Analyzer != forksafe.Analyzer || !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			got = append(got, describe(act.Package.Fset, d))
		}
	}
	sort.Strings(got)
	return got
}

func describe(fset *token.FileSet, d analysis.Diagnostic) string {
	p := fset.Position(d.Pos)
	return fmt.Sprintf("%s:%d: %s", filepath.Base(p.Filename), p.Line, d.Message)
}

// stdClean are the ports on which Go's own fork-child code must vet
// clean: every rule of forksafe is written so that the standard library's
// hand-checked child code passes.
var stdClean = []struct{ goos, goarch string }{
	{"linux", "amd64"},
	{"linux", "arm64"},
	{"linux", "386"},
	{"freebsd", "amd64"},
	{"netbsd", "amd64"},
	{"openbsd", "amd64"},
	{"darwin", "arm64"},
	{"dragonfly", "amd64"},
	{"solaris", "amd64"},
}

func TestStdClean(t *testing.T) {
	if testing.Short() {
		t.Skip("loads std from source for many ports")
	}
	for _, p := range stdClean {
		t.Run(p.goos+"_"+p.goarch, func(t *testing.T) {
			pkgs := []string{"syscall"}
			if p.goos == "linux" && p.goarch == "amd64" {
				pkgs = append(pkgs, "os/exec")
			}
			if got := runStd(t, p.goos, p.goarch, pkgs...); len(got) > 0 {
				t.Errorf("forksafe on std %v for %s/%s: want no findings, got:\n%s", pkgs, p.goos, p.goarch, strings.Join(got, "\n"))
			}
		})
	}
}

// TestStdExplained pins forksafe's findings on the ports whose std child
// code is not (by forksafe's conservative rules) clean, with the reason
// for each.
func TestStdExplained(t *testing.T) {
	if testing.Short() {
		t.Skip("loads std from source")
	}
	for _, tc := range []struct {
		goos, goarch string
		want         []string
	}{
		{"plan9", "amd64", []string{
			// gbit16 is //go:nosplit but calls internal/byteorder.LEUint16,
			// which is not: the compiler inlines it, but forksafe does not
			// model inlining, and LEUint16 bounds-checks, so it is no
			// trivial leaf either.
			"exec_plan9.go:191: stack growth in fork child (syscall.forkAndExecInChild): syscall.gdirname → syscall.gbit16: call to byteorder.LEUint16, which has a stack-check prologue (not //go:nosplit)",
			// ErrBadStat is an error made by errors.New: the child calls
			// (*errors.errorString).Error through the interface. A real,
			// if benign, departure from the rules (Plan 9 has no -race).
			"exec_plan9.go:193: dynamic call in fork child (syscall.forkAndExecInChild): call of interface method error.Error cannot be verified",
		}},
		// AIX's child calls libc through body-less functions implemented
		// by the runtime's //go:nosplit syscall_* functions: clean.
		{"aix", "ppc64", nil},
	} {
		t.Run(tc.goos+"_"+tc.goarch, func(t *testing.T) {
			got := runStd(t, tc.goos, tc.goarch, "syscall")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("forksafe on syscall for %s/%s (-want +got):\n%s", tc.goos, tc.goarch, diff)
			}
		})
	}
}
