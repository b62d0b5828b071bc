package rt

import (
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
