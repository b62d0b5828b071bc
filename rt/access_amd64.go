//go:build !purego

package rt

import "github.com/raceinst/raceinst/rt/internal/goid"

// On amd64 the same-epoch fast paths of Read and Write are assembly
// (access_amd64.s): a Go Read had to call goid's getg assembly and so paid
// for two calls, two frames and the ABI switch around the inner call on
// every access; here the instrumented code's one call reads runtime.g from
// TLS itself. The checks and their order are those of access_generic.go;
// whatever they do not settle goes on in readAt or writeAt, in Go, with the
// return address as the access's pc: finding it with runtime.Callers would
// cost the slow path (every first access to a word after a synchronisation)
// more than all the rest of it.

// accessFrames is the number of frames between readAt or writeAt and the
// instrumented access when they are called with pc 0, which the assembly
// never does (it passes its return address): only for the record.
const accessFrames = 2

// fastG and goidOff are goid's fast-path switch and runtime.g's goid
// offset, copied where the assembly can load them. Until package
// initialisation sets them (goid's runs first), every access takes the
// slow path, which is correct from the first instruction.
var (
	fastG   = goid.Fast()
	goidOff = goid.Offset()
)

// Read records a read of the byte at addr. It reports a race if the last
// write to it does not happen before this goroutine's current step.
//
// The fast path settles read same epoch (from the compact cell or the
// word's record) and read shared same epoch without a call.
//
//go:noescape
func Read(addr uintptr)

// Write records a write of the byte at addr. It reports a race if the last
// write or any read since does not happen before this goroutine's current
// step.
//
//go:noescape
func Write(addr uintptr)

// FuncEnter records entry to an instrumented function. pc is the return
// address of that function, i.e. its call site in the caller (what
// runtime/race's racefuncenter receives); with 0 the assembly reads it from
// the function's frame (its frame pointer is BP on entry: an instrumented
// function has a frame, and its deferred FuncExit keeps it from being
// inlined), where runtime.Callers would cost more than the rest of the hook.
// Every FuncEnter must be paired with a FuncExit on the same goroutine.
//
// The fast path, which pushes pc when the shadow stack has room, is
// assembly, as is FuncExit's: instrumented code calls them around every
// function that makes a call or a hook (5.6M pairs in one goimports run
// that walked a parsed tree), and the Go versions paid for cur's call to
// goid's assembly in each.
//
//go:noescape
func FuncEnter(pc uintptr)

// FuncExit records the return from the function of the matching FuncEnter.
func FuncExit()

// framePCAbove is pcAbove of the return addresses above its caller,
// found by walking the frame pointers (runtime.Callers costs more than the
// rest of a mutex hook).
//
//go:noinline
func framePCAbove() (uintptr, bool) {
	var pcs [framePCsMax]uintptr
	return pcAbove(pcs[:framePCs(&pcs)])
}

// framePCsMax is the number of frames framePCs walks (the assembly has it
// too).
const framePCsMax = 12

// framePCs stores the return addresses of the caller's frame and those
// above it in pcs, innermost first, through the frame pointer chain, and
// returns how many it stored.
//
//go:noescape
func framePCs(pcs *[framePCsMax]uintptr) int
