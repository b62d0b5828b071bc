package rt

import "sync"

// stackDepot interns call stacks (sequences of pcs, outermost first) so
// that shadow memory can refer to a stack by a 32-bit id. Id 0 is the empty
// stack. A stack is stored as a trie node: its innermost pc and the id of
// the stack without it, so a stack one frame deeper than a known one costs
// one node, and a recursion N frames deep costs N nodes, not N²/2 pcs. Nodes
// are only added, never removed: a program has a bounded number of distinct
// call paths.
type stackDepot struct {
	mu    sync.Mutex
	index map[stackNode]uint32
	nodes []stackNode // nodes[id-1] is the node of stack id
}

type stackNode struct {
	parent uint32
	pc     uintptr
}

var stacks stackDepot

// extend returns the id of the stack id followed by pcs, and appends the id
// of each intermediate stack to ids (one per pc) if ids is not nil.
func (d *stackDepot) extend(id uint32, pcs []uintptr, ids *[]uint32) uint32 {
	if len(pcs) == 0 {
		return id
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.index == nil {
		d.index = make(map[stackNode]uint32)
	}
	for _, pc := range pcs {
		n := stackNode{id, pc}
		next, ok := d.index[n]
		if !ok {
			d.nodes = append(d.nodes, n)
			next = uint32(len(d.nodes))
			d.index[n] = next
		}
		id = next
		if ids != nil {
			*ids = append(*ids, id)
		}
	}
	return id
}

// intern returns the id of pcs.
func (d *stackDepot) intern(pcs []uintptr) uint32 { return d.extend(0, pcs, nil) }

// internWith returns the id of the stack id followed by top (if top != 0).
func (d *stackDepot) internWith(id uint32, top uintptr) uint32 {
	if top == 0 {
		return id
	}
	return d.extend(id, []uintptr{top}, nil)
}

// get returns the stack with id, outermost frame first.
func (d *stackDepot) get(id uint32) []uintptr {
	d.mu.Lock()
	defer d.mu.Unlock()
	var pcs []uintptr
	for id != 0 && int(id) <= len(d.nodes) {
		n := d.nodes[id-1]
		pcs = append(pcs, n.pc)
		id = n.parent
	}
	for i, j := 0, len(pcs)-1; i < j; i, j = i+1, j-1 {
		pcs[i], pcs[j] = pcs[j], pcs[i]
	}
	return pcs
}
