package rt

import (
	"sync/atomic"
	"testing"
	"unsafe"
)

// TestRecordCASLoser: of two accesses racing to be a fresh word's first,
// whose details map to one table entry, the one whose swap fails leaves
// the winner's details alone: the report of their race needs them. (Writing
// the details before the swap, the loser overwrote them, and 1 run in 20
// of TestSyncDeps' racy program said "[failed to restore the stack]".)
func TestRecordCASLoser(t *testing.T) {
	word := new(uint64)
	addr := uintptr(unsafe.Pointer(word))
	ea := mkEpoch(3, 10)
	eb := ea
	for c := uint64(11); ; c++ {
		if eb = mkEpoch(4, c); infoOf(infoTag(addr, true), eb) == infoOf(infoTag(addr, true), ea) {
			break
		}
	}
	var cell atomic.Uint64
	a := accessInfo{goid: 101, pc: 0x1234, stk: 7}
	b := accessInfo{goid: 202, pc: 0x5678, stk: 9}
	if !firstAccess(&cell, 1, addr, true, ea, a) {
		t.Fatal("first access to an empty cell failed")
	}
	if recordCAS(&cell, 0, 2, addr, true, eb, b) {
		t.Fatal("recordCAS from 0 succeeded on a cell that shows an access")
	}
	if cell.Load() != 1 {
		t.Errorf("cell = %d, want 1", cell.Load())
	}
	if got := getInfo(addr, true, ea); got != a {
		t.Errorf("details of the first access: %+v, want %+v", got, a)
	}
}

// TestInfoOfNeighbours: the details of accesses to different words less
// than 32 KiB apart never share a table entry, whatever their epochs;
// those of one word's accesses at different epochs are spread over 8.
func TestInfoOfNeighbours(t *testing.T) {
	base := uintptr(unsafe.Pointer(new([64]uint64)))
	var eps []epoch
	seen := map[*infoEntry]bool{}
	for c := uint64(1); len(eps) < 8 && c < 1000; c++ {
		e := mkEpoch(1, c)
		if en := infoOf(infoTag(base, true), e); !seen[en] {
			seen[en] = true
			eps = append(eps, e)
		}
	}
	if len(eps) != 8 {
		t.Fatalf("a word's writes at 1000 epochs got %d entries, want 8", len(eps))
	}
	for _, d := range []uintptr{8, 16, 24, 40, 64, 4096, 32<<10 - 8} {
		for _, ea := range eps {
			for _, eb := range eps {
				for _, wa := range []bool{false, true} {
					for _, wb := range []bool{false, true} {
						if infoOf(infoTag(base, wa), ea) == infoOf(infoTag(base+d, wb), eb) {
							t.Fatalf("words %d bytes apart share an entry (epochs %#x, %#x; writes %v, %v)", d, ea, eb, wa, wb)
						}
					}
				}
			}
		}
	}
}
