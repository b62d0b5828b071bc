package rt

import (
	"os"

	"sync"
	"testing"
	"unsafe"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		runChild(name) // report_test.go: a scenario in a fresh process
		return
	}
	// In-process tests count races exactly: no suppression, no history
	// dropped at garbage collection, reports kept off the test output.
	gcForgets = false
	countSlow = true
	o := getOptions()
	o.suppressStacks, o.suppressAddrs, o.atexitSleepMs = false, false, 0
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	outFile, outOpened = devnull, true
	os.Exit(m.Run())
}

var (
	keepMu sync.Mutex
	keep   []*[4]uint64
)

// heapWord returns the address of a fresh, live heap word (not on a
// goroutine stack, which rt ignores).
func heapWord() uintptr {
	p := new([4]uint64)
	keepMu.Lock()
	keep = append(keep, p)
	keepMu.Unlock()
	return uintptr(unsafe.Pointer(p))
}

// spawn runs f in a goroutine created the way instrumented code creates
// one (Go, Started, Finished). The returned wait blocks until f is done,
// without any happens-before edge rt could see.
func spawn(f func()) (wait func()) {
	tok := Go()
	done := make(chan struct{})
	go func() {
		Started(tok)
		f()
		Finished()
		close(done)
	}()
	return func() { <-done }
}

// run is spawn followed by wait.
func run(f func()) { spawn(f)() }

// racesIn returns how many races f made rt report.
func racesIn(f func()) int64 {
	before := racesFound.Load()
	f()
	return racesFound.Load() - before
}

func slowIn(f func()) int64 {
	before := slowPaths.Load()
	f()
	return slowPaths.Load() - before
}

// lockedIn returns how many slow paths of f took the word lock.
func lockedIn(f func()) int64 {
	before := lockedPaths.Load()
	f()
	return lockedPaths.Load() - before
}

func wantRaces(t *testing.T, want int64, f func()) {
	t.Helper()
	if got := racesIn(f); got != want {
		t.Errorf("races reported = %d, want %d", got, want)
	}
}

func uintptrOf(p *[2]uint64) uintptr { return uintptr(unsafe.Pointer(p)) }

func addr[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

func goidFast() bool { return goidFastFn() }

// wantSomeRaces is wantRaces for several goroutines racing at once: every
// unordered pair may be reported.
func wantSomeRaces(t *testing.T, f func()) {
	t.Helper()
	if got := racesIn(f); got < 1 {
		t.Errorf("races reported = %d, want at least 1", got)
	}
}

// chanPtr returns the pointer a channel value is, as the instrumenter's
// helpers pass it to the channel hooks.
func chanPtr[C any](c C) uintptr { return *(*uintptr)(unsafe.Pointer(&c)) }
