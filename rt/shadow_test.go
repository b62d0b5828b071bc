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

// TestInfoTabAligned: an entry is 16 bytes and the table starts on a
// multiple of that, so no entry spans two cache lines.
func TestInfoTabAligned(t *testing.T) {
	if n := unsafe.Sizeof(infoEntry{}); n != 16 {
		t.Errorf("an entry is %d bytes, want 16", n)
	}
	if a := uintptr(unsafe.Pointer(&infoTab)); a%16 != 0 {
		t.Errorf("infoTab at %#x, not 16-byte aligned", a)
	}
}

// TestInfoOfSequential: the read details of neighbouring words go to
// neighbouring entries, 4 words to a cache line (in the table's half for
// reads); their write details to the other half.
func TestInfoOfSequential(t *testing.T) {
	base := uintptr(unsafe.Pointer(new([64]uint64)))
	e := mkEpoch(2, 9)
	first := infoOf(infoTag(base, false), e)
	for i := uintptr(0); i < 64; i++ {
		a := base + 8*i
		// The window's last word is followed by the next window's first.
		if a>>3&(1<<infoWindowBits-1) == 0 && i > 0 {
			break
		}
		if en := infoOf(infoTag(a, false), e); uintptr(unsafe.Pointer(en)) != uintptr(unsafe.Pointer(first))+16*i {
			t.Fatalf("word %d's read entry is not %d entries after word 0's", i, i)
		}
		r := uintptr(unsafe.Pointer(infoOf(infoTag(a, false), e))) - uintptr(unsafe.Pointer(&infoTab))
		w := uintptr(unsafe.Pointer(infoOf(infoTag(a, true), e))) - uintptr(unsafe.Pointer(&infoTab))
		if half := unsafe.Sizeof(infoTab) / 2; r >= half || w < half {
			t.Fatalf("word %d: read entry at %#x, write entry at %#x; want them in the first and second halves", i, r, w)
		}
	}
}

// TestInfoKey: an entry answers for the access it recorded and no other:
// the word, the kind and the epoch all count.
func TestInfoKey(t *testing.T) {
	addr := uintptr(unsafe.Pointer(new([2]uint64)))
	e := mkEpoch(5, 77)
	a := accessInfo{goid: 7, pc: 0x4242, stk: 3}
	putInfo(addr, true, e, a)
	if got := getInfo(addr, true, e); got != a {
		t.Fatalf("getInfo = %+v, want %+v", got, a)
	}
	// Accesses whose details map to the same entry (a read's never do): the
	// same word at another epoch of the same slot and of another, and a
	// word far away.
	en := infoOf(infoTag(addr, true), e)
	type access struct {
		addr  uintptr
		write bool
		e     epoch
	}
	var others []access
	for _, slot := range []uint32{5, 6} {
		for c := uint64(78); c < 100000; c++ {
			if infoOf(infoTag(addr, true), mkEpoch(slot, c)) == en {
				others = append(others, access{addr, true, mkEpoch(slot, c)})
				break
			}
		}
	}
	for d := uintptr(8 << infoWindowBits); d < 1<<30; d += 8 << infoWindowBits {
		if infoOf(infoTag(addr+d, true), e) == en {
			others = append(others, access{addr + d, true, e})
			break
		}
	}
	if len(others) != 3 {
		t.Fatalf("found %d accesses sharing the entry, want 3", len(others))
	}
	for _, o := range others {
		if got, want := getInfo(o.addr, o.write, o.e), (accessInfo{goid: slotOwner(o.e.slot())}); got != want {
			t.Errorf("getInfo(%#x, %v, %#x) = %+v, another access's details", o.addr, o.write, o.e, got)
		}
	}
	keys := map[uint32]bool{}
	for w := uintptr(0); w < 64; w += 8 {
		for c := uint64(1); c < 64; c++ {
			for _, wr := range []bool{false, true} {
				k := infoKey(infoTag(addr+w, wr), mkEpoch(1, c))
				if k&infoLocked != 0 || k == 0 {
					t.Fatalf("infoKey = %#x: the lock bit is set or it is 0", k)
				}
				if keys[k] {
					t.Fatalf("infoKey %#x given twice", k)
				}
				keys[k] = true
			}
		}
	}
}

// TestInfoPacking: an entry gives back the pc (anywhere within 2 GiB of
// the code), the stack and the goroutine id it was given; an id that does
// not fit its 32 bits gives the slot's owner.
func TestInfoPacking(t *testing.T) {
	addr := uintptr(unsafe.Pointer(new(uint64)))
	e := mkEpoch(3, 5)
	for _, a := range []accessInfo{
		{goid: 1, pc: pcBase + 1, stk: 1},
		{goid: 1<<32 - 1, pc: pcBase + 1<<31 - 1, stk: 1<<32 - 1},
		{goid: 12345, pc: pcBase - 1<<31 + 1, stk: 0},
		{goid: 2, pc: 0, stk: 9},
	} {
		putInfo(addr, false, e, a)
		if got := getInfo(addr, false, e); got != a {
			t.Errorf("put %+v, got %+v", a, got)
		}
	}
	putInfo(addr, false, e, accessInfo{goid: 1 << 32, pc: pcBase + 8})
	if got, want := getInfo(addr, false, e), (accessInfo{goid: slotOwner(e.slot()), pc: pcBase + 8}); got != want {
		t.Errorf("goroutine 1<<32: got %+v, want %+v", got, want)
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
