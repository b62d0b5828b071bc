//go:build !amd64 || purego

package rt

import (
	"runtime"

	"github.com/raceinst/raceinst/rt/internal/goid"
)

// Read and Write in Go, for the architectures without access_GOARCH.s. The
// assembly versions do the same checks in the same order.

// accessFrames is the number of frames between readAt or writeAt and the
// instrumented access: Read or Write, then the access.
const accessFrames = 2

// Read records a read of the byte at addr. It reports a race if the last
// write to it does not happen before this goroutine's current step.
//
// The fast path (read same epoch, read shared same epoch) is written out
// here rather than in helpers: getg, a gcache probe, the page cache, and a
// load and compare of the shadow cell.
func Read(addr uintptr) {
	if g := cached(goid.G()); g != nil && g.pkey == addr>>pageShift {
		c := g.pcells[(addr>>3)&(wordsPerPage-1)].Load()
		if c&^(cellW|cellMask) == g.cr {
			return // read same epoch
		}
		if c&^(cellR|cellMask) == g.cw && c&(1<<(addr&7)) != 0 {
			return // written same epoch: the write covers the read
		}
		if c&cellFull != 0 {
			r := recAt(uint32(c))
			rr := r.r.Load()
			if rr == uint64(g.ep) {
				return // read same epoch, the word's record
			}
			if rr == sharedReads {
				if rv := r.rvc.Load(); rv != nil && int(g.slot) < rv.n() && rv.at(g.slot).Load() == uint64(g.ep)&clockMask {
					return // read shared same epoch
				}
			}
		}
	}
	readAt(addr, 0)
}

// Write records a write of the byte at addr. It reports a race if the last
// write or any read since does not happen before this goroutine's current
// step.
func Write(addr uintptr) {
	if g := cached(goid.G()); g != nil && g.pkey == addr>>pageShift {
		c := g.pcells[(addr>>3)&(wordsPerPage-1)].Load()
		if c&^(cellR|cellMask) == g.cw {
			return // write same epoch
		}
		if c&cellFull != 0 && recAt(uint32(c)).w.Load() == uint64(g.ep) {
			return
		}
	}
	writeAt(addr, 0)
}

// FuncEnter records entry to an instrumented function. pc is the return
// address of that function, i.e. its call site in the caller (what
// runtime/race's racefuncenter receives); 0 makes rt find it, slowly.
// Every FuncEnter must be paired with a FuncExit on the same goroutine.
func FuncEnter(pc uintptr) {
	if pc == 0 {
		var buf [1]uintptr
		runtime.Callers(3, buf[:])
		pc = buf[0]
	}
	funcEnter(pc)
}

// FuncExit records the return from the function of the matching FuncEnter.
func FuncExit() { funcExit() }

// framePCAbove has no frame-pointer walk on these ports: hookPC and
// userPC use runtime.Callers.
func framePCAbove() (uintptr, bool) { return 0, false }
