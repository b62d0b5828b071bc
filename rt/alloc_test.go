package rt

import (
	"runtime"
	"testing"
	"unsafe"
)

var allocSink []uint64

// TestAllocRange: Alloc forgets every word of a range that spans shadow
// pages, and only those: a word just past the range keeps its history.
func TestAllocRange(t *testing.T) {
	buf := make([]uint64, 3*wordsPerPage)
	allocSink = buf // on the heap: Alloc ignores the caller's stack
	base := uintptr(unsafe.Pointer(&buf[0]))
	// Words in three pages, from an odd start: the range's first and last
	// words are partly outside it.
	lo, hi := base+8*wordsPerPage/2+3, base+8*(2*wordsPerPage+wordsPerPage/2)-3
	words := []uintptr{lo &^ 7, lo + 8, base + 8*wordsPerPage + 16, (hi - 1) &^ 7}
	past := (hi-1)&^7 + 8
	wantRaces(t, 0, func() {
		run(func() {
			for _, a := range words {
				Write(a)
			}
		})
		Alloc(lo, hi-lo)
		run(func() {
			for _, a := range words {
				Write(a)
			}
		})
	})
	wantRaces(t, 1, func() {
		run(func() { Write(past) })
		Alloc(lo, hi-lo)
		run(func() { Write(past) })
	})
}

// TestAllocNoShadow: Alloc of memory no hook has touched creates no
// shadow pages.
func TestAllocNoShadow(t *testing.T) {
	buf := make([]uint64, 64*wordsPerPage)
	allocSink = buf // on the heap: Alloc ignores the caller's stack
	before := pdir.Load().used
	Alloc(uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf))*8)
	if after := pdir.Load().used; after != before {
		t.Errorf("Alloc created %d shadow pages", after-before)
	}
	Alloc(uintptr(unsafe.Pointer(&buf[0]))+1, 0) // nothing, not the word
}

// TestStackAccessNoShadow: hooked accesses of the goroutine's own stack (a
// local go/ssa thought escaped and the compiler kept on the stack) make no
// shadow page and allocate nothing: test/closure.go counts MemStats.Mallocs
// around a read of such a local.
func TestStackAccessNoShadow(t *testing.T) {
	var made, had int
	access := func() {
		var local [64]uint64
		a := uintptr(unsafe.Pointer(&local[32]))
		before := lookupPage(a>>pageShift) != nil
		Read(a)
		Write(a + 8)
		ReadRange(a, 64)
		WriteRange(a+64, 64)
		switch {
		case before:
			had++
		case lookupPage(a>>pageShift) != nil:
			made++
		}
		runtime.KeepAlive(&local)
	}
	// Make the goroutine's state and grow its stack first: a stack that
	// grows under the hooks leaves a pointing to the old one.
	access()
	growStack(64)
	made, had = 0, 0
	allocs := testing.AllocsPerRun(20, access)
	if allocs != 0 {
		t.Errorf("accesses of the stack allocated %v times a run", allocs)
	}
	if made != 0 || had == 21 {
		t.Errorf("shadow pages made for the stack in %d of 21 runs (%d had one already)", made, had)
	}
}

//go:noinline
func growStack(n int) byte {
	var buf [1024]byte
	buf[n%len(buf)] = byte(n)
	if n > 0 {
		buf[0] += growStack(n - 1)
	}
	return buf[0]
}
