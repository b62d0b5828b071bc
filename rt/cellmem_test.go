package rt

import (
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/platform"
)

// withCellMem runs f holding pmu with newCells' allocator set to use huge
// pages of the given size (0: the heap), from a fresh state, and restores
// the allocator after, but for the credit f's cells owe (paid by a cleanup
// after the next collection).
func withCellMem(huge uintptr, f func()) {
	pmu.Lock()
	defer pmu.Unlock()
	saved := cellMem
	defer func() {
		due, pending := cellMem.due, cellMem.pending
		cellMem = saved
		cellMem.due += due
		cellMem.pending = cellMem.pending || pending
	}()
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
// bytes of them owe a heap object of that size (paid after the next
// collection: TestCreditNotChargedToCaller), so that the collector paces
// as if the cells were there.
func TestCellsOutsideHeap(t *testing.T) {
	const n = 3*cellCredit/4096 + 7
	var due int
	var cells []*shadowCells
	withCellMem(2<<20, func() {
		for range n {
			cells = append(cells, newCells())
		}
		due = cellMem.due
		if len(cellMem.credit) != 0 {
			t.Errorf("%d credit objects allocated by newCells, want none (payCredit's)", len(cellMem.credit))
		}
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
	if due != n*4096/cellCredit {
		t.Errorf("%d credit objects due for %d bytes of cells, want %d", due, n*4096, n*4096/cellCredit)
	}
}

// TestCreditNotChargedToCaller: the credit objects that cells outside the
// heap owe are allocated after the next collection by the runtime's cleanup
// goroutine (payCredit), in the heap, and a heap profile does not charge
// them to the goroutine whose access needed the cells (it charged a
// megabyte to a line of the program, and test/heapsampling.go's estimates
// were a third off).
func TestCreditNotChargedToCaller(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cells are outside the heap on Linux only")
	}
	defer func(r int) { runtime.MemProfileRate = r }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	before := len(cellMem.credit)
	withCellMem(2<<20, func() {
		for range cellCredit / 4096 {
			newCells()
		}
	})
	// The cleanup runs after a collection (the credit this test owes is
	// paid when none is due); the profile shows an allocation two
	// collections after it.
	var credit [][]byte
	for i := 0; ; i++ {
		runtime.GC()
		pmu.Lock()
		due := cellMem.due
		credit = cellMem.credit[before:]
		pmu.Unlock()
		if due == 0 && len(credit) > 0 {
			break
		}
		if i == 200 {
			t.Fatalf("after 200 collections: %d credit objects due, %d paid", due, len(credit))
		}
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	runtime.GC()
	paid, charged := creditRecords()
	if charged {
		t.Errorf("a heap profile charges a credit object to the test's stack")
	}
	if !paid {
		t.Errorf("the heap profile has no credit object allocated by payCredit")
	}
	for i, b := range credit {
		if len(b) != cellCredit || !inHeap(unsafe.Pointer(&b[0])) {
			t.Errorf("credit %d: %d bytes, in heap %v; want %d in the heap", i, len(b), inHeap(unsafe.Pointer(&b[0])), cellCredit)
		}
	}
}

// creditRecords reports whether the heap profile has a credit object's
// allocation by payCredit, and whether one is charged to a stack through
// TestCreditNotChargedToCaller.
func creditRecords() (paid, charged bool) {
	n, _ := runtime.MemProfile(nil, true)
	recs := make([]runtime.MemProfileRecord, n+50)
	n, _ = runtime.MemProfile(recs, true)
	for _, r := range recs[:n] {
		if r.AllocObjects == 0 || r.AllocBytes != r.AllocObjects*cellCredit {
			continue // not credit objects
		}
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			switch {
			case strings.HasSuffix(f.Function, "rt.payCredit"):
				paid = true
			case strings.Contains(f.Function, "TestCreditNotChargedToCaller"):
				charged = true
			}
			if !more {
				break
			}
		}
	}
	return paid, charged
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
