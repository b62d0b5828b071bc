package norace_test

import (
	"bytes"
	"go/types"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/raceinst/raceinst/passes/norace"
)

func TestChildMarkers(t *testing.T) {
	want := []string{"//forkcheck:child", "Syscall", "forkAndExecInChild", "forkx", "libc_fork_trampoline", "libc_vfork_trampoline"}
	if diff := cmp.Diff(want, norace.ChildMarkers()); diff != "" {
		t.Errorf("ChildMarkers (-want +got):\n%s", diff)
	}
	if err := norace.Analyzer.Flags.Set("child", "example.com/p.T.childMain,example.com/q.childMain"); err != nil {
		t.Fatal(err)
	}
	defer norace.Analyzer.Flags.Set("child", "")
	got := norace.ChildMarkers()
	if !contains(got, "childMain") || len(got) != len(want)+1 {
		t.Errorf("with -child: ChildMarkers = %q, want %q plus childMain once", got, want)
	}
}

// TestChildMarkersNecessary checks the promise of ChildMarkers on every
// fixture in which norace finds a context: some file holds a marker.
func TestChildMarkersNecessary(t *testing.T) {
	pkgs := []string{"forks", "flagged"}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		pkgs = append(pkgs, "literaltrap") // 56 is SYS_CLONE only there
	}
	if err := norace.Analyzer.Flags.Set("child", "flagged.childMain"); err != nil {
		t.Fatal(err)
	}
	defer norace.Analyzer.Flags.Set("child", "")
	markers := norace.ChildMarkers()
	for _, r := range analysistest.Run(t, analysistest.TestData(), norace.Analyzer, pkgs...) {
		res := r.Result.(*norace.Result)
		if len(res.Contexts) == 0 {
			t.Errorf("%s: no child contexts; the fixture should have some", r.Pass.Pkg.Path())
			continue
		}
		found := false
		for _, f := range r.Pass.Files {
			src, err := os.ReadFile(r.Pass.Fset.File(f.Pos()).Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range markers {
				found = found || bytes.Contains(src, []byte(m))
			}
		}
		if !found {
			t.Errorf("%s has %d child contexts (%v) but none of the markers %q", r.Pass.Pkg.Path(), len(res.Contexts), res.Contexts, markers)
		}
	}
}

// TestAnalyzeWith tells norace that another package's child code calls
// called.Entry and called.T.Method: they, what they reach in the package
// (helper, the closure) and nothing else must not be instrumented, and
// what they reach in dep is listed in Reaches.
func TestAnalyzeWith(t *testing.T) {
	r := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "called")[0]
	p := r.Pass
	plain := r.Result.(*norace.Result)
	if len(plain.Contexts) != 0 || len(plain.NoInstrument) != 0 {
		t.Fatalf("called has contexts of its own: %v %v", plain.Contexts, plain.NoInstrument)
	}
	res, err := norace.AnalyzeWith(p.Fset, p.Files, p.OtherFiles, p.Pkg, p.TypesInfo, p.TypesSizes,
		[]string{"called.Entry", "called.T.Method", "called.NotDeclared", "dep.Leaf"})
	if err != nil {
		t.Fatal(err)
	}
	names := func(fns []*types.Func) []string {
		var out []string
		for _, fn := range fns {
			out = append(out, norace.FuncName(fn))
		}
		sort.Strings(out)
		return out
	}
	var skipped []*types.Func
	for fn, why := range res.NoInstrument {
		skipped = append(skipped, fn)
		if fn.Name() == "helper" && !strings.Contains(why, string(norace.KindCalled)) {
			t.Errorf("helper: why %q does not name %q", why, norace.KindCalled)
		}
	}
	if diff := cmp.Diff([]string{"called.Entry", "called.T.Method", "called.helper"}, names(skipped)); diff != "" {
		t.Errorf("NoInstrument (-want +got):\n%s", diff)
	}
	if len(res.NoInstrumentLits) != 1 {
		t.Errorf("NoInstrumentLits = %d, want Entry's closure", len(res.NoInstrumentLits))
	}
	if diff := cmp.Diff([]string{"called/dep.Leaf", "called/dep.Other"}, names(res.Reaches)); diff != "" {
		t.Errorf("Reaches (-want +got):\n%s", diff)
	}
	for _, c := range res.Contexts {
		if c.Kind != norace.KindCalled || !c.Whole {
			t.Errorf("context %v: want whole, %q", c, norace.KindCalled)
		}
	}

	// No children: the same as Analyze.
	res, err = norace.AnalyzeWith(p.Fset, p.Files, p.OtherFiles, p.Pkg, p.TypesInfo, p.TypesSizes, nil)
	if err != nil || len(res.Contexts) != 0 || len(res.NoInstrument) != 0 {
		t.Errorf("AnalyzeWith(nil) = %v, %v; want nothing", res, err)
	}
}

// TestAnalyzeWithKnownChild names a function that is a child context
// already: it keeps its own kind, and the result is Analyze's.
func TestAnalyzeWithKnownChild(t *testing.T) {
	r := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "forks")[0]
	p := r.Pass
	want := r.Result.(*norace.Result)
	got, err := norace.AnalyzeWith(p.Fset, p.Files, p.OtherFiles, p.Pkg, p.TypesInfo, p.TypesSizes, []string{"forks.annotated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Contexts) != len(want.Contexts) || len(got.NoInstrument) != len(want.NoInstrument) || len(got.Reaches) != len(want.Reaches) {
		t.Errorf("AnalyzeWith(forks.annotated): %d contexts, %d skipped, %d reaches; Analyze: %d, %d, %d",
			len(got.Contexts), len(got.NoInstrument), len(got.Reaches), len(want.Contexts), len(want.NoInstrument), len(want.Reaches))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
