package rt

import (
	"testing"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/platform"
)

// withCellMem runs f holding pmu with newCells' allocator set to use huge
// pages of the given size (0: the heap), from a fresh state, and restores
// the allocator after.
func withCellMem(huge uintptr, f func()) {
	pmu.Lock()
	defer pmu.Unlock()
	saved := cellMem
	defer func() { cellMem = saved }()
	cellMem.checked, cellMem.huge = true, huge
	cellMem.chunk, cellMem.used, cellMem.owed, cellMem.credit = nil, 0, 0, nil
	f()
}

func inHeap(p unsafe.Pointer) bool {
	base, _, _ := findObject(uintptr(p), 0, 0)
	return base != 0
}

// TestCellsOutsideHeap: with huge pages, cells are carved one after the
// other from mappings outside the Go heap, zeroed, and each cellCredit
// bytes of them put a heap object of that size in the heap, so that the
// collector paces as if the cells were there.
func TestCellsOutsideHeap(t *testing.T) {
	const n = 3*cellCredit/4096 + 7
	var credit [][]byte
	var cells []*shadowCells
	withCellMem(2<<20, func() {
		for range n {
			cells = append(cells, newCells())
		}
		credit = cellMem.credit
	})
	for i, c := range cells {
		if inHeap(unsafe.Pointer(c)) {
			t.Fatalf("cells %d at %p: in the Go heap", i, c)
		}
		if i == 0 && uintptr(unsafe.Pointer(c))%(2<<20) != 0 {
			t.Errorf("first cells at %p: not aligned to the huge page", c)
		}
		if i > 0 && uintptr(unsafe.Pointer(c)) != uintptr(unsafe.Pointer(cells[i-1]))+4096 {
			t.Errorf("cells %d at %p, previous at %p: not carved in turn", i, c, cells[i-1])
		}
		for j := range c {
			if c[j].Load() != 0 {
				t.Fatalf("cells %d: cell %d = %#x, want 0", i, j, c[j].Load())
			}
		}
		c[i%len(c)].Store(1) // writable
	}
	if len(credit) != n*4096/cellCredit {
		t.Errorf("%d credit objects for %d bytes of cells, want %d", len(credit), n*4096, n*4096/cellCredit)
	}
	for i, b := range credit {
		if len(b) != cellCredit || !inHeap(unsafe.Pointer(&b[0])) {
			t.Errorf("credit %d: %d bytes, in heap %v; want %d in the heap", i, len(b), inHeap(unsafe.Pointer(&b[0])), cellCredit)
		}
	}
}

// TestCellsOnHeap: without huge pages, cells are heap objects, and no
// credit is taken.
func TestCellsOnHeap(t *testing.T) {
	withCellMem(0, func() {
		for i := range 300 {
			c := newCells()
			if !inHeap(unsafe.Pointer(c)) {
				t.Fatalf("cells %d at %p: not in the Go heap", i, c)
			}
		}
		if cellMem.chunk != nil || cellMem.credit != nil {
			t.Errorf("heap cells mapped memory or took credit: chunk %d bytes, %d credit objects", len(cellMem.chunk), len(cellMem.credit))
		}
	})
}

// TestShadowPageCells: a shadow page made by an access gets its cells from
// newCells: outside the heap exactly when huge pages are in use.
var cellSink *[1024]uint64

func TestShadowPageCells(t *testing.T) {
	x := new([1024]uint64) // 8 KiB: its second page is one no other object shares
	cellSink = x           // in the heap, not on the stack rt ignores
	Write(uintptr(unsafe.Pointer(&x[600])))
	p := lookupPage(uintptr(unsafe.Pointer(&x[600])) >> pageShift)
	if p == nil {
		t.Fatal("no shadow page after a write")
	}
	huge := platform.HugePageSize()
	if huge > 16<<20 {
		huge = 0
	}
	if got, want := inHeap(unsafe.Pointer(p.cells)), huge == 0; got != want {
		t.Errorf("cells in the heap: %v, want %v (huge page size %d)", got, want, huge)
	}
	t.Logf("huge page size %d", huge)
}
