package rt

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/raceinst/raceinst/rt/internal/platform"
)

func init() {
	getOptions() // complain about GORACE at start-up, as TSan does
	armGCWatch()
}

// Races returns the number of data races reported so far.
func Races() int { return int(racesFound.Load()) }

// Fini ends race detection for the process: it waits atexit_sleep_ms if
// other goroutines are still running, prints "Found N data race(s)" if any
// were reported, and returns the exit status the process should end with:
// GORACE's exitcode (66 by default) if races were found, else 0. The
// summary is written with all signals blocked, so that SIGINT cannot cut it
// in half.
func Fini() int {
	o := getOptions()
	if o.atexitSleepMs > 0 && liveOthers() > 0 {
		time.Sleep(time.Duration(o.atexitSleepMs) * time.Millisecond)
	}
	n := racesFound.Load()
	if n == 0 {
		return 0
	}
	writeSummary(n)
	return o.exitCode
}

var summaryOnce sync.Once

func writeSummary(n int64) {
	summaryOnce.Do(func() {
		msg := []byte("Found " + strconv.FormatInt(n, 10) + " data race(s)\n")
		runtime.LockOSThread()
		old := platform.BlockSignals()
		repMu.Lock()
		openOutput(getOptions())
		emit(msg)
		repMu.Unlock()
		platform.RestoreSignals(old)
		runtime.UnlockOSThread()
	})
}

// Exit is called instead of os.Exit(code) and where main returns (code 0).
// As with Go's race detector, a process that would exit 0 exits with
// GORACE's exitcode if races were found; a non-zero code is kept.
func Exit(code int) {
	if code == 0 {
		code = Fini()
	}
	os.Exit(code)
}

// TB is the part of testing.TB that TestBegin and TestEnd need. It must be
// a pointer type, like *testing.T.
type TB interface {
	Name() string
	Errorf(format string, args ...any)
	// Helper marks TestEnd as a helper, so the failure is attributed to
	// the test, as go test -race does.
	Helper()
}

var (
	testMu    sync.Mutex
	testStart = map[TB]int64{}
)

// TestBegin is called when a test (or subtest, or benchmark) starts.
func TestBegin(t TB) {
	testMu.Lock()
	testStart[t] = racesFound.Load()
	testMu.Unlock()
}

// TestEnd is called when the test started by TestBegin(t) ends. If a race
// was reported in between, anywhere in the process, the test fails with the
// message `go test -race` uses. It reports whether the test stayed race-free.
func TestEnd(t TB) bool {
	testMu.Lock()
	start, ok := testStart[t]
	delete(testStart, t)
	testMu.Unlock()
	if ok && racesFound.Load() > start {
		t.Helper()
		t.Errorf("race detected during execution of test")
		return false
	}
	return true
}
