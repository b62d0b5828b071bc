package rt

import (
	"testing"
	"unsafe"
)

// TestSlotClocksOwnLines: every slot's clock cell is on a cache line of
// its own. A goroutine stores there at every release; goroutines on
// different cores releasing the same lock must not share the line.
func TestSlotClocksOwnLines(t *testing.T) {
	cur() // makes slot chunk 0
	const line = 64
	for s := uint32(1); s < 1<<slotChunkBits && s < 64; s++ {
		a, b := uintptr(unsafe.Pointer(slotClock(s-1))), uintptr(unsafe.Pointer(slotClock(s)))
		if a/line == b/line {
			t.Fatalf("slots %d and %d share a cache line (cells at %#x and %#x)", s-1, s, a, b)
		}
	}
}
