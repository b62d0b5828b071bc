package forksafe

import (
	"strings"

	"github.com/raceinst/raceinst/passes/norace"
)

// This file holds every "this package or function is special" decision of
// the analyzer, each with the reason beside it, in the manner of the
// compiler's cmd/internal/objabi/pkgspecial.go. Nothing else in the
// package names a standard-library package or function.

// neverInstrumented reports whether the compiler never race-instruments
// code of the package (norace's copy of objabi's table). Such code is also
// trusted: forksafe judges calls into it by its directives (//go:nosplit,
// NOSPLIT assembly) but does not look inside, because the runtime's own
// nosplit code is written for, and checked by the linker in, exactly the
// contexts we care about.
func neverInstrumented(path string) bool {
	_, ok := norace.NeverInstrumented(path)
	return ok
}

// intrinsics are functions that the compiler replaces by instructions (or
// evaluates at compile time) on every port, so calling them is no call at
// all: no prologue, no instrumentation, and their arguments need not be
// materialised (abi.FuncPCABI0(f) takes f's address at link time).
var intrinsics = map[string]string{
	"internal/abi.FuncPCABI0":        "compile-time function address",
	"internal/abi.FuncPCABIInternal": "compile-time function address",
	"internal/abi.NoEscape":          "inlined identity (runtime package)",
	"runtime.KeepAlive":              "intrinsic, no code",
	"unsafe.Add":                     "builtin",
	"unsafe.Slice":                   "builtin",
}

// intrinsicPkgs are packages all of whose exported functions are compiler
// intrinsics or tiny inlined leaves on the ports that matter.
var intrinsicPkgs = map[string]string{
	"internal/runtime/sys": "GetCallerPC, Ctz64, Bswap64, ...: compiler intrinsics",
	"math/bits":            "intrinsified or inlined table lookups on every port with -race",
}

func isIntrinsic(pkgPath, name string) bool {
	if _, ok := intrinsicPkgs[pkgPath]; ok {
		return true
	}
	_, ok := intrinsics[pkgPath+"."+name]
	return ok
}

// lockingPkgs are packages whose functions take locks (or allocate, which
// takes the heap lock) on essentially every path; a call into one from a
// fork child is reported as "lock" without looking further.
var lockingPkgs = map[string]string{
	"fmt":           "formats through sync.Pool'd printers and writes through os.File",
	"log":           "the logger holds a mutex",
	"log/slog":      "handlers hold mutexes",
	"log/syslog":    "the writer holds a mutex",
	"os":            "os.File methods take the fd mutex; environment access locks",
	"os/exec":       "forks itself",
	"os/signal":     "signal handlers are registered under a mutex",
	"time":          "timers and the location cache lock",
	"net":           "the resolver and poller lock",
	"sync":          "Mutex, RWMutex, Once, WaitGroup, Cond, Map, Pool",
	"internal/poll": "the fd mutex",
	"io":            "io.Pipe and friends lock; Writers are dynamic",
	"bufio":         "writes through an io.Writer",
	"reflect":       "type caches are guarded by mutexes",
}

// lockingPkg reports whether path (or a parent of it among net/...) is a
// package that takes locks.
func lockingPkg(path string) (string, bool) {
	if why, ok := lockingPkgs[path]; ok {
		return why, true
	}
	if strings.HasPrefix(path, "net/") {
		return lockingPkgs["net"], true
	}
	return "", false
}

// reschedules are runtime functions (by the name of their implementation)
// after which the goroutine can be descheduled or the thread handed to the
// scheduler: in a fork child there is no scheduler to come back from.
var reschedules = map[string]string{
	"runtime.entersyscall":      "blocking syscall: the P may be handed off",
	"runtime.entersyscallblock": "blocking syscall: the P is handed off",
	"runtime.exitsyscall":       "may park the goroutine to reacquire a P",
	"runtime.Gosched":           "yields to the scheduler",
	"runtime.GC":                "stops the world",
	"runtime.Goexit":            "runs deferred calls and schedules",
	"runtime.gopark":            "parks the goroutine",
	"runtime.LockOSThread":      "touches scheduler state",
	"runtime.UnlockOSThread":    "touches scheduler state",
	"runtime.timeSleep":         "parks the goroutine (time.Sleep)",
}

// raceSupported mirrors internal/platform.RaceDetectorSupported: the ports
// where "go build -race" exists, so where a missing //go:norace bites.
func raceSupported(goos, goarch string) bool {
	switch goos {
	case "linux":
		return goarch == "amd64" || goarch == "arm64" || goarch == "loong64" || goarch == "ppc64le" || goarch == "riscv64" || goarch == "s390x"
	case "darwin":
		return goarch == "amd64" || goarch == "arm64"
	case "freebsd", "netbsd", "windows":
		return goarch == "amd64"
	}
	return false
}
