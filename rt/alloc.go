package rt

import "github.com/raceinst/raceinst/rt/internal/goid"

// allocMarkMax is the size of the largest object whose shadow pages Alloc
// creates to mark it (the largest of the allocator's size classes): a
// larger one is marked only where it has shadow already.
const allocMarkMax = 32 << 10

// allocRange is Alloc: it forgets the history of [addr, addr+n), the
// memory of an object just allocated, so that accesses to whatever lived
// there before (freed by the collector, reused by the allocator) cannot
// race with accesses to the new object, as ThreadSanitizer's shadow reset
// in racemalloc gives.
//
// It also marks the words as the memory of an object instrumented code
// allocated, so that their first reads note it (heapobj.go); for that it
// creates the shadow pages of objects up to allocMarkMax bytes.
//
// Its cost grows with the shadow that is there to forget, not with n
// alone: an address on the goroutine's own stack has no shadow worth
// keeping (the slow paths ignore it), a page without shadow has nothing
// to forget (and is created only to be marked), and an empty cell is
// skipped without its lock.
// Nothing else touches the cells of fresh memory except a slow path for a
// neighbouring object sharing the first or last word (tiny allocations)
// and the garbage-collection rule's page reset, both under the word lock,
// which is taken for every cell that has something to forget.
func allocRange(g *gstate, addr, n uintptr) {
	if n == 0 || goid.OnStack(g.gp, addr) {
		return
	}
	end := addr + n
	if end < addr {
		end = ^uintptr(0)
	}
	mark := gcForgets && n <= allocMarkMax
	for a := addr &^ 7; a < end; {
		key := a >> pageShift
		next := (key + 1) << pageShift
		p := g.page
		if g.pkey != key || g.pcells == nil {
			p = lookupPage(key)
			if p == nil && mark {
				p = newPage(key)
			}
			if p != nil {
				g.page, g.pcells, g.pkey = p, p.cells, key
			}
		}
		if p != nil {
			forgetWords(p.cells, a, min(end, next))
			if gcForgets {
				p.markAllocated(a, min(end, next))
			}
		}
		if next == 0 {
			return // the last page of the address space
		}
		a = next
	}
}
