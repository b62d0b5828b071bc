package norace_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/raceinst/raceinst/passes/norace"
)

func TestDirectives(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), norace.Analyzer, "directives")
}

func TestForkContexts(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "forks")
	res := results[0].Result.(*norace.Result)
	kinds := map[norace.ChildKind]int{}
	for _, c := range res.Contexts {
		kinds[c.Kind]++
	}
	want := map[norace.ChildKind]int{norace.KindRawFork: 5, norace.KindBeforeFork: 1, norace.KindAnnotated: 1}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("contexts by kind (-want +got):\n%s", diff)
	}
	var reaches []string
	for _, fn := range res.Reaches {
		reaches = append(reaches, norace.FuncName(fn))
	}
	if diff := cmp.Diff([]string{"syscall.Getpid", "syscall.RawSyscall"}, reaches); diff != "" {
		t.Errorf("Reaches (-want +got):\n%s", diff)
	}
}

// TestAnalyze runs norace outside the analysis drivers, as instrument/
// does, and checks it finds the same child contexts as under analysistest.
func TestAnalyze(t *testing.T) {
	want := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "forks")[0]
	p := want.Pass
	res, err := norace.Analyze(p.Fset, p.Files, p.OtherFiles, p.Pkg, p.TypesInfo, p.TypesSizes)
	if err != nil {
		t.Fatal(err)
	}
	wantRes := want.Result.(*norace.Result)
	if len(res.Contexts) != len(wantRes.Contexts) || len(res.NoInstrument) != len(wantRes.NoInstrument) {
		t.Errorf("Analyze: %d contexts, %d no-instrument funcs; analysistest: %d, %d",
			len(res.Contexts), len(res.NoInstrument), len(wantRes.Contexts), len(wantRes.NoInstrument))
	}
	for fn, why := range wantRes.NoInstrument {
		if !res.SkipFunc(fn) {
			t.Errorf("Analyze: %s not skipped (%s)", fn.Name(), why)
		}
	}
}

// TestNoForkSkipped checks that a package that cannot fork (it imports
// neither syscall nor golang.org/x/sys/unix) is not searched for fork calls
// and gets no SSA, while one that forks is and does, with the same facts
// as before the skip existed.
func TestNoForkSkipped(t *testing.T) {
	for _, tc := range []struct {
		pkg            string
		scanned, built bool
		contexts       int
	}{
		{"nofork", false, false, 0},
		{"forks", true, true, 7},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			res := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, tc.pkg)[0].Result.(*norace.Result)
			if got := norace.ForkScanned(res); got != tc.scanned {
				t.Errorf("searched for fork calls: %v, want %v", got, tc.scanned)
			}
			if got := norace.SSABuilt(res); got != tc.built {
				t.Errorf("SSA built: %v, want %v", got, tc.built)
			}
			if len(res.Contexts) != tc.contexts {
				t.Errorf("%d contexts, want %d: %v", len(res.Contexts), tc.contexts, res.Contexts)
			}
		})
	}
	// The skip keeps what norace knows of the package: its directives.
	res := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "nofork")[0].Result.(*norace.Result)
	var norace_ []string
	for fn, why := range res.NoInstrument {
		norace_ = append(norace_, fn.Name()+": "+why)
	}
	if diff := cmp.Diff([]string{"quiet: //go:norace"}, norace_); diff != "" {
		t.Errorf("NoInstrument (-want +got):\n%s", diff)
	}
}
