package norace_test

import (
	"bytes"
	"go/token"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/raceinst/raceinst/passes/norace"
)

func TestChildFlag(t *testing.T) {
	if err := norace.Analyzer.Flags.Set("child", "flagged.childMain"); err != nil {
		t.Fatal(err)
	}
	defer norace.Analyzer.Flags.Set("child", "")
	analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "flagged")
}

func TestChildFlagInvalid(t *testing.T) {
	if err := norace.Analyzer.Flags.Set("child", "childMain"); err == nil {
		t.Fatal("-child=childMain (no package) accepted, want an error naming the form")
	}
	norace.Analyzer.Flags.Set("child", "")
}

// TestInChild checks the positions instrument/ asks about: statements in
// the child branch are in the child, the parent's are not.
func TestInChild(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), norace.Analyzer, "forks")
	r := results[0]
	res := r.Result.(*norace.Result)
	// Find positions by source text in pidZeroBranch.
	file := r.Pass.Fset.File(r.Pass.Files[0].Pos())
	src, err := r.Pass.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	pos := func(s string) token.Pos {
		i := bytes.Index(src, []byte(s))
		if i < 0 {
			t.Fatalf("%q not in fixture", s)
		}
		return file.Pos(i)
	}
	for _, tc := range []struct {
		text  string
		child bool
	}{
		{"inBranch()\n\t\tf := func", true},      // in the pid == 0 branch
		{"f := func() { sink = 9 }", true},       // closure made in the child
		{"afterBranch()\n}", false},              // after the branch: parent too
		{"helper()\n\tviaHelper()", true},        // after if pid != 0 { return }
		{"parentOnly()\n\t\treturn", false},      // in the parent's branch
		{"notAFork()", false},                    // getpid is no fork
		{"windowCallee()\n\tpid", true},          // before-fork window
		{"var buf [8]byte\n\tbeforeFork", false}, // before the window opens
	} {
		if got := res.InChild(pos(tc.text)); got != tc.child {
			t.Errorf("InChild(%q) = %v, want %v", tc.text, got, tc.child)
		}
	}
}
