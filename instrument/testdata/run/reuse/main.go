// Command reuse: memory the collector frees and the allocator hands out
// again must not carry the old object's history (Go's race corpus:
// TestNoRaceTinyAlloc). A goroutine writes an object; once it is gone the
// object is dropped and collected, and main allocates objects of its size
// until one lands at its address, and writes that one. Nothing orders the
// two writes for rt: only the rt.Alloc after each allocation tells it the
// second write is to a new object.
package main

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

type obj [3000]byte

type blocker struct{ _ *int }

var (
	hold = make(chan struct{})
	keep []*obj // on the heap, as the first object was
)

// writeNew starts a goroutine that writes a new object, and returns the
// object's address (no reference: main must not keep it alive).
//
//go:noinline
func writeNew() uintptr {
	// Neighbours kept alive keep x's span in use once x is freed.
	for range 16 {
		keep = append(keep, new(obj))
	}
	x := new(obj)
	keep = append(keep, new(obj))
	go func(p *obj) { p[0] = 1 }(x)
	return uintptr(unsafe.Pointer(x))
}

func main() {
	runtime.GOMAXPROCS(1)
	// Hold up the finalizer goroutine: rt's garbage-collection rule (a
	// finalizer that counts collections) then sees no collection, and only
	// Alloc can tell rt that the memory was reused.
	runtime.SetFinalizer(&blocker{}, func(*blocker) { <-hold })
	runtime.GC()
	time.Sleep(20 * time.Millisecond)

	n := runtime.NumGoroutine()
	addr := writeNew()
	// Wait for the goroutine without an edge rt sees.
	for runtime.NumGoroutine() > n {
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	runtime.GC()

	reused := false
	for i := 0; i < 1000 && !reused; i++ {
		p := new(obj)
		keep = append(keep, p)
		if uintptr(unsafe.Pointer(p)) == addr {
			p[0] = 2
			reused = true
		}
	}
	fmt.Println("reused:", reused)
}
