package gosuite

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/build"
	"go/build/constraint"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// raceinst is the binary under test, built by TestMain (or named by
// RACEINST_TEST_BINARY, to test a prebuilt one).
var raceinst string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "gosuite-test")
	if err != nil {
		panic(err)
	}
	raceinst = os.Getenv("RACEINST_TEST_BINARY")
	if raceinst == "" && !testing.Short() {
		raceinst = filepath.Join(dir, "raceinst")
		if out, err := exec.Command("go", "build", "-o", raceinst, "github.com/raceinst/raceinst/cmd/raceinst").CombinedOutput(); err != nil {
			panic("go build: " + err.Error() + "\n" + string(out))
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// readToolSources opens every file of the packages raceinst is built from
// (this module's, not std's): go test records the files a test opens, so
// a cached result of this package is used only while none of them changed.
// Without it a change to the instrumenter or rt, which this test builds in
// a subprocess, left the result of the last run cached.
func readToolSources() {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", "github.com/raceinst/raceinst/cmd/raceinst").Output()
	if err != nil {
		panic("go list: " + err.Error())
	}
	for _, dir := range strings.Fields(string(out)) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			panic(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				if _, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
					panic(err)
				}
			}
		}
	}
}

// TestGoRunPrograms checks that instrumentation preserves semantics: the Go
// distribution's own "// run" programs ($GOROOT/test: the top level, ken,
// chan, interface, typeparam and fixedbugs) print the same output and exit
// the same way when built by raceinst build as when built by go build.
//
// The programs are batched: each one is a main package of one temporary
// module (prog/NAME/FILE.go, the file keeping its name), built by one go build -o DIR/ ./... and one
// raceinst build -o DIR/ ./..., so that the go command schedules the whole
// batch. Single-file programs only: "// run" with at most program arguments
// (and -t N); flags (-gcflags, -goexperiment, -race, ...), rundir, runoutput,
// buildrun and the errorcheck kinds are skipped. Build constraints keep
// their meaning (-tags=test_run, as cmd/internal/testdir evaluates them).
//
// A program is compared when go build's binary behaves as testdir demands:
// it exits 0 and prints exactly its .out file (nothing, if it has none), so
// that its output is known to be deterministic. Then raceinst's binary must
// build (a program go build cannot build is skipped), be instrumented (the
// compiler must accept the instrumented code: raceinst's fallback to the
// original source is counted as a failure here), exit 0 and print the same.
//
// By default (and in CI) a deterministic subset runs: all of ken, chan,
// interface, every 8th of typeparam, every 16th of the top level and every
// 32nd of fixedbugs (gosuiteStride), and gosuiteAlways; -gosuite.all runs
// every program, -gosuite.run=RE those whose path
// (fixedbugs/issue1234.go) RE matches.
// -gosuite.report=FILE writes the summary (bench/raceinst/SEMANTICS.md).
// Known failures are pinned in gosuiteKnown with a reason each.
func TestGoRunPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hundreds of programs twice")
	}
	if os.Getenv("RACEINST_TEST_BINARY") == "" {
		readToolSources() // in the test: TestMain's opens are not logged
	}
	goroot := runtime.GOROOT()
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		goroot = strings.TrimSpace(string(out))
	}
	testDir := filepath.Join(goroot, "test")
	if _, err := os.Stat(testDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no $GOROOT/test: %v", err)
		}
		t.Skipf("no $GOROOT/test: %v", err)
	}
	var re *regexp.Regexp
	if *gosuiteRun != "" {
		re = regexp.MustCompile(*gosuiteRun)
	}
	start := time.Now()
	progs, skipped := collectGoRunPrograms(t, testDir, func(rel string, i int) bool {
		if re != nil {
			return re.MatchString(rel)
		}
		if *gosuiteAll {
			return true
		}
		return i%gosuiteStride[filepath.Dir(rel)] == 0 || gosuiteAlways[rel]
	})
	if len(progs) == 0 {
		t.Fatal("no programs selected")
	}

	dir := t.TempDir()
	mod := filepath.Join(dir, "mod")
	for _, p := range progs {
		pd := filepath.Join(mod, "prog", p.name)
		if err := os.MkdirAll(pd, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pd, filepath.Base(p.rel)), p.src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	if v, _, ok := strings.Cut(goVersion, " "); ok {
		goVersion = v
	}
	if parts := strings.SplitN(goVersion, ".", 3); len(parts) >= 2 {
		goVersion = parts[0] + "." + parts[1]
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n\ngo "+goVersion+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	goOut, raceOut := filepath.Join(dir, "go")+"/", filepath.Join(dir, "raceinst")+"/"
	build := func(name string, out string) string {
		cmd := exec.Command(name, "build", "-tags=test_run", "-ldflags=-s -w", "-o", out, "./...")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOENV=off", "GO111MODULE=on", "GOWORK=off", "GOTOOLCHAIN=local")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		t0 := time.Now()
		err := cmd.Run()
		t.Logf("%s build of %d programs: %v (%v)", filepath.Base(name), len(progs), time.Since(t0).Round(time.Second), err)
		return buf.String()
	}
	build("go", goOut)
	raceBuildLog := build(raceinst, raceOut)

	// raceinst's one-line warnings: "raceinst: x/prog/NAME: not instrumented: why".
	fallback := map[string]string{}
	for _, line := range strings.Split(raceBuildLog, "\n") {
		rest, ok := strings.CutPrefix(line, "raceinst: x/prog/")
		if !ok {
			continue
		}
		name, why, ok := strings.Cut(rest, ": not instrumented: ")
		if ok {
			fallback[name] = why
		}
	}

	type outcome struct {
		kind   string // same, differ, race, timeout, build, fallback, or skip
		detail string
	}
	raceLogs := filepath.Join(dir, "racelogs")
	if err := os.Mkdir(raceLogs, 0o755); err != nil {
		t.Fatal(err)
	}
	results := make([]outcome, len(progs))
	var wg sync.WaitGroup
	sem := make(chan bool, runtime.NumCPU())
	for i, p := range progs {
		goBin, raceBin := filepath.Join(goOut, p.name), filepath.Join(raceOut, p.name)
		if _, err := os.Stat(goBin); err != nil {
			results[i] = outcome{"skip", "go build failed"}
			continue
		}
		if _, err := os.Stat(raceBin); err != nil {
			results[i] = outcome{"build", "raceinst build failed: " + firstErrorLine(raceBuildLog, p.name)}
			continue
		}
		wg.Add(1)
		sem <- true
		go func() {
			defer func() { <-sem; wg.Done() }()
			want := p.want
			g := runGoSuiteBinary(goBin, testDir, p.args, p.timeout)
			switch {
			case g.timedOut:
				results[i] = outcome{"skip", "times out under go build"}
				return
			case g.code != 0 || !bytes.Equal(g.out, want):
				results[i] = outcome{"skip", "go build's binary does not match testdir's expectation here"}
				return
			}
			// Race reports go to a log of their own, and do not change
			// the exit status: what is compared is the program's behaviour.
			logPrefix := filepath.Join(raceLogs, p.name)
			// A bound for a hang, not a speed check: six times the
			// recipe's timeout, or 50 times what the plain binary took
			// just now (a loaded machine slows both alike).
			limit := max(6*p.timeout, 50*g.elapsed)
			r := runGoSuiteBinary(raceBin, testDir, p.args, limit, "GORACE=log_path="+logPrefix+" exitcode=0")
			races, _ := filepath.Glob(logPrefix + ".*")
			switch {
			case r.timedOut:
				results[i] = outcome{"timeout", fmt.Sprintf("raceinst's binary ran over %v", limit.Round(time.Second))}
			case r.code != 0 || !bytes.Equal(r.out, want):
				results[i] = outcome{"differ", describeDiff(want, r)}
			case fallback[p.name] != "":
				results[i] = outcome{"fallback", fallback[p.name]}
			case len(races) > 0:
				report, _ := os.ReadFile(races[0])
				results[i] = outcome{"race", "same behaviour, race reported: " + firstLineAfter(report, "WARNING: DATA RACE")}
			default:
				results[i] = outcome{"same", ""}
			}
		}()
	}
	wg.Wait()

	counts := map[string]int{}
	var fails, races []string
	for i, p := range progs {
		o := results[i]
		counts[o.kind]++
		known, pinned := gosuiteKnown[p.rel]
		switch {
		case o.kind == "skip":
			skipped = append(skipped, gosuiteSkip{p.rel, o.detail})
		case o.kind == "race":
			// The program behaves the same; whether the race is real is
			// rt's business (ken/chan.go's is: go build -race reports it).
			races = append(races, fmt.Sprintf("%s: %s", p.rel, o.detail))
		case o.kind == "same":
			if pinned {
				t.Logf("%s: passes now; remove it from gosuiteKnown (%s)", p.rel, known)
			}
		default:
			line := fmt.Sprintf("%s: %s: %s", p.rel, o.kind, o.detail)
			fails = append(fails, line)
			if !pinned {
				t.Errorf("%s", line)
			} else {
				t.Logf("known: %s (pinned: %s)", line, known)
			}
		}
	}
	t.Logf("%d programs selected (%d skipped by their recipe); same %d, differ %d, race %d, timeout %d, raceinst build failed %d, fallback %d, skipped at run %d; %v",
		len(progs), len(skipped)-counts["skip"], counts["same"], counts["differ"], counts["race"], counts["timeout"], counts["build"], counts["fallback"], counts["skip"], time.Since(start).Round(time.Second))
	if *gosuiteReport != "" {
		writeGoSuiteReport(t, *gosuiteReport, len(progs), counts, fails, races, skipped, time.Since(start))
	}
}

var (
	gosuiteAll    = flag.Bool("gosuite.all", false, "TestGoRunPrograms: run every $GOROOT/test program, not the CI subset")
	gosuiteRun    = flag.String("gosuite.run", "", "TestGoRunPrograms: run the programs whose path (fixedbugs/issue1234.go) matches this regexp")
	gosuiteReport = flag.String("gosuite.report", "", "TestGoRunPrograms: write a summary to this file")
)

// gosuiteStride selects the CI subset: every n-th program of each
// directory (118 programs with gosuiteAlways: 45 s on 2 idle cores, warm
// cache).
var gosuiteStride = map[string]int{
	"ken": 1, "chan": 1, "interface": 1,
	"typeparam": 8, ".": 16, "fixedbugs": 32,
}

// gosuiteAlways adds to the CI subset programs that check what rt itself
// costs the program, which no other test here would catch: heap
// allocations (MemStats.Mallocs) around accesses of a local the compiler
// kept on the stack, live heap objects (MemStats.HeapObjects) after sync
// objects die, and the heap profile's estimates of the program's own
// allocations (heapsampling.go failed one run in two while rt charged its
// shadow's credit objects to the program's lines: rt/cellmem.go).
var gosuiteAlways = map[string]bool{
	"closure.go":             true,
	"fixedbugs/issue9110.go": true,
	"heapsampling.go":        true,
}

// gosuiteKnown pins the programs whose raceinst build is known to differ,
// with the reason. Races reported in programs that otherwise behave the
// same are not failures here (see SEMANTICS.md).
var gosuiteKnown = map[string]string{
	"chanlinear.go":           "times select over 2000 and 4000 channels and wants linear growth: instrumented, 1.7 s vs 5.5 s (rt's select cost grows with the channel count)",
	"fixedbugs/issue79186.go": "51M RWMutex-guarded map reads by 256 goroutines on 2 Ps, serialised by the writers; hooks inside the mutex's sections lengthen what the other 255 wait for: 39-53 s on the idle 2-core VM (was 170 s), limit 60 s, -race 14 s; passes when the machine is idle, no margin (see SEMANTICS.md)",
}

type goSuiteProgram struct {
	rel     string // path under $GOROOT/test: "fixedbugs/issue1234.go"
	name    string // package directory and binary: "fixedbugs_issue1234"
	src     []byte
	args    []string
	want    []byte // the .out file, or nothing
	timeout time.Duration
}

type gosuiteSkip struct{ rel, why string }

// collectGoRunPrograms reads the single-file "// run" programs of the
// directories, as cmd/internal/testdir reads their recipes, and returns the
// ones selected by sel (called with the path and the index of the program
// in its directory) and why the others were skipped.
func collectGoRunPrograms(t *testing.T, testDir string, sel func(rel string, i int) bool) ([]goSuiteProgram, []gosuiteSkip) {
	var progs []goSuiteProgram
	var skipped []gosuiteSkip
	for _, d := range []string{".", "ken", "chan", "interface", "typeparam", "fixedbugs"} {
		files, err := filepath.Glob(filepath.Join(testDir, d, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		i := 0
		for _, f := range files {
			rel, _ := filepath.Rel(testDir, f)
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, why := parseGoRunProgram(rel, src)
			if why == "not run" {
				continue
			}
			if why != "" {
				skipped = append(skipped, gosuiteSkip{rel, why})
				continue
			}
			i++
			if !sel(rel, i-1) {
				continue
			}
			if out, err := os.ReadFile(strings.TrimSuffix(f, ".go") + ".out"); err == nil {
				p.want = bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))
			}
			progs = append(progs, p)
		}
	}
	return progs, skipped
}

// parseGoRunProgram reads a test's recipe: "not run" for the other kinds,
// another reason for a run test that cannot be run here.
func parseGoRunProgram(rel string, src []byte) (goSuiteProgram, string) {
	p := goSuiteProgram{rel: rel, src: src, timeout: 10 * time.Second}
	var action string
	for rest := string(src); action == "" && rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if constraint.IsGoBuild(line) || constraint.IsPlusBuild(line) {
			continue
		}
		action = strings.TrimSpace(strings.TrimPrefix(line, "//"))
	}
	f := strings.Fields(action)
	if len(f) == 0 || f[0] != "run" {
		return p, "not run"
	}
	args := f[1:]
	if len(args) >= 2 && args[0] == "-t" {
		var secs int
		if _, err := fmt.Sscan(args[1], &secs); err == nil && secs > 10 {
			p.timeout = time.Duration(secs) * time.Second
		}
		args = args[2:]
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") || strings.ContainsAny(a, `"'`) {
			return p, "recipe has flags: " + action
		}
	}
	p.args = args
	header, _, _ := strings.Cut(string(src), "\npackage")
	for _, line := range strings.Split(header, "\n") {
		if expr, err := constraint.Parse(line); err == nil && !expr.Eval(gosuiteTag) {
			return p, "build constraint: " + line
		}
	}
	if !bytes.Contains(src, []byte("package main")) {
		return p, "not package main"
	}
	p.name = strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(strings.TrimSuffix(rel, ".go"))
	if strings.HasPrefix(p.name, "_") || filepath.Dir(rel) == "." {
		p.name = "top_" + strings.TrimPrefix(p.name, "_")
	}
	return p, ""
}

// gosuiteTag evaluates a build tag as testdir does (with cgo as go build
// has it; test_run is set by the builds' -tags).
func gosuiteTag(name string) bool {
	ctxt := build.Default
	switch {
	case name == ctxt.GOOS || name == ctxt.GOARCH || name == "gc" || name == "test_run":
		return true
	case name == "cgo":
		return ctxt.CgoEnabled
	case name == "unix":
		return slices.Contains([]string{"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "linux", "netbsd", "openbsd", "solaris"}, ctxt.GOOS)
	case strings.HasPrefix(name, "goexperiment."):
		return slices.Contains(ctxt.ToolTags, name)
	}
	return slices.Contains(ctxt.ReleaseTags, name)
}

type goSuiteRun struct {
	out      []byte
	code     int
	timedOut bool
	elapsed  time.Duration
}

// runGoSuiteBinary runs a test binary as testdir does: in $GOROOT/test,
// stdout and stderr in one buffer.
func runGoSuiteBinary(bin, dir string, args []string, timeout time.Duration, env ...string) goSuiteRun {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOENV=off", "GOFLAGS="), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = time.Second
	t0 := time.Now()
	err := cmd.Run()
	r := goSuiteRun{out: bytes.ReplaceAll(buf.Bytes(), []byte("\r\n"), []byte("\n")), elapsed: time.Since(t0)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.timedOut, r.code = true, -1
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		r.code = -1
		r.out = append(r.out, err.Error()...)
	}
	return r
}

// describeDiff says in one line how raceinst's run differs from the
// expectation: the exit status, and the first differing line (for a
// panic, its message).
func describeDiff(want []byte, r goSuiteRun) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(r.out), "\n")
	line := ""
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			line = fmt.Sprintf("line %d: want %q, got %q", i+1, trimTo(wl, 100), trimTo(gl, 100))
			break
		}
	}
	if msg := firstLineAfter(r.out, "panic: "); msg != "" {
		line = "panic: " + msg
	} else if msg := firstLineAfter(r.out, "fatal error: "); msg != "" {
		line = "fatal error: " + msg
	}
	return fmt.Sprintf("exit %d; %s", r.code, line)
}

func firstLineAfter(out []byte, marker string) string {
	i := bytes.Index(out, []byte(marker))
	if i < 0 {
		return ""
	}
	rest := out[i+len(marker):]
	rest = bytes.TrimLeft(rest, "\n")
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	return trimTo(string(line), 160)
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// firstErrorLine finds the first compiler message for the program in the
// build log.
func firstErrorLine(log, name string) string {
	_, rest, ok := strings.Cut(log, "# x/prog/"+name+"\n")
	if !ok {
		return "no binary"
	}
	line, _, _ := strings.Cut(rest, "\n")
	return trimTo(line, 160)
}

func writeGoSuiteReport(t *testing.T, file string, n int, counts map[string]int, fails, races []string, skipped []gosuiteSkip, took time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "programs run: %d (%v, %d CPUs)\n\n", n, took.Round(time.Second), runtime.NumCPU())
	fmt.Fprintf(&b, "| outcome | count |\n|---|---|\n")
	for _, k := range []string{"same", "differ", "race", "timeout", "build", "fallback", "skip"} {
		fmt.Fprintf(&b, "| %s | %d |\n", k, counts[k])
	}
	fmt.Fprintf(&b, "\nNot same:\n\n")
	for _, f := range fails {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	fmt.Fprintf(&b, "\nSame behaviour, races reported:\n\n")
	for _, f := range races {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	why := map[string]int{}
	for _, s := range skipped {
		k := s.why
		if strings.HasPrefix(k, "recipe has flags") {
			k = "recipe has flags"
		}
		if strings.HasPrefix(k, "build constraint") {
			k = "build constraint not satisfied"
		}
		why[k]++
	}
	keys := make([]string, 0, len(why))
	for k := range why {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "\nSkipped (%d):\n\n", len(skipped))
	for _, k := range keys {
		fmt.Fprintf(&b, "- %s: %d\n", k, why[k])
	}
	fmt.Fprintf(&b, "\nSkipped programs:\n\n")
	for _, s := range skipped {
		fmt.Fprintf(&b, "- %s: %s\n", s.rel, s.why)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}
