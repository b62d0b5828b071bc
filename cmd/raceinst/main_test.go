package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// raceinst is the binary under test, built once by TestMain (or named by
// RACEINST_TEST_BINARY, to test a prebuilt one).
var raceinst string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "raceinst-test")
	if err != nil {
		panic(err)
	}
	raceinst = os.Getenv("RACEINST_TEST_BINARY")
	if raceinst == "" {
		raceinst = filepath.Join(dir, "raceinst")
		if out, err := exec.Command("go", "build", "-o", raceinst, ".").CombinedOutput(); err != nil {
			panic("go build: " + err.Error() + "\n" + string(out))
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hooks are the test hooks of every e2e run (one set, so that all runs
// share one salt and the standard library is compiled once): rt is
// imported by each instrumented package, so rt's link is exercised even
// where the instrumenter leaves a package unchanged; badinst fails to
// instrument; badcomp's instrumented code does not compile.
const hooks = "importrt,instrument:example.com/mod/badinst,compile:example.com/mod/badcomp"

// fixture copies testdata/mod to a temporary module, and checks when the
// test ends that raceinst wrote nothing into it.
func fixture(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end builds are slow")
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/mod")); err != nil {
		t.Fatal(err)
	}
	before := treeHash(t, dst)
	t.Cleanup(func() {
		if after := treeHash(t, dst); after != before {
			t.Errorf("raceinst changed the user's tree %s", dst)
		}
	})
	return dst
}

// treeHash hashes every file's path, mode and content under dir.
func treeHash(t *testing.T, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v\n", p, info.Mode())
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs name (raceinst if "") in dir with the test hooks and env.
func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	if name == "" {
		name = raceinst
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testHookEnv+"="+hooks)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// actions reads a RACEINST_TOOLEXEC_LOG file: one "compile PKG WHAT" or
// "link PKG" line per toolexec call.
func actions(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func contains(lines []string, line string) bool {
	for _, l := range lines {
		if l == line {
			return true
		}
	}
	return false
}

func TestBuildAndRun(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "prog")
	log := filepath.Join(t.TempDir(), "log")
	r := run(t, dir, []string{logEnv + "=" + log}, "", "build", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	acts := actions(t, log)
	for _, want := range []string{"compile example.com/mod instrumented", "compile example.com/mod/lib instrumented"} {
		if !contains(acts, want) && len(acts) > 0 {
			t.Errorf("toolexec log lacks %q:\n%s", want, strings.Join(acts, "\n"))
		}
	}
	r = run(t, dir, nil, out)
	if want := "hello from embed sum=6\n"; r.code != 0 || r.stdout != want {
		t.Fatalf("built program: %v\nwant stdout %q", r, want)
	}

	// go run's own exit status rules apply: 1 when the program fails.
	r = run(t, dir, nil, "", "run", ".", "abc")
	if r.code != 1 || r.stdout != "hello from embed sum=6\n" || !strings.Contains(r.stderr, "exit status 3") {
		t.Fatalf("raceinst run . abc: %v\nwant exit 1, exit status 3", r)
	}
	r = run(t, dir, nil, "", "run", "main.go")
	if r.code != 0 || r.stdout != "hello from embed sum=6\n" {
		t.Fatalf("raceinst run main.go: %v", r)
	}
}

func TestTestFlags(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "", "test", "-run", "TestSum", "-v", "-count=1", "./lib")
	if r.code != 0 {
		t.Fatalf("raceinst test: %v", r)
	}
	for _, want := range []string{"TestMain ran", "=== RUN   TestSum", "--- PASS: TestSum", "ok  \texample.com/mod/lib"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "TestOther") || strings.Contains(r.stdout, "(cached)") {
		t.Errorf("-run or -count=1 not honoured:\n%s", r.stdout)
	}

	r = run(t, dir, nil, "", "test", "-json", "./lib", "-run=TestExternal")
	if r.code != 0 {
		t.Fatalf("raceinst test -json: %v", r)
	}
	passed := false
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var ev struct{ Action, Test string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		passed = passed || ev.Action == "pass" && ev.Test == "TestExternal"
	}
	if !passed {
		t.Errorf("no pass event for TestExternal:\n%s", r.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "", "build", "./broken")
	if r.code != 1 || !strings.Contains(r.stderr, "broken/broken.go:5:9: cannot use \"not an int\"") {
		t.Errorf("compile error: %v\nwant exit 1 and the compiler's error at broken/broken.go:5:9", r)
	}
	if strings.Contains(r.stderr, "not instrumented") {
		t.Errorf("compile error reported as an instrumentation problem:\n%s", r.stderr)
	}
	r = run(t, dir, nil, "", "test", "./failing")
	if r.code != 1 || !strings.Contains(r.stdout, "--- FAIL: TestFails") {
		t.Errorf("failing test: %v\nwant exit 1 and --- FAIL: TestFails", r)
	}
	for _, args := range [][]string{
		{"build", "-race", "."},
		{"test", "-toolexec=/bin/true", "."},
		{"build", "-buildmode=shared", "."},
		{"build", "-linkshared", "."},
	} {
		r := run(t, dir, nil, "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "raceinst") || !strings.Contains(r.stderr, strings.SplitN(args[1], "=", 2)[0]) {
			t.Errorf("raceinst %v: %v\nwant exit 2 naming the flag", args, r)
		}
	}
	if r := run(t, dir, nil, "", "vet", "./lib"); r.code != 0 {
		t.Errorf("raceinst vet ./lib: %v", r)
	}
	if r := run(t, dir, nil, "", "vet", "./broken"); r.code != 1 || !strings.Contains(r.stderr, "broken/broken.go:5:9") {
		t.Errorf("raceinst vet ./broken: %v\nwant exit 1 and the type error", r)
	}
	r = run(t, dir, []string{"GOFLAGS=-race"}, "", "build", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "GOFLAGS") {
		t.Errorf("GOFLAGS=-race: %v\nwant exit 2 naming GOFLAGS", r)
	}
}

// TestCache checks that a second identical build is served by the go
// command's cache (no compile or link calls reach raceinst), and that a
// different option invalidates it.
func TestCache(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "prog")
	run(t, dir, nil, "", "build", "-o", out, ".")
	log := filepath.Join(t.TempDir(), "log")
	env := []string{logEnv + "=" + log}
	r := run(t, dir, env, "", "build", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	if acts := actions(t, log); len(acts) != 0 {
		t.Errorf("second identical build ran %d tools:\n%s", len(acts), strings.Join(acts, "\n"))
	}
	r = run(t, dir, env, "", "build", "-instrument=example.com/mod/lib", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build -instrument: %v", r)
	}
	acts := actions(t, log)
	for _, want := range []string{"compile example.com/mod/lib instrumented", "compile example.com/mod synconly", "link example.com/mod"} {
		if !contains(acts, want) {
			t.Errorf("after changing -instrument, toolexec log lacks %q:\n%s", want, strings.Join(acts, "\n"))
		}
	}
}

// TestCacheSharedWithGoBuild: the packages raceinst does not instrument
// are go build's own compiles (salt.go), so after a go build only the
// instrumented ones compile; and nothing instrumented lands under go
// build's keys. With -gcflags of the user's, raceinst salts every tool.
func TestCacheSharedWithGoBuild(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "prog")
	goBuild := func() {
		t.Helper()
		if r := run(t, dir, nil, "go", "build", "-o", out, "."); r.code != 0 {
			t.Fatalf("go build: %v", r)
		}
		sym := run(t, dir, nil, "go", "tool", "nm", out)
		if strings.Contains(sym.stdout, "raceinst/rt.") {
			t.Fatalf("go build's binary links rt: an instrumented compile was stored under go build's key")
		}
	}
	goBuild()
	log := filepath.Join(t.TempDir(), "log")
	// A fresh option set (a pattern no other test uses) gets a fresh salt.
	r := run(t, dir, []string{logEnv + "=" + log}, "", "build", "-instrument=example.com/mod/...,example.com/none", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	acts := actions(t, log)
	for _, want := range []string{"compile example.com/mod/lib instrumented", "compile example.com/mod instrumented", "link example.com/mod"} {
		if !contains(acts, want) {
			t.Errorf("toolexec log lacks %q:\n%s", want, strings.Join(acts, "\n"))
		}
	}
	for _, a := range acts {
		if strings.Contains(a, " skip ") {
			t.Errorf("compiled again what go build had compiled: %q", a)
		}
	}
	if sym := run(t, dir, nil, "go", "tool", "nm", out); !strings.Contains(sym.stdout, "raceinst/rt.") {
		t.Errorf("raceinst's binary does not link rt")
	}
	goBuild()

	// User -gcflags: every compile is keyed anew, and still instrumented.
	// The salt depends on the options and on rt, not on the module's
	// directory: a pattern of this run's own keeps a GOCACHE that an
	// earlier run with the same rt filled from holding std's compiles.
	log2 := filepath.Join(t.TempDir(), "log")
	fresh := "example.com/none-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	r = run(t, dir, []string{logEnv + "=" + log2}, "", "build", "-gcflags=all=-l", "-instrument=example.com/mod/...,"+fresh, "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build -gcflags: %v", r)
	}
	acts = actions(t, log2)
	if !contains(acts, "compile example.com/mod/lib instrumented") || !slices.ContainsFunc(acts, func(a string) bool { return strings.HasSuffix(a, " skip std") }) {
		t.Errorf("with -gcflags, want lib instrumented and std compiled anew:\n%s", strings.Join(acts, "\n"))
	}
	goBuild()
}

func TestCrossBuild(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "prog")
	r := run(t, dir, []string{"GOOS=linux", "GOARCH=arm64"}, "", "build", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("GOOS=linux GOARCH=arm64 raceinst build: %v", r)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("built for %v, want EM_AARCH64", f.Machine)
	}
}

func TestTrimpath(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "prog")
	r := run(t, dir, nil, "", "build", "-trimpath", "-o", out, ".")
	if r.code != 0 {
		t.Fatalf("raceinst build -trimpath: %v", r)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), dir) {
		t.Errorf("-trimpath binary contains the module directory %s", dir)
	}
	if r := run(t, dir, nil, out); r.stdout != "hello from embed sum=6\n" {
		t.Errorf("-trimpath binary: %v", r)
	}
}

func TestCgo(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		skipOrFail(t, "no gcc; .ci/run installs it (apt-get install -y gcc)")
	}
	dir := fixture(t)
	log := filepath.Join(t.TempDir(), "log")
	r := run(t, dir, []string{"CGO_ENABLED=1", logEnv + "=" + log}, "", "run", "./cgoprog")
	if r.code != 0 || r.stdout != "cgo says 6\n" {
		t.Fatalf("raceinst run ./cgoprog: %v", r)
	}
	if acts := actions(t, log); len(acts) > 0 && !contains(acts, "compile example.com/mod/cgoprog instrumented") {
		t.Errorf("cgo package not instrumented:\n%s", strings.Join(acts, "\n"))
	}
}

// TestStaticBinary: raceinst links no cgo even where cgo is enabled. The
// go command starts it for every tool's -V=full and every compile, and a
// dynamically linked start costs 3-4 ms more; archive/tar (os/user) and
// net are the usual ways cgo comes in.
func TestStaticBinary(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "runtime/cgo" || p == "os/user" || p == "net" {
			t.Errorf("raceinst depends on %s, which links cgo", p)
		}
	}
}

// TestFallback checks that packages raceinst fails on are built
// uninstrumented, with a one-line warning.
func TestFallback(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "", "build", "./badinst", "./badcomp")
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	for _, want := range []string{
		"raceinst: example.com/mod/badinst: not instrumented: injected fault",
		"raceinst: example.com/mod/badcomp: not instrumented: compiler rejected the instrumented code: ",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestGo125 builds and tests with the oldest supported toolchain.
func TestGo125(t *testing.T) {
	dir := fixture(t)
	env := []string{"GOTOOLCHAIN=go1.25.0"}
	if r := run(t, dir, env, "go", "version"); r.code != 0 || !strings.Contains(r.stdout, "go1.25.0") {
		skipOrFail(t, fmt.Sprintf("go1.25.0 not available (.ci/run fetches it through the module proxy): %v", r))
	}
	r := run(t, dir, env, "", "test", "-count=1", "./lib")
	if r.code != 0 || !strings.Contains(r.stdout, "ok  \texample.com/mod/lib") {
		t.Fatalf("GOTOOLCHAIN=go1.25.0 raceinst test: %v", r)
	}
}

func TestRacyProgram(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "racy")
	if r := run(t, dir, nil, "", "build", "-o", out, "./racy"); r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	r := run(t, dir, nil, out)
	site := filepath.Join(dir, "racy", "main.go") + ":16"
	if r.code != 66 || !strings.Contains(r.stderr, "WARNING: DATA RACE") || !strings.Contains(r.stderr, site) {
		t.Errorf("racy program: %v\nwant exit 66, WARNING: DATA RACE at %s", r, site)
	}
	r = run(t, dir, []string{"GORACE=exitcode=7"}, out)
	if r.code != 7 {
		t.Errorf("GORACE=exitcode=7: %v", r)
	}
}

func TestRacyTest(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "", "test", "-count=1", "-v", "./racytest")
	if r.code != 1 || !strings.Contains(r.stdout, "race detected during execution of test") ||
		!strings.Contains(r.stdout, "--- FAIL: TestRacy") || !strings.Contains(r.stdout, "--- PASS: TestQuiet") {
		t.Errorf("racy test: %v\nwant exit 1, TestRacy failed with a race, TestQuiet passed", r)
	}
	// A test file's access made in an inlined helper is reported at the
	// test's line, in the test's frame.
	site := filepath.Join(dir, "racytest", "racy_test.go") + ":37 "
	if !strings.Contains(r.stdout, "--- FAIL: TestRacyHelper") || !strings.Contains(r.stdout, site) ||
		!strings.Contains(r.stdout, "racytest.TestRacyHelper()") || strings.Contains(r.stdout, "__rt_") {
		t.Errorf("racy test: %v\nwant TestRacyHelper failed with a race at %s in its own frame, no helper named", r, site)
	}
}

// TestSyncDeps: a dependency that synchronises for its callers (a
// WaitGroup and goroutines, as errgroup; a mutex; a channel hand-off) gets
// its synchronisation rewritten, though not instrumented, so the accesses
// it orders are not reported; a race it does not order still is.
func TestSyncDeps(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "syncdeps")
	log := filepath.Join(t.TempDir(), "log")
	r := run(t, dir, []string{logEnv + "=" + log}, "", "build", "-o", out, "./syncdeps")
	if r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	// group.unlock's method expression is left alone, with a warning:
	// the one line raceinst prints (under the go command's "# package").
	lines := slices.DeleteFunc(strings.Split(strings.TrimSpace(r.stderr), "\n"), func(l string) bool { return strings.HasPrefix(l, "# ") })
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "raceinst: example.com/dep/group: ") || !strings.Contains(lines[0], "group.go:47: method expression") {
		t.Errorf("raceinst build printed:\n%s\nwant one warning for example.com/dep/group's method expression", r.stderr)
	}
	if acts := actions(t, log); !contains(acts, "compile example.com/dep/group synconly") {
		t.Errorf("toolexec log lacks the dependency's sync-only compile:\n%s", strings.Join(acts, "\n"))
	}
	if r := run(t, dir, nil, out); r.code != 0 || r.stdout != "4 3\n" || strings.Contains(r.stderr, "DATA RACE") {
		t.Errorf("race-free program: %v\nwant exit 0, \"4 3\", no race", r)
	}
	// A main-module package -instrument leaves out is rewritten for its
	// synchronisation too.
	local := filepath.Join(t.TempDir(), "local")
	if r := run(t, dir, []string{logEnv + "=" + log}, "", "build", "-instrument=example.com/mod/syncdeps/local", "-o", local, "./syncdeps/local"); r.code != 0 {
		t.Fatalf("raceinst build -instrument=.../local: %v", r)
	}
	if acts := actions(t, log); !contains(acts, "compile example.com/mod/syncdeps/localgroup synconly") {
		t.Errorf("toolexec log lacks the main-module package's sync-only compile:\n%s", strings.Join(acts, "\n"))
	}
	if r := run(t, dir, nil, local); r.code != 0 || r.stdout != "[0 1 4 9]\n" || strings.Contains(r.stderr, "DATA RACE") {
		t.Errorf("race-free program: %v\nwant exit 0, \"[0 1 4 9]\", no race", r)
	}
	r = run(t, dir, nil, out, "racy")
	site1 := filepath.Join(dir, "syncdeps", "main.go") + ":26"
	site2 := filepath.Join(dir, "syncdeps", "main.go") + ":27"
	if r.code != 66 || strings.Count(r.stderr, "WARNING: DATA RACE") != 1 || !strings.Contains(r.stderr, site1) || !strings.Contains(r.stderr, site2) {
		t.Errorf("racy program: %v\nwant exit 66, one race between %s and %s", r, site1, site2)
	}
}

// TestQuickstart runs the README's Quickstart program, from this
// repository, whose module holds rt itself: rt is then built from the tree.
func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end builds are slow")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "race")
	if r := run(t, root, nil, "", "build", "-o", out, "./examples/race"); r.code != 0 {
		t.Fatalf("raceinst build ./examples/race: %v", r)
	}
	r := run(t, root, nil, out)
	site := filepath.Join(root, "examples", "race", "main.go") + ":19"
	if r.code != 66 || !strings.Contains(r.stderr, "WARNING: DATA RACE") || !strings.Contains(r.stderr, site) ||
		!strings.Contains(r.stderr, "Found 1 data race(s)") {
		t.Errorf("examples/race: %v\nwant exit 66 and a race at %s", r, site)
	}
}

// TestRTInProgram builds a package that imports rt itself (this
// repository's bench/rt): the program must link one rt, the one of its own
// graph, with the instrumented code compiled against the same.
func TestRTInProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end builds are slow")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "rt")); err != nil {
		skipOrFail(t, "no bench/rt in this checkout")
	}
	r := run(t, root, nil, "", "test", "-count=1", "-run=^$", "./bench/rt")
	if r.code != 0 || !strings.Contains(r.stdout, "ok  \tgithub.com/raceinst/raceinst/bench/rt") {
		t.Errorf("raceinst test ./bench/rt: %v", r)
	}
}

// TestForkStress: goroutines race while others fork 1000 children through
// os/exec and through a raw-fork child body. The instrumented program must
// neither hang nor crash (the child body is fork-child code, which
// instrument leaves alone), and the race must still be reported.
func TestForkStress(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "forkstress")
	if r := run(t, dir, nil, "", "build", "-o", out, "./forkstress"); r.code != 0 {
		t.Fatalf("raceinst build: %v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, out)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("forkstress hung (killed after 3 minutes); stderr so far:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 66 {
		t.Fatalf("forkstress: %v, want exit status 66\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if want := "children: 1000, failures: 0, counter > 0: true"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	site := filepath.Join(dir, "forkstress", "main.go")
	if !strings.Contains(stderr.String(), "WARNING: DATA RACE") || !strings.Contains(stderr.String(), site) {
		t.Errorf("race on counter not reported at %s:\n%s", site, stderr.String())
	}
}

// skipOrFail skips the test, except in CI (CI=true), where what it needs is
// installed by .ci/run and its absence is a failure.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}
