package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real modules of TestRealModules, at pinned versions (x/sync v0.22.0
// is the newest whose go.mod still says go 1.25; go-cmp is our own
// requirement), with their go.sum lines.
var realModules = []struct{ path, version, sum, modSum string }{
	{"golang.org/x/sync", "v0.22.0", "h1:SZjpbeLmrCk4xhRSZFNZW5gFUeCeFgjekvI/+gfScek=", "h1:9xrNwdLfx4jkKbNva9FpL6vEN7evnE43NNNJQ2LF3+0="},
	{"github.com/google/go-cmp", "v0.7.0", "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=", "h1:pXiqmnSA92OHEEa9HXL2W4E7lf9JzCmGVUdgjX3N/iU="},
}

// realTested are the packages of the real modules that have tests;
// realUntested those that have none.
var (
	realTested = []string{
		"golang.org/x/sync/errgroup",
		"golang.org/x/sync/semaphore",
		"golang.org/x/sync/singleflight",
		"golang.org/x/sync/syncmap",
		"github.com/google/go-cmp/cmp",
		"github.com/google/go-cmp/cmp/cmpopts",
		"github.com/google/go-cmp/cmp/internal/diff",
		"github.com/google/go-cmp/cmp/internal/function",
		"github.com/google/go-cmp/cmp/internal/value",
	}
	realUntested = []string{
		"github.com/google/go-cmp/cmp/internal/flags",
		"github.com/google/go-cmp/cmp/internal/testprotos",
		"github.com/google/go-cmp/cmp/internal/teststructs",
		"github.com/google/go-cmp/cmp/internal/teststructs/foo1",
		"github.com/google/go-cmp/cmp/internal/teststructs/foo2",
	}
)

// TestRealModules runs the test suites of golang.org/x/sync and go-cmp
// under raceinst test, every package of both instrumented: all must pass
// with no race reported.
func TestRealModules(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads modules and runs their test suites")
	}
	dirs := downloadRealModules(t)
	var before []string
	for _, d := range dirs {
		before = append(before, treeHash(t, d))
	}
	defer func() {
		for i, d := range dirs {
			if treeHash(t, d) != before[i] {
				t.Errorf("raceinst changed the module cache's %s", d)
			}
		}
	}()

	dir := t.TempDir()
	gomod := "module example.com/realmod\n\ngo 1.25.0\n\nrequire (\n"
	gosum := ""
	var pats []string
	for _, m := range realModules {
		gomod += "\t" + m.path + " " + m.version + "\n"
		gosum += fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", m.path, m.version, m.sum, m.path, m.version, m.modSum)
		pats = append(pats, m.path+"/...")
	}
	gomod += ")\n"
	for name, data := range map[string]string{"go.mod": gomod, "go.sum": gosum} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	beforeMod := treeHash(t, dir)
	defer func() {
		if treeHash(t, dir) != beforeMod {
			t.Errorf("raceinst changed the user's module %s", dir)
		}
	}()

	// A test hook unknown to the driver, different at every run, enters
	// the salt that marks the selected packages (salt.go): the go command
	// compiles them again even when its cache holds them (and only them:
	// std keeps go build's cached compiles), so the toolexec log shows each
	// one being instrumented.
	nonce := fmt.Sprintf("nonce:%d", time.Now().UnixNano())
	args := []string{"test", "-count=1", "-instrument=" + strings.Join(pats, ",")}
	args = append(args, pats...)
	log := filepath.Join(t.TempDir(), "log")
	start := time.Now()
	r := run(t, dir, []string{logEnv + "=" + log, "GOWORK=off", "GOFLAGS=-mod=readonly", testHookEnv + "=" + hooks + "," + nonce}, "", args...)
	t.Logf("raceinst test of the real modules: %v", time.Since(start).Round(time.Second))
	if r.code != 0 {
		t.Errorf("raceinst %s: %v", strings.Join(args, " "), r)
	}
	for _, bad := range []string{"WARNING: DATA RACE", "race detected during execution of test", "not instrumented:"} {
		if strings.Contains(r.stdout, bad) || strings.Contains(r.stderr, bad) {
			t.Errorf("output has %q:\n%v", bad, r)
		}
	}
	for _, p := range realTested {
		if !strings.Contains(r.stdout, "ok  \t"+p+"\t") {
			t.Errorf("no ok line for %s:\n%s", p, r.stdout)
		}
	}
	for _, p := range realUntested {
		if !strings.Contains(r.stdout, "?   \t"+p+"\t[no test files]") {
			t.Errorf("no [no test files] line for %s:\n%s", p, r.stdout)
		}
	}
	// Each tested package, or its external test package, was rewritten;
	// no selected package fell back to its original source.
	acts := actions(t, log)
	for _, p := range realTested {
		found := false
		for _, a := range acts {
			if strings.HasSuffix(a, " instrumented") && (strings.HasPrefix(a, "compile "+p+" ") || strings.HasPrefix(a, "compile "+p+"_test [")) {
				found = true
			}
		}
		if !found {
			t.Errorf("toolexec log has no instrumented compile of %s:\n%s", p, strings.Join(acts, "\n"))
		}
	}
	for _, a := range acts {
		if strings.HasSuffix(a, " failed") || strings.HasSuffix(a, " rejected") || strings.HasSuffix(a, " typeerror") {
			t.Errorf("toolexec log: %s", a)
		}
	}
}

// downloadRealModules fetches the real modules into the module cache
// (through the proxy, if they are not there yet) and returns their
// directories. Without a proxy the test skips, except in CI (CI=true),
// where it fails.
func downloadRealModules(t *testing.T) []string {
	t.Helper()
	args := []string{"mod", "download", "-json"}
	for _, m := range realModules {
		args = append(args, m.path+"@"+m.version)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = t.TempDir() // no go.mod: nothing of ours is written
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		msg := fmt.Sprintf("go mod download: %v\n%s", err, out)
		if ee, ok := err.(*exec.ExitError); ok {
			msg += string(ee.Stderr)
		}
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("module proxy unreachable? " + msg)
	}
	var dirs []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var m struct{ Path, Dir, Error string }
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.Error != "" || m.Dir == "" {
			t.Fatalf("go mod download %s: %s", m.Path, m.Error)
		}
		dirs = append(dirs, m.Dir)
	}
	if len(dirs) != len(realModules) {
		t.Fatalf("go mod download gave %d modules, want %d:\n%s", len(dirs), len(realModules), out)
	}
	return dirs
}

// TestSubtests: what a subtest did happens before its parent goes on
// after t.Run (go-cmp's TestDifferenceFuzz reported a race on its loop
// variable without this edge), parallel subtests' effects reach the
// parent's caller, a parallel subtest sees what its parent's function did,
// and parallel siblings still race.
func TestSubtests(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "", "test", "-count=1", "-v", "-run=ResultAfterRun|SharedLoopVar|ParallelResults|ParallelAfterParentBody", "-bench=.", "-benchtime=2x", "./subtests")
	if r.code != 0 || strings.Contains(r.stdout, "DATA RACE") || !strings.Contains(r.stdout, "BenchmarkResultAfterRun/sets") {
		t.Errorf("subtests reported a race or failed: %v", r)
	}
	if strings.Contains(r.stdout+r.stderr, "not instrumented:") {
		t.Errorf("subtests fell back to uninstrumented code: %v", r)
	}
	r = run(t, dir, nil, "", "test", "-count=1", "-v", "-run=ParallelSiblingsRace", "./subtests")
	if r.code != 1 || !strings.Contains(r.stdout, "WARNING: DATA RACE") || !strings.Contains(r.stdout, "--- FAIL: TestParallelSiblingsRace") {
		t.Errorf("race between parallel siblings not reported: %v", r)
	}
}
