package golangci

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golangci/plugin-module-register/register"
)

// golangciVersion is the golangci-lint the test builds: the newest v2 at
// the time of writing. It needs Go 1.26 to build (its go.mod says go
// 1.26.0); with an older local Go the go command fetches 1.26 first.
const golangciVersion = "v2.15.0"

func TestPlugin(t *testing.T) {
	newPlugin, err := register.GetPlugin("forkcheck")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(map[string]any{"child": []string{"example.com/x.F"}})
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"norace", "forksafe"}) || p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("analyzers %v, load mode %q; want [norace forksafe], %q", names, p.GetLoadMode(), register.LoadModeTypesInfo)
	}
	if _, err := newPlugin(map[string]any{"chlid": []string{"x.F"}}); err == nil {
		t.Errorf("misspelled setting accepted")
	}
}

// TestGolangciLint builds golangci-lint with this plugin the way
// golangci-lint custom does (golangci-lint's own main package plus a blank
// import of the plugin), from the module proxy, and runs it on a fixture.
// The build directory is kept under the user cache directory, keyed by
// golangci-lint's version, so only the first run pays for the build (a few
// minutes on two cores); later runs recompile what changed here and link.
func TestGolangciLint(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds golangci-lint")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "raceinst", "golangci-lint-"+golangciVersion)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	gocmd := func(args ...string) []byte {
		t.Helper()
		start := time.Now()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		return out
	}

	gomod := "module example.com/golangci-lint-forkcheck\n\ngo 1.26.0\n\n" +
		"require (\n\tgithub.com/golangci/golangci-lint/v2 " + golangciVersion + "\n\tgithub.com/raceinst/raceinst v0.0.0\n)\n\n" +
		"replace github.com/raceinst/raceinst => " + root + "\n"
	// go mod tidy rewrites go.mod; the stamp keeps what was generated.
	stamp := filepath.Join(dir, "go.mod.generated")
	old, _ := os.ReadFile(stamp)
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil || string(old) != gomod {
		write(t, filepath.Join(dir, "go.mod"), gomod)
		os.Remove(filepath.Join(dir, "go.sum"))
		var mod struct{ Dir string }
		if err := json.Unmarshal(gocmd("mod", "download", "-json", "github.com/golangci/golangci-lint/v2@"+golangciVersion), &mod); err != nil {
			t.Fatal(err)
		}
		main, err := os.ReadFile(filepath.Join(mod.Dir, "cmd", "golangci-lint", "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, "main.go"), string(main))
		// What golangci-lint custom adds to golangci-lint's source.
		write(t, filepath.Join(dir, "plugins.go"), "package main\n\nimport _ \"github.com/raceinst/raceinst/golangci\"\n")
		gocmd("mod", "tidy")
		write(t, stamp, gomod)
	}
	bin := filepath.Join(dir, "golangci-lint")
	gocmd("build", "-o", bin, ".")

	fixture := t.TempDir()
	if err := os.CopyFS(fixture, os.DirFS("testdata/mod")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--output.json.path=stdout", "./...")
	cmd.Dir = fixture
	cmd.Env = append(os.Environ(), "GOLANGCI_LINT_CACHE="+t.TempDir(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("golangci-lint run: %v\n%s%s", err, out, stderr.Bytes())
	}
	// The JSON report comes first on stdout; golangci-lint's text summary
	// follows it.
	var report struct{ Issues []issue }
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&report); err != nil {
		t.Fatalf("golangci-lint JSON: %v\n%s%s", err, out, stderr.Bytes())
	}
	want := "//go:nospilt is not a compiler directive, so the compiler ignores it; write //go:nosplit"
	found := false
	for _, is := range report.Issues {
		if is.FromLinter == "forkcheck" && strings.Contains(is.Text, want) && is.Pos.Filename == "child/child.go" && is.Pos.Line == 20 && is.Pos.Column == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("golangci-lint did not report %q at child/child.go:20:1 from linter forkcheck:\n%s\n%s", want, out, stderr.Bytes())
	}
	if !slices.ContainsFunc(report.Issues, func(is issue) bool {
		return strings.Contains(is.Text, "lock in fork child (child.closeAll): child.note: println")
	}) {
		t.Errorf("golangci-lint did not report forksafe's lock finding:\n%s", out)
	}
}

// issue is one finding in golangci-lint's JSON output.
type issue struct {
	FromLinter, Text string
	Pos              struct {
		Filename     string
		Line, Column int
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}
