package rt

import "sync"

// stackDepot interns call stacks (slices of pcs) so that shadow memory can
// refer to a stack by a 32-bit id. Id 0 is the empty stack. Stacks are only
// added, never removed: a program has a bounded number of distinct stacks.
type stackDepot struct {
	mu     sync.Mutex
	byHash map[uint64][]uint32
	stacks [][]uintptr
}

var stacks = stackDepot{stacks: [][]uintptr{nil}}

func hashPCs(pcs []uintptr, extra uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h = (h ^ uint64(pc)) * 1099511628211
	}
	return (h ^ uint64(extra)) * 1099511628211
}

// intern returns the id of pcs.
func (d *stackDepot) intern(pcs []uintptr) uint32 {
	if len(pcs) == 0 {
		return 0
	}
	return d.internWith(pcs, 0)
}

// internWith returns the id of pcs followed by top (if top != 0).
func (d *stackDepot) internWith(pcs []uintptr, top uintptr) uint32 {
	h := hashPCs(pcs, top)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range d.byHash[h] {
		if equalStack(d.stacks[id], pcs, top) {
			return id
		}
	}
	s := make([]uintptr, len(pcs), len(pcs)+1)
	copy(s, pcs)
	if top != 0 {
		s = append(s, top)
	}
	id := uint32(len(d.stacks))
	d.stacks = append(d.stacks, s)
	if d.byHash == nil {
		d.byHash = make(map[uint64][]uint32)
	}
	d.byHash[h] = append(d.byHash[h], id)
	return id
}

func equalStack(s, pcs []uintptr, top uintptr) bool {
	n := len(pcs)
	if top != 0 {
		n++
	}
	if len(s) != n {
		return false
	}
	for i, pc := range pcs {
		if s[i] != pc {
			return false
		}
	}
	return top == 0 || s[n-1] == top
}

// get returns the stack with id, outermost frame first.
func (d *stackDepot) get(id uint32) []uintptr {
	d.mu.Lock()
	defer d.mu.Unlock()
	if int(id) < len(d.stacks) {
		return d.stacks[id]
	}
	return nil
}
