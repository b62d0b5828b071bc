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
