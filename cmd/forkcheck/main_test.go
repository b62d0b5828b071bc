package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forkcheck is the binary under test, built once by TestMain.
var forkcheck string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "forkcheck-test")
	if err != nil {
		panic(err)
	}
	forkcheck = filepath.Join(dir, "forkcheck")
	if out, err := exec.Command("go", "build", "-o", forkcheck, ".").CombinedOutput(); err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture copies testdata/mod to a temporary module so that runs never
// write into the repository (go vet -fix would).
func fixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/mod")); err != nil {
		t.Fatal(err)
	}
	return dst
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
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

const misspelled = "child/child.go:3:1: //go:nospilt is not a compiler directive, so the compiler ignores it; write //go:nosplit"

// TestVetTool runs forkcheck as go vet's tool under each supported Go
// release, twice: the second run is served from the go command's cache and
// must print the same findings with the same exit status.
func TestVetTool(t *testing.T) {
	for _, toolchain := range []string{"go1.25.0", "local"} {
		t.Run(toolchain, func(t *testing.T) {
			dir := fixture(t)
			env := []string{"GOTOOLCHAIN=" + toolchain}
			var first result
			for i := range 2 {
				r := run(t, dir, env, "go", "vet", "-vettool="+forkcheck, "./child")
				if r.code != 1 || !strings.Contains(r.stderr, misspelled) {
					t.Fatalf("run %d: go vet exit %d, want 1 and %q in stderr:\n%s", i, r.code, misspelled, r.stderr)
				}
				if i == 0 {
					first = r
				} else if r.stderr != first.stderr {
					t.Errorf("cached run differs:\nfirst:\n%s\nsecond:\n%s", first.stderr, r.stderr)
				}
			}
		})
	}
}

// TestVetJSON checks go vet -json: findings on stdout as JSON, exit 0, as
// go vet does for its own analyzers.
func TestVetJSON(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "go", "vet", "-vettool="+forkcheck, "-json", "./child")
	if r.code != 0 {
		t.Fatalf("go vet -json exit %d:\n%s", r.code, r.stderr)
	}
	// Output is "# pkg\n{json}" per package, on stderr (as go vet prints it).
	out := r.stderr + r.stdout
	i := strings.Index(out, "{")
	if i < 0 {
		t.Fatalf("no JSON in output:\n%s", out)
	}
	var tree map[string]map[string][]struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(&tree); err != nil {
		t.Fatalf("decoding %q: %v", out[i:], err)
	}
	diags := tree["example.com/mod/child"]["norace"]
	if len(diags) != 1 || !strings.HasSuffix(diags[0].Posn, "child/child.go:3:1") {
		t.Fatalf("got %+v, want one norace finding at child/child.go:3:1", diags)
	}
}

// TestStandalone checks forkcheck on its own: exit 3 with findings, 0
// without, -fix rewrites the directive in the (copied) module.
func TestStandalone(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, forkcheck, "./child")
	if r.code != 3 || !strings.Contains(r.stderr, misspelled) {
		t.Fatalf("forkcheck exit %d, want 3 and %q:\n%s", r.code, misspelled, r.stderr)
	}
	r = run(t, dir, nil, forkcheck, "-fix", "./child")
	if r.code != 0 && r.code != 3 {
		t.Fatalf("forkcheck -fix exit %d:\n%s", r.code, r.stderr)
	}
	src, err := os.ReadFile(filepath.Join(dir, "child", "child.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "//go:nosplit\nfunc misspelled") {
		t.Fatalf("-fix did not rewrite the directive:\n%s", src)
	}
	r = run(t, dir, nil, forkcheck, "./child")
	if r.code != 0 {
		t.Fatalf("after -fix: exit %d, want 0:\n%s", r.code, r.stderr)
	}
}

// TestTypeErrors: a package that does not type-check gets the type error,
// a non-zero exit, and what can be checked is still checked.
func TestTypeErrors(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, forkcheck, "./bad")
	if r.code == 0 {
		t.Fatalf("exit 0 on a package with type errors:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "bad/bad.go:7:9") || !strings.Contains(r.stderr, "not an int") {
		t.Errorf("type error not reported with its position:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "bad/bad.go:3:1: // go:norace is not a compiler directive") {
		t.Errorf("directive finding missing despite type errors:\n%s", r.stderr)
	}
}

// TestOwnCode runs forkcheck over this module, as the project's standards
// ask: our own code (rt's fork-safe shims above all) must be clean. The
// examples are excluded: they hold mistakes on purpose.
func TestOwnCode(t *testing.T) {
	list := run(t, "../..", nil, "go", "list", "./...")
	if list.code != 0 {
		t.Fatalf("go list: %s", list.stderr)
	}
	var pkgs []string
	for _, p := range strings.Fields(list.stdout) {
		if !strings.Contains(p, "/examples/") {
			pkgs = append(pkgs, p)
		}
	}
	r := run(t, "../..", nil, forkcheck, pkgs...)
	if r.code != 0 {
		t.Fatalf("forkcheck on our own packages: exit %d\n%s", r.code, r.stderr)
	}
}

// TestQuickstartExample: the README's forkcheck example reports findings on
// the bundled example (exit 3), including the misspelled directive.
func TestQuickstartExample(t *testing.T) {
	r := run(t, "../..", nil, forkcheck, "./examples/...")
	if r.code != 3 || !strings.Contains(r.stderr, "examples/forkchild/main.go:20:1: // go:norace is not a compiler directive") {
		t.Fatalf("forkcheck ./examples/...: exit %d\n%s", r.code, r.stderr)
	}
}

// TestVetStdChildren runs the real thing: go vet -vettool=forkcheck over
// std's syscall and os/exec for each port whose child code must be clean,
// cross-GOOS. Unlike the checker-based test in passes/forksafe, facts
// here travel through go vet's own serialisation between packages, which
// hides facts on unexported objects.
func TestVetStdChildren(t *testing.T) {
	// One port per way std forks: Linux's rawVforkSyscall(clone3/clone),
	// the BSDs' RawSyscall(SYS_FORK), Darwin's libc fork trampoline.
	// passes/forksafe's TestStdClean covers all nine ports through the
	// checker; compiling std for each under go vet here would double
	// rt's cross-build cost in CI.
	ports := []string{"linux/amd64", "freebsd/amd64", "darwin/arm64"}
	for _, port := range ports {
		goos, goarch, _ := strings.Cut(port, "/")
		t.Run(goos+"_"+goarch, func(t *testing.T) {
			r := run(t, t.TempDir(), []string{"GOOS=" + goos, "GOARCH=" + goarch, "CGO_ENABLED=0", "GOFLAGS="},
				"go", "vet", "-vettool="+forkcheck, "syscall", "os/exec")
			if r.code != 0 || strings.TrimSpace(r.stderr) != "" {
				t.Errorf("go vet -vettool=forkcheck syscall os/exec for %s: exit %d, want 0 and no output:\n%s", port, r.code, r.stderr)
			}
		})
	}
}

// TestVetFixDiff: Go 1.26's go vet -fix -diff prints forkcheck's fix as a patch
// and exits non-zero; -fix applies it (to the copied module).
func TestVetFixDiff(t *testing.T) {
	dir := fixture(t)
	r := run(t, dir, nil, "go", "vet", "-vettool="+forkcheck, "-fix", "-diff", "./child")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "-//go:nospilt\n+//go:nosplit") {
		t.Fatalf("go vet -diff: exit %d, want non-zero and the patch:\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if src, _ := os.ReadFile(filepath.Join(dir, "child", "child.go")); !strings.Contains(string(src), "//go:nospilt") {
		t.Fatalf("go vet -fix -diff wrote the file:\n%s", src)
	}
	r = run(t, dir, nil, "go", "vet", "-vettool="+forkcheck, "-fix", "./child")
	src, err := os.ReadFile(filepath.Join(dir, "child", "child.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "//go:nosplit\nfunc misspelled") {
		t.Fatalf("go vet -fix (exit %d) did not apply the fix:\n%s\n%s", r.code, src, r.stderr)
	}
	if r := run(t, dir, nil, "go", "vet", "-vettool="+forkcheck, "./child"); r.code != 0 {
		t.Fatalf("after go vet -fix: exit %d:\n%s", r.code, r.stderr)
	}
}
