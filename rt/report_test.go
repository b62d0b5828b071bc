package rt

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Report tests run a scenario in a fresh process: the test binary re-executed
// with childEnv set (see TestMain), with the real GORACE handling, output
// and exit status.
const childEnv = "RT_TEST_CHILD"

// Each scenario ends in Exit(0), like an instrumented main returning.
var scenarios = map[string]func(){
	"race": func() {
		FuncEnter(0)
		x := heapWord()
		w := spawn(func() {
			FuncEnter(0)
			racyWriter(x)
			FuncExit()
		})
		w()     // no edge rt sees: the read below still races
		Read(x) // MARK:main-read
		FuncExit()
	},
	"two": func() { // two races at different addresses, same pair of sites
		for range 2 {
			x := heapWord()
			run(func() { racyWriter(x) })
			run(func() { racyWriter(x) })
		}
	},
	"hook-helper": func() { // a sync hook called through a generated helper
		m := heapWord()
		run(func() { Write(m) })
		__rt_sync_probe(m) // MARK:hook-helper
	},
	"hook-direct": func() { // a sync hook called by the instrumented code itself
		m := heapWord()
		run(func() { Write(m) })
		MutexLock(m) // MARK:hook-direct
	},
	"restore": func() { // a writer sees a first read the moment its cell shows it
		FuncEnter(0)
		x := heapWord()
		tok := Go() // the writer is created before the read
		afterFirstRead = func() {
			afterFirstRead = nil
			done := make(chan struct{})
			go func() {
				Started(tok)
				FuncEnter(0)
				racyWriter(x)
				FuncExit()
				Finished()
				close(done)
			}()
			<-done
		}
		Read(x) // MARK:restore-read
		FuncExit()
	},
	"none": func() {
		x := heapWord()
		Write(x)
		run(func() { Write(x) })
	},
}

//go:noinline
func racyWriter(x uintptr) {
	FuncEnter(0)
	Write(x) // MARK:child-write
	FuncExit()
}

// __rt_sync_probe stands for an instrumenter helper (instrument/sync.go):
// reports name its caller, not it.
//
//go:noinline
func __rt_sync_probe(m uintptr) { MutexLock(m) }

// TestHookPC checks the line a sync hook's own access is reported at: the
// call of the hook, or of the helper that called it (hookPC's frame walk
// and its runtime.Callers fallback must agree on it).
func TestHookPC(t *testing.T) {
	file := regexp.QuoteMeta(mustAbs(t, "report_test.go"))
	for _, name := range []string{"hook-helper", "hook-direct"} {
		res := runScenario(t, name, "atexit_sleep_ms=0")
		want := fmt.Sprintf(`(?s)Write at 0x[0-9a-f]+ by main goroutine:\n  [^\n]+\n      %s:%d `, file, markLine(t, name))
		if !regexp.MustCompile(want).MatchString(res.stderr) {
			t.Errorf("%s: the mutex's write is not reported at the MARK line:\n%s", name, res.stderr)
		}
	}
}

// TestRestoreFirstRead: a write that races with a read whose first access
// has just made the cell show it finds the read's details (its stack was
// "[failed to restore the stack]" when they went in after the cell).
func TestRestoreFirstRead(t *testing.T) {
	res := runScenario(t, "restore", "atexit_sleep_ms=0")
	file := regexp.QuoteMeta(mustAbs(t, "report_test.go"))
	want := fmt.Sprintf(`(?s)Previous read at 0x[0-9a-f]+ by main goroutine:\n  [^\n]+\n      %s:%d `, file, markLine(t, "restore-read"))
	if res.code != 66 || !regexp.MustCompile(want).MatchString(res.stderr) {
		t.Errorf("exit %d; want 66 and the previous read at the MARK line:\n%s", res.code, res.stderr)
	}
}

func runChild(name string) {
	f := scenarios[name]
	if f == nil {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", name)
		os.Exit(2)
	}
	f()
	Exit(0)
}

type childResult struct {
	stderr string
	code   int
	err    error
}

func runScenario(t *testing.T, name string, gorace string) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, "GORACE="+gorace)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := childResult{stderr: stderr.String(), err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running scenario %s: %v", name, err)
	}
	return res
}

// markLine returns the line of this file carrying "// MARK:name".
func markLine(t *testing.T, name string) int {
	t.Helper()
	f, err := os.Open("report_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if strings.HasSuffix(sc.Text(), "// MARK:"+name) {
			return line
		}
	}
	t.Fatalf("no MARK:%s", name)
	return 0
}

func TestReportFormat(t *testing.T) {
	res := runScenario(t, "race", "atexit_sleep_ms=0")
	if res.code != 66 {
		t.Errorf("exit status %d, want 66\n%s", res.code, res.stderr)
	}
	file := regexp.QuoteMeta(mustAbs(t, "report_test.go"))
	mainFile := regexp.QuoteMeta(mustAbs(t, "main_test.go"))
	hex := `\+0x[0-9a-f]+`
	want := `(?s)^==================
WARNING: DATA RACE
Read at 0x[0-9a-f]{12} by main goroutine:
  github.com/raceinst/raceinst/rt\.init\.func\d+\(\)
      ` + file + fmt.Sprintf(":%d ", markLine(t, "main-read")) + hex + `
.*
Previous write at 0x[0-9a-f]{12} by goroutine (\d+):
  github.com/raceinst/raceinst/rt\.racyWriter\(\)
      ` + file + fmt.Sprintf(":%d ", markLine(t, "child-write")) + hex + `
  github.com/raceinst/raceinst/rt\.init\.func\d+\.\d+\(\)
      ` + file + `:\d+ ` + hex + `
.*
Goroutine (\d+) \(finished\) created at:
  github.com/raceinst/raceinst/rt\.spawn\(\)
      ` + mainFile + `:\d+ ` + hex + `
.*==================
Found 1 data race\(s\)
$`
	m := regexp.MustCompile(want).FindStringSubmatch(res.stderr)
	if m == nil {
		t.Fatalf("report does not match\n--- got:\n%s\n--- want (regexp):\n%s", res.stderr, want)
	}
	if m[1] != m[2] {
		t.Errorf("previous access by goroutine %s, creation site printed for goroutine %s", m[1], m[2])
	}
}
func TestNoRaceNoOutput(t *testing.T) {
	res := runScenario(t, "none", "")
	if res.code != 0 || res.stderr != "" {
		t.Errorf("race-free scenario: status %d, stderr %q", res.code, res.stderr)
	}
}

func TestGORACE(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, scenario, gorace string
		code                   int
		reports                int
		stderrHas              string
		logFile                bool
	}{
		{name: "default", scenario: "two", code: 66, reports: 1, stderrHas: "Found 1 data race(s)"},
		{name: "exitcode", scenario: "two", gorace: "exitcode=3", code: 3, reports: 1},
		{name: "no suppression", scenario: "two", gorace: "suppress_equal_stacks=0 suppress_equal_addresses=0", code: 66, reports: 2, stderrHas: "Found 2 data race(s)"},
		{name: "addresses only", scenario: "two", gorace: "suppress_equal_stacks=0", code: 66, reports: 2},
		{name: "halt_on_error", scenario: "two", gorace: "halt_on_error=1 suppress_equal_stacks=0 suppress_equal_addresses=0", code: 66, reports: 1, stderrHas: "halt_on_error"},
		{name: "strip_path_prefix", scenario: "two", gorace: "strip_path_prefix=" + filepath.Dir(mustAbs(t, "report_test.go")) + "/", code: 66, reports: 1, stderrHas: "\n      report_test.go:"},
		{name: "log_path", scenario: "two", gorace: "log_path=" + filepath.Join(dir, "race"), code: 66, reports: 0, logFile: true},
		{name: "unknown option", scenario: "none", gorace: "bogus_flag=1", code: 0, stderrHas: "WARNING: found 1 unrecognized flag(s):\n    bogus_flag\n"},
		{name: "bad value", scenario: "none", gorace: "exitcode=abc", code: 0, stderrHas: `WARNING: invalid value for GORACE option exitcode: "abc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if raceBuild && tc.name == "bad value" {
				t.Skip("Go's own race detector also parses GORACE and rejects the value")
			}
			res := runScenario(t, tc.scenario, "atexit_sleep_ms=0 "+tc.gorace)
			if res.code != tc.code {
				t.Errorf("exit status %d, want %d\n%s", res.code, tc.code, res.stderr)
			}
			if got := strings.Count(res.stderr, "WARNING: DATA RACE"); got != tc.reports {
				t.Errorf("%d reports on stderr, want %d\n%s", got, tc.reports, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, res.stderr)
			}
			if tc.logFile {
				logs, _ := filepath.Glob(filepath.Join(dir, "race.*"))
				if len(logs) != 1 {
					t.Fatalf("log files %v, want one race.PID", logs)
				}
				b, _ := os.ReadFile(logs[0])
				if !strings.Contains(string(b), "WARNING: DATA RACE") || !strings.Contains(string(b), "Found 1 data race(s)") {
					t.Errorf("log file %s:\n%s", logs[0], b)
				}
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseOptions(t *testing.T) {
	o := parseOptions("log_path=/tmp/r exitcode=7 halt_on_error=1 strip_path_prefix=/a/ history_size=3 atexit_sleep_ms=5 suppress_equal_stacks=0 suppress_equal_addresses=false nope x")
	if o.logPath != "/tmp/r" || o.exitCode != 7 || !o.haltOnError || o.stripPathPrefix != "/a/" || o.historySize != 3 || o.atexitSleepMs != 5 || o.suppressStacks || o.suppressAddrs {
		t.Errorf("parsed %+v", o)
	}
	if strings.Join(o.unknown, ",") != "nope,x" {
		t.Errorf("unknown = %v", o.unknown)
	}
	d := parseOptions("")
	if d.exitCode != 66 || d.atexitSleepMs != 1000 || !d.suppressStacks || !d.suppressAddrs || d.haltOnError {
		t.Errorf("defaults %+v", d)
	}
}
