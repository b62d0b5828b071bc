//go:build !purego

package rt

import "github.com/raceinst/raceinst/rt/internal/goid"

// On amd64 the same-epoch fast paths of Read and Write are assembly
// (access_amd64.s): a Go Read had to call goid's getg assembly and so paid
// for two calls, two frames and the ABI switch around the inner call on
// every access; here the instrumented code's one call reads runtime.g from
// TLS itself. The checks and their order are those of access_generic.go;
// whatever they do not settle jumps to readAt or writeAt, in Go.

// accessFrames is the number of frames between readAt or writeAt and the
// instrumented access: the assembly jumps to them, leaving no frame of its
// own (the ABI wrapper it enters them through is not a frame to
// runtime.Callers).
const accessFrames = 1

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
