package rt

import (
	"runtime"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/platform"
)

// Memory of shadow cells. Every 4 KiB page of application memory that
// instrumented code touches gets 4 KiB of cells, so a program that walks
// a large tree once faults in as much shadow as heap. On Linux with
// transparent huge pages the cells are carved from mappings outside the
// Go heap that ask for huge pages: one fault per huge page (2 MiB on
// amd64) instead of one per 4 KiB, the cost that dominated a
// one-package-instrumented goimports run's system time (a fault is dear
// on a virtual machine). Elsewhere, and when THP is off (small pages
// outside the heap are no better than the heap's own, and fresh ones cost
// more than the heap's reused ones), cells are ordinary pointer-free heap
// objects.
//
// Cells in the heap count toward the collector's goal: an instrumented
// program collects about as often as its shadow and live heap together
// call for, less often than the plain program. Moving them out would make
// it collect more often (each collection makes every page's next slow
// path check its objects, and mutator assists grow); it measured slower.
// So cells outside the heap keep their weight in it: for every cellCredit
// bytes of cells, a pointer-free heap object of that size that is never
// touched (a fresh span is not even faulted in; the collector marks it
// without scanning it).
//
// The credit objects are allocated by a cleanup (runtime.AddCleanup) of a
// token dropped when they fall due, so on the runtime's cleanup goroutine
// after the next collection, not in the hook that made the cells: a heap
// profile charges an allocation to the stack that made it, and the user's
// line whose access needed new shadow was charged a megabyte it never
// allocated. Go's test/heapsampling.go failed one run in two: a credit
// charged to the line of its 1 KiB objects moved that line's average
// object size, and with it the profile's estimate of their number, by a
// third. The collector sees the credit one cycle later, which changes
// nothing of its pacing that matters.
const cellCredit = 1 << 20

// cellMem is the allocator of cells outside the heap, guarded by pmu.
var cellMem struct {
	checked bool
	huge    uintptr // huge page size; 0 to use the heap
	chunk   []byte  // the mapping cells are being carved from
	used    uintptr // bytes of chunk handed out
	owed    uintptr // bytes of cells handed out without credit yet
	due     int     // credit objects owed, which payCredit allocates
	pending bool    // a token's cleanup will run payCredit
	credit  [][]byte
}

// newCells returns zeroed cells for a new shadow page. Called holding pmu.
func newCells() *shadowCells {
	m := &cellMem
	if !m.checked {
		m.checked = true
		m.huge = platform.HugePageSize()
		// Larger huge pages (arm64 with 64 KiB pages has 512 MiB ones)
		// would make the last chunk's unused part dear.
		if m.huge > 16<<20 {
			m.huge = 0
		}
	}
	if m.huge == 0 {
		return new(shadowCells)
	}
	const size = unsafe.Sizeof(shadowCells{})
	if m.chunk == nil || m.used+size > uintptr(len(m.chunk)) {
		// Address space is reserved a chunk at a time; only the huge
		// pages touched become memory.
		n := uintptr(32 << 20)
		if unsafe.Sizeof(uintptr(0)) == 4 {
			n = 4 << 20
		}
		n = max(n, m.huge)
		b := platform.MapHuge(n, m.huge)
		if b == nil {
			m.huge = 0
			return new(shadowCells)
		}
		m.chunk, m.used = b, 0
	}
	c := (*shadowCells)(unsafe.Pointer(&m.chunk[m.used]))
	m.used += size
	m.owed += size
	if m.owed >= cellCredit {
		m.owed -= cellCredit
		oweCredit()
	}
	return c
}

// creditToken is dropped as soon as it is made: its cleanup pays the
// credit due. It holds a pointer, so it is not a tiny object (which may
// share a block with others and never be collected).
type creditToken struct{ _ *byte }

// oweCredit records a credit object due and makes sure a cleanup will pay
// it. Called holding pmu.
func oweCredit() {
	m := &cellMem
	m.due++
	if !m.pending {
		m.pending = true
		runtime.AddCleanup(new(creditToken), payCredit, 0)
	}
}

// payCredit allocates the credit objects due, on the runtime's cleanup
// goroutine: no stack of the program's is charged for them.
func payCredit(int) {
	pmu.Lock()
	n := cellMem.due
	cellMem.due, cellMem.pending = 0, false
	pmu.Unlock()
	for range n {
		b := make([]byte, cellCredit)
		pmu.Lock()
		cellMem.credit = append(cellMem.credit, b)
		pmu.Unlock()
	}
}
