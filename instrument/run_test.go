package instrument_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raceinst/raceinst/instrument"
)

// runResult is what one program run gave.
type runResult struct {
	stdout, stderr string
	code           int
}

// buildPrograms instruments each program under testdata/run and builds it
// both plain and instrumented (one go build for all), returning the
// binaries' directory.
func buildPrograms(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds programs")
	}
	mod := t.TempDir()
	writeModule(t, mod)
	progs, _ := filepath.Glob("testdata/run/*")
	for _, dir := range progs {
		name := filepath.Base(dir)
		l := load(t, dir)
		// Original paths in //line, so reports name the user's file.
		for i := range l.in.Filenames {
			abs, err := filepath.Abs(filepath.Join(dir, l.names[i]))
			if err != nil {
				t.Fatal(err)
			}
			l.in.Filenames[i] = abs
		}
		res, err := instrument.Package(l.in, instrument.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range res.Warnings {
			t.Logf("%s: %s", name, w)
		}
		for _, variant := range []string{"plain_", "inst_"} {
			out := filepath.Join(mod, variant+name)
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, f := range res.Files {
				src := l.in.Sources[i]
				if variant == "inst_" && f.Src != nil {
					src = f.Src
				}
				if err := os.WriteFile(filepath.Join(out, l.names[i]), src, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	bin := filepath.Join(mod, "bin")
	if out, err := goCmd(t, mod, "build", "-o", bin+string(filepath.Separator), "./..."); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, bin string, env ...string) runResult {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runResult{stdout.String(), stderr.String(), code}
}

// TestRun checks that instrumented programs behave as the originals, that
// race-free programs stay silent, and that a racy one is reported at the
// original file:line with Go's race detector's exit status.
func TestRun(t *testing.T) {
	bin := buildPrograms(t)
	env := []string{"GORACE=atexit_sleep_ms=0"}
	// iosync: the file and HTTP edges (iosync.go).
	// reuse: memory freed and allocated again (alloc.go).
	// mallocs: rt allocates nothing when a goroutine's hand-off ends.
	for _, name := range []string{"semantics", "racefree", "iosync", "reuse", "mallocs"} {
		plain := run(t, filepath.Join(bin, "plain_"+name), env...)
		inst := run(t, filepath.Join(bin, "inst_"+name), env...)
		if plain.stdout != inst.stdout || plain.code != inst.code {
			t.Errorf("%s: plain and instrumented differ:\nplain (exit %d):\n%s\ninstrumented (exit %d):\n%s\n%s",
				name, plain.code, plain.stdout, inst.code, inst.stdout, inst.stderr)
		}
		if strings.Contains(inst.stderr, "DATA RACE") {
			t.Errorf("%s: false race report:\n%s", name, inst.stderr)
		}
	}
	// The scenario needs the address reused (GOMAXPROCS=1, one size
	// class): else it checks nothing.
	if got := run(t, filepath.Join(bin, "inst_reuse"), env...); !strings.Contains(got.stdout, "reused: true") {
		t.Errorf("reuse: the collected object's memory was not allocated again:\n%s", got.stdout)
	}
	if got := run(t, filepath.Join(bin, "plain_semantics")); got.code != 3 {
		t.Errorf("semantics: exit %d, want 3 (os.Exit(3))", got.code)
	}

	racy := run(t, filepath.Join(bin, "inst_racy"), env...)
	if !strings.Contains(racy.stderr, "WARNING: DATA RACE") {
		t.Fatalf("racy: no race reported:\n%s", racy.stderr)
	}
	if want := filepath.Join("testdata", "run", "racy", "main.go") + ":12"; !strings.Contains(racy.stderr, want) {
		t.Errorf("racy: report does not name %s:\n%s", want, racy.stderr)
	}
	if racy.code != 66 || racy.stdout != "done\n" {
		t.Errorf("racy: exit %d, stdout %q; want 66, \"done\\n\"", racy.code, racy.stdout)
	}
	if !strings.Contains(racy.stderr, "Found 1 data race(s)") {
		t.Errorf("racy: no summary:\n%s", racy.stderr)
	}

	// Races on a heap variable and on a new object, both told to rt by
	// Alloc (alloc.go), are still found.
	ra := run(t, filepath.Join(bin, "inst_racyalloc"), env...)
	for _, line := range []string{":15", ":16", ":19", ":20"} {
		if want := filepath.Join("testdata", "run", "racyalloc", "main.go") + line; !strings.Contains(ra.stderr, want) {
			t.Errorf("racyalloc: report does not name %s:\n%s", want, ra.stderr)
		}
	}
	if ra.code != 66 || !strings.Contains(ra.stderr, "Found 2 data race(s)") {
		t.Errorf("racyalloc: exit %d, want 66 and 2 races:\n%s", ra.code, ra.stderr)
	}

	// Operands that are calls, hooked through helpers where they are
	// evaluated (sliceWrap, mapHook, copyHelper, hookThrough); each report names the user's line
	// (rt's userPC), not the helper's past the end of the file.
	rh := run(t, filepath.Join(bin, "inst_racyhelpers"), env...)
	for _, line := range []string{":37", ":38", ":40", ":43", ":44", ":45"} {
		if want := filepath.Join("testdata", "run", "racyhelpers", "main.go") + line + " "; !strings.Contains(rh.stderr, want) {
			t.Errorf("racyhelpers: report does not name %s:\n%s", want, rh.stderr)
		}
	}
	if strings.Contains(rh.stderr, "__rt_") {
		t.Errorf("racyhelpers: a report names a helper:\n%s", rh.stderr)
	}
	if rh.code != 66 || !strings.Contains(rh.stderr, "Found 6 data race(s)") {
		t.Errorf("racyhelpers: exit %d, want 66 and 6 races:\n%s", rh.code, rh.stderr)
	}

	// A later case of a switch with or without a tag, an else-if's init
	// statement and a var group's later spec, hooked where they are
	// evaluated (caseClauses, ifStmt, varGroup);
	// racefree's casesNotReached has the same cases not reached.
	rc := run(t, filepath.Join(bin, "inst_racycases"), env...)
	for _, line := range []string{":22", ":28", ":33", ":38"} {
		if want := filepath.Join("testdata", "run", "racycases", "main.go") + line + " "; !strings.Contains(rc.stderr, want) {
			t.Errorf("racycases: report does not name %s:\n%s", want, rc.stderr)
		}
	}
	if rc.code != 66 || !strings.Contains(rc.stderr, "Found 4 data race(s)") {
		t.Errorf("racycases: exit %d, want 66 and 4 races:\n%s", rc.code, rc.stderr)
	}

	// A pool orders a Put only with the Get of the same object: two
	// goroutines through one pool with different objects race on n; the
	// hand-over of m through the pool's object is race-free.
	rp := run(t, filepath.Join(bin, "inst_racypool"), env...)
	for _, line := range []string{":24", ":33"} {
		if want := filepath.Join("testdata", "run", "racypool", "main.go") + line + " "; !strings.Contains(rp.stderr, want) {
			t.Errorf("racypool: report does not name %s:\n%s", want, rp.stderr)
		}
	}
	if rp.code != 66 || rp.stdout != "done 2 2\n" || !strings.Contains(rp.stderr, "Found 1 data race(s)") {
		t.Errorf("racypool: exit %d, stdout %q; want 66, \"done 2 2\" and 1 race:\n%s", rp.code, rp.stdout, rp.stderr)
	}

	// reflect's accesses happen in std: the helpers record them
	// (reflect.go). One race on n, one on a's elements.
	rr := run(t, filepath.Join(bin, "inst_racyreflect"), env...)
	for _, line := range []string{":13", ":16", ":21", ":24"} {
		if want := filepath.Join("testdata", "run", "racyreflect", "main.go") + line; !strings.Contains(rr.stderr, want) {
			t.Errorf("racyreflect: report does not name %s:\n%s", want, rr.stderr)
		}
	}
	if rr.code != 66 || !strings.Contains(rr.stderr, "Found 2 data race(s)") {
		t.Errorf("racyreflect: exit %d, want 66 and 2 races:\n%s", rr.code, rr.stderr)
	}
}
