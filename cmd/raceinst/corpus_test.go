package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Go's race-detector corpus, $GOROOT/src/runtime/race/testdata, run under
// raceinst test as runtime/race's TestRace runs it under -race: every
// TestRace* should report a race, no TestNoRace* should.

// wantRaceAtLeast is the pinned number of TestRace* tests in which a race
// is found (Go's ThreadSanitizer: 232 of 233). Raise it when the score
// rises; a drop is a regression. Since first reads stopped noting their
// object (2026-12-05) it fell to 225 in about 1 run in 6 on a loaded
// machine (TestRaceChanReadWriteSync's lone read forgotten at a
// collection); since rt.Alloc marks the words of objects instrumented
// code allocates, so that their first reads note the object, 227 to 228
// in 6 of 6 runs under two CPU hogs. Before that: 228 of 233 in 3 of 3 runs on a
// loaded 2-core machine since rt's garbage-collection rule forgets only
// dead objects' history (223 in the same conditions before: the ~4000
// goroutines TestNoRaceDeferAtomicStore leaves calling runtime.GC wiped
// live objects' history during later tests); 221 to 224 of 233 (7 runs)
// with reflect's accesses recorded at the call site, 216 to 220 before.
// A few tests (ChanSendSend, ChanSendLen, SelectReadWriteSync,
// ChanItselfRecv, NestedArrayCopy, ChanWrongSend, ChanCloseClose,
// ChanWrongClose, ChanAsyncRev, ChanSendClose, CompPtr2) have depended on
// the goroutines' interleaving or on the tests run before them, hence the
// margin.
const wantRaceAtLeast = 226

// knownFalsePositives are the TestNoRace* tests in which a race is
// reported today, each with the reason. Any other is a regression; a
// listed one that turns clean is logged, to be removed from the list.
// (TestNoRaceIOFile and TestNoRaceIOHttp are clean since I/O is an edge:
// instrument/iosync.go; TestNoRaceTinyAlloc since instrumented
// allocations call rt.Alloc: instrument/alloc.go.)
var knownFalsePositives = map[string]string{}

// missReasons explains the known misses, for the score table.
var missReasons = map[string]string{
	"TestRaceChanCloseClose":      "missed after the collections of earlier tests wiped live objects' history (rt's garbage-collection rule before it kept live objects); found when run alone",
	"TestRaceChanWrongSend":       "missed after the collections of earlier tests wiped live objects' history (rt's garbage-collection rule before it kept live objects); found when run alone",
	"TestRaceChanRecvLen":         "missed after the collections of earlier tests wiped live objects' history (rt's garbage-collection rule before it kept live objects)",
	"TestRaceChanSendLen":         "missed after the collections of earlier tests wiped live objects' history (rt's garbage-collection rule before it kept live objects)",
	"TestRaceChanSendSend":        "missed after the collections of earlier tests wiped live objects' history (rt's garbage-collection rule before it kept live objects)",
	"TestRaceSelectReadWriteSync": "interleaving: found in some runs, not others",
	"TestRaceChanItselfRecv":      "interleaving: found in some runs, not others",
	"TestRaceNestedArrayCopy":     "its 32 MB of allocation triggers collections, which wiped live objects' history (rt's garbage-collection rule before it kept live objects)",
	"TestRaceChanWrongClose":      "interleaving: found in most runs, missed in some (with and without the I/O and reflect models)",
	"TestRaceChanAsyncRev":        "interleaving: found in most runs, missed in some",
	"TestRaceChanSendClose":       "interleaving: found in most runs, missed in some",
	"TestRaceChanSendSelectClose": "interleaving: found in most runs, missed in some",
	"TestRaceCompPtr2":            "found in most runs, missed in some (no I/O or reflect in it; rt's garbage-collection rule?)",
	"TestRaceBetweenCleanups":     "runtime.AddCleanup functions run on a goroutine rt did not see start (latest clocks of all)",
	"TestRaceAfterFunc3":          "time.AfterFunc's goroutine is not seen starting: it starts with everyone's latest clock",
	"TestRaceIssue5567":           "accesses inside std (io.Reader.Read into a shared buffer) are not instrumented",
	"TestRaceIssue51618":          "accesses inside std are not instrumented",
	"TestRaceIssue5654":           "accesses inside std are not instrumented",
	"TestRaceWaitGroupReuse":      "WaitGroup's own reuse check panics and ends the test binary (timing)",
}

var corpusMD = flag.String("corpus.md", "", "write the race corpus score as markdown to this file")

// corpusExcluded says why a testdata file is not run.
func corpusExcluded(name string, src []byte) string {
	switch {
	case strings.HasPrefix(name, "cgo_"), strings.Contains(string(src), `import "C"`):
		return "cgo"
	case strings.Contains(name, "synctest"), strings.Contains(string(src), `"internal/`):
		return "imports an internal package of std"
	}
	return ""
}

var corpusTestRE = regexp.MustCompile(`(?m)^func (Test(?:No)?Race\w*)\(`)

func TestRaceCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Go's race corpus under raceinst: slow")
	}
	src := filepath.Join(runtime.GOROOT(), "src", "runtime", "race", "testdata")
	files, err := filepath.Glob(filepath.Join(src, "*_test.go"))
	if err != nil || len(files) == 0 {
		skipOrFail(t, fmt.Sprintf("no race corpus in %s (%v)", src, err))
	}
	dir := t.TempDir()
	var want []string // the TestRace*/TestNoRace* names, in file order
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if why := corpusExcluded(name, data); why != "" {
			t.Logf("skipping %s: %s", name, why)
			continue
		}
		// runtime.RaceDisable exists only in -race builds: a no-op here
		// (TestNoRaceIssue60934 checks it leaves no state behind).
		data = []byte(strings.ReplaceAll(string(data), "runtime.RaceDisable()", "func() {}()"))
		for _, m := range corpusTestRE.FindAllSubmatch(data, -1) {
			want = append(want, string(m[1]))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lang := strings.TrimPrefix(runtime.Version(), "go")
	if parts := strings.SplitN(lang, ".", 3); len(parts) >= 2 && !strings.Contains(lang, "devel") {
		lang = parts[0] + "." + parts[1]
	} else {
		lang = "1.24"
	}
	gomod := "module example.com/racecorpus\n\ngo " + lang + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}

	// As runtime/race's TestRace: one P (the tests rely on an execution
	// order), and no suppression of reports that look alike.
	env := []string{"GOMAXPROCS=1", "GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0", "GOFLAGS="}
	// A test that crashes the binary (TestRaceWaitGroupReuse can hit
	// WaitGroup's own reuse panic) or hangs ends the run: the tests that
	// did not start run again, a few times.
	res := map[string]*corpusResult{}
	for attempt := 0; attempt < 4; attempt++ {
		var todo []string
		for _, name := range want {
			if res[name] == nil {
				todo = append(todo, name)
			}
		}
		if len(todo) == 0 {
			break
		}
		args := []string{"test", "-v", "-count=1", "-json", "-timeout=2m"}
		if attempt > 0 {
			args = append(args, "-run=^("+strings.Join(todo, "|")+")$")
		}
		r := run(t, dir, env, "", append(args, ".")...)
		got := parseCorpus(t, r.stdout)
		if len(got) == 0 {
			t.Fatalf("no test results: %v", r)
		}
		for name, g := range got {
			if res[name] == nil {
				res[name] = g
			}
		}
	}
	s := scoreCorpus(want, res)
	report := s.markdown()
	t.Log("\n" + report)
	if *corpusMD != "" {
		if err := os.WriteFile(*corpusMD, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, name := range s.falsePos {
		if _, ok := knownFalsePositives[name]; !ok {
			t.Errorf("%s: race reported in a TestNoRace test (not a known false positive):\n%s", name, strings.Join(res[name].output, ""))
		}
	}
	for name := range knownFalsePositives {
		if !slices.Contains(s.falsePos, name) {
			t.Logf("%s is clean now: remove it from knownFalsePositives", name)
		}
	}
	if s.raceFound < wantRaceAtLeast {
		t.Errorf("races found in %d TestRace tests, want at least %d; missed: %s", s.raceFound, wantRaceAtLeast, strings.Join(s.missed, " "))
	} else if s.raceFound > wantRaceAtLeast {
		t.Logf("races found in %d TestRace tests: raise wantRaceAtLeast from %d", s.raceFound, wantRaceAtLeast)
	}
}

// corpusResult is one test's outcome in go test -json output.
type corpusResult struct {
	action string // pass, fail, skip; "" if it started and never ended
	output []string
}

// parseCorpus reads go test -json output into per-test results.
func parseCorpus(t *testing.T, out string) map[string]*corpusResult {
	res := map[string]*corpusResult{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var ev struct {
			Action, Test, Output string
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Test == "" {
			continue
		}
		r := res[ev.Test]
		if r == nil {
			if ev.Action != "run" {
				continue
			}
			r = &corpusResult{}
			res[ev.Test] = r
		}
		switch ev.Action {
		case "output":
			r.output = append(r.output, ev.Output)
		case "pass", "fail", "skip":
			r.action = ev.Action
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return res
}

// raced says whether a race was found during the test: a report, the
// failure rt.TestEnd adds, or the runtime's own map check.
func (r *corpusResult) raced() bool {
	for _, l := range r.output {
		if strings.Contains(l, "WARNING: DATA RACE") ||
			strings.Contains(l, "race detected during execution of test") ||
			strings.Contains(l, "fatal error: concurrent map") {
			return true
		}
	}
	return false
}

type corpusScore struct {
	races, raceFound     int
	noRaces, noRaceClean int
	missed, falsePos     []string
	skipped, notRun      []string
}

func scoreCorpus(want []string, res map[string]*corpusResult) corpusScore {
	var s corpusScore
	for _, name := range want {
		r := res[name]
		expRace := strings.HasPrefix(name, "TestRace")
		switch {
		case r != nil && r.action == "skip":
			s.skipped = append(s.skipped, name)
			continue
		case r == nil || r.action == "":
			// Never ran or never ended (an earlier test crashed the
			// binary): neither found a race nor shown clean.
			s.notRun = append(s.notRun, name)
		}
		got := r != nil && r.action != "" && r.raced()
		if expRace {
			s.races++
			if got {
				s.raceFound++
			} else {
				s.missed = append(s.missed, name)
			}
		} else {
			s.noRaces++
			if r != nil && r.action != "" && !got {
				s.noRaceClean++
			} else {
				s.falsePos = append(s.falsePos, name)
			}
		}
	}
	return s
}

func (s corpusScore) markdown() string {
	var b strings.Builder
	pct := func(a, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(a) / float64(n)
	}
	fmt.Fprintf(&b, "# Go race corpus under raceinst\n\n")
	fmt.Fprintf(&b, "`$GOROOT/src/runtime/race/testdata` (%s; cgo and synctest files aside) under\n", runtime.Version())
	fmt.Fprintf(&b, "`raceinst test -v`, GOMAXPROCS=1, as runtime/race's TestRace runs it under\n")
	fmt.Fprintf(&b, "`-race`. Produced by `go test ./cmd/raceinst -run TestRaceCorpus -corpus.md=FILE`.\n\n")
	fmt.Fprintf(&b, "| | raceinst | Go -race (TSan) |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| TestRace* with a race found | %d/%d (%.1f%%) | 232/233 |\n", s.raceFound, s.races, pct(s.raceFound, s.races))
	fmt.Fprintf(&b, "| TestNoRace* clean | %d/%d (%.1f%%) | 128/128 |\n\n", s.noRaceClean, s.noRaces, pct(s.noRaceClean, s.noRaces))
	list := func(title string, names []string, why map[string]string) {
		if len(names) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n\n", title, len(names))
		for _, n := range names {
			if why[n] != "" {
				fmt.Fprintf(&b, "- %s: %s\n", n, why[n])
			} else {
				fmt.Fprintf(&b, "- %s\n", n)
			}
		}
		b.WriteString("\n")
	}
	list("False positives (race reported in TestNoRace*)", s.falsePos, knownFalsePositives)
	list("Missed (no race found in TestRace*), with the likely cause", s.missed, missReasons)
	list("Skipped by the test itself", s.skipped, nil)
	list("Did not finish (the test binary crashed or hung; counted as not detected or not clean)", s.notRun, nil)
	return b.String()
}
