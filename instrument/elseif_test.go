package instrument_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raceinst/raceinst/instrument"
)

// TestElseIfBlockBeforeLoopTail: an else-if with an init statement that
// ends a loop body on the same line (code gofmt has not seen) gets its
// block closed before the loop's tail hooks, which run on every
// iteration, not only when the else is taken.
func TestElseIfBlockBeforeLoopTail(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\ntype T struct{ x, y int }\n\nvar g = &T{}\n\nfunc f(n int, a bool) {\n\tfor i := 0; i < n; g.x++ {if a {} else if v := g.y; v > 0 {}}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l := load(t, dir)
	res, err := instrument.Package(l.in, instrument.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Files[0].Src)
	i := strings.Index(out, "v > 0 {}")
	if i < 0 {
		t.Fatalf("no else-if in the output:\n%s", out)
	}
	rest := out[i+len("v > 0 {}"):]
	tail := strings.Index(rest, "&g.x")
	if tail < 0 {
		t.Fatalf("no tail hook of g.x++ after the else-if:\n%s", out)
	}
	if !strings.Contains(rest[:tail], "}") {
		t.Errorf("the loop's tail hooks are inside the else-if's block:\n%s", out)
	}
}
