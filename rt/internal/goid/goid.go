// Package goid identifies the running goroutine without calling
// runtime.Stack on the fast path.
//
// On the architectures with getg assembly (getg_GOARCH.s) Get reads the
// runtime.g pointer from TLS or the g register and loads g.goid at an offset
// taken from offsets_gen.go, which "go run gen/main.go" computes with go/types
// from the runtime sources of the toolchain in use. Package initialisation
// checks that offset against the "goroutine N [" header printed by
// runtime.Stack (and the g's status and stack bounds against what the running
// goroutine must see); if anything disagrees, or the GOARCH has no assembly
// (wasm), every call takes the slow, correct path through runtime.Stack.
package goid

import (
	"runtime"
	"sync"
	"unsafe"
)

// layout is the part of runtime.g (and its status constants) this package reads.
type layout struct {
	stackLo, stackHi, status, goid     uintptr // byte offsets in runtime.g
	gRunning, gDead, gDeadExtra, gScan uint32
}

var (
	lay, layOK = offsetsFor(runtime.GOARCH)
	// fast is set once, during package initialisation, which finishes before
	// any importer (and so any hook of package rt) can run.
	fast = selfCheck()
)

// Fast reports whether Get uses the getg fast path.
func Fast() bool { return fast }

// Get returns the running goroutine's id, as printed in "goroutine N [".
//
//go:nosplit
func Get() int64 {
	if fast {
		return int64(*(*uint64)(unsafe.Add(getg(), lay.goid)))
	}
	return slowGet()
}

// IDOf returns the id of the goroutine running on g, a non-nil result of G
// on the calling goroutine. It is Get without the call, for callers that
// already hold g (rt's goroutine cache checks with it that g was not reused).
//
//go:nosplit
func IDOf(g unsafe.Pointer) int64 {
	return int64(*(*uint64)(unsafe.Add(g, lay.goid)))
}

// G returns the running goroutine's runtime.g, or nil when the fast path is
// off. The pointer stays valid for the life of the process (the runtime
// never frees a g; it reuses it for a later goroutine with a new id).
//
//go:nosplit
func G() unsafe.Pointer {
	if fast {
		return getg()
	}
	return nil
}

// Alive reports whether the goroutine id still runs on g (as returned by G
// on that goroutine). It is false once the goroutine has exited, whether or
// not the g was reused. With the fast path off it always reports true.
func Alive(g unsafe.Pointer, id int64) bool {
	if !fast || g == nil {
		return true
	}
	if int64(loadUint64(unsafe.Add(g, lay.goid))) != id {
		return false
	}
	st := loadUint32(unsafe.Add(g, lay.status)) &^ lay.gScan
	return st != lay.gDead && st != lay.gDeadExtra
}

// OnStack reports whether addr lies in the stack of the running goroutine g
// (as returned by G). With the fast path off it reports false.
//
//go:nosplit
func OnStack(g unsafe.Pointer, addr uintptr) bool {
	if !fast || g == nil {
		return false
	}
	lo := *(*uintptr)(unsafe.Add(g, lay.stackLo))
	hi := *(*uintptr)(unsafe.Add(g, lay.stackHi))
	return lo <= addr && addr < hi
}

// loadUint64 and loadUint32 read runtime-owned words; the runtime writes
// them with its own atomics, and a torn or stale read only makes Alive
// answer for a moment earlier or later.
func loadUint64(p unsafe.Pointer) uint64 { return *(*uint64)(p) }
func loadUint32(p unsafe.Pointer) uint32 { return *(*uint32)(p) }

// stackBufs holds buffers for slowGet: runtime.Stack makes its argument
// escape, and a pool keeps the slow path from allocating per call.
var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}

// slowGet parses the header line of runtime.Stack: "goroutine 18 [running]:".
func slowGet() int64 {
	buf := stackBufs.Get().(*[64]byte)
	n := runtime.Stack(buf[:], false)
	id := parseHeader(buf[:n])
	stackBufs.Put(buf)
	return id
}

func parseHeader(b []byte) int64 {
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return -1
	}
	var id int64
	i := len(prefix)
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		id = id*10 + int64(b[i]-'0')
	}
	if i == len(prefix) || i >= len(b) || b[i] != ' ' {
		return -1
	}
	return id
}

// selfCheck decides whether the fast path can be trusted on this binary.
func selfCheck() bool {
	if !haveGetg || !layOK {
		return false
	}
	if !checkHere() {
		return false
	}
	// A second goroutine, so that a constant that happens to match the
	// init goroutine cannot pass.
	ok := make(chan bool)
	go func() { ok <- checkHere() }()
	return <-ok
}

//go:noinline
func checkHere() bool {
	g := getg()
	if g == nil {
		return false
	}
	if int64(*(*uint64)(unsafe.Add(g, lay.goid))) != slowGet() {
		return false
	}
	if st := *(*uint32)(unsafe.Add(g, lay.status)) &^ lay.gScan; st != lay.gRunning {
		return false
	}
	var local byte
	lo := *(*uintptr)(unsafe.Add(g, lay.stackLo))
	hi := *(*uintptr)(unsafe.Add(g, lay.stackHi))
	a := uintptr(unsafe.Pointer(&local))
	return lo <= a && a < hi
}

// Offset returns the byte offset of goid in runtime.g that Get and IDOf
// use (meaningful only when Fast reports true), for assembly that reads it
// itself.
func Offset() uintptr { return lay.goid }
