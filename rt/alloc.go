package rt

import "github.com/raceinst/raceinst/rt/internal/goid"

// allocRange is Alloc: it forgets the history of [addr, addr+n), the
// memory of an object just allocated, so that accesses to whatever lived
// there before (freed by the collector, reused by the allocator) cannot
// race with accesses to the new object, as ThreadSanitizer's shadow reset
// in racemalloc gives.
//
// Its cost grows with the shadow that is there to forget, not with n
// alone: an address on the goroutine's own stack has no shadow worth
// keeping (the slow paths ignore it), a page without shadow is skipped
// whole and not created, and an empty cell is skipped without its lock.
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
	for a := addr &^ 7; a < end; {
		key := a >> pageShift
		next := (key + 1) << pageShift
		cells := g.pcells
		if g.pkey != key || cells == nil {
			cells = nil
			if p := lookupPage(key); p != nil {
				g.page, g.pcells, g.pkey = p, p.cells, key
				cells = p.cells
			}
		}
		if cells != nil {
			forgetWords(cells, a, min(end, next))
		}
		if next == 0 {
			return // the last page of the address space
		}
		a = next
	}
}
