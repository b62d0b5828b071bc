package rt

import "sync/atomic"

// An epoch is one component of a vector clock, packed in 53 bits (so that it
// fits a compact shadow cell): the clock slot in the high bits and that
// slot's clock in the low clockBits bits. Clocks start at 1, so the zero
// epoch means "no access". A goroutine whose slot's clock runs out moves to
// a fresh slot (migrateSlot).
type epoch uint64

const (
	clockBits = 33
	clockMask = 1<<clockBits - 1
	slotBits  = 20

	// maxSlots bounds the goroutines alive (known to rt) at one time. Slots
	// of finished goroutines are reused, so this is not a bound on how many
	// goroutines a program may start.
	maxSlots = 1 << slotBits
)

func mkEpoch(slot uint32, clk uint64) epoch { return epoch(uint64(slot)<<clockBits | clk) }
func (e epoch) slot() uint32                { return uint32(e >> clockBits) }
func (e epoch) clock() uint64               { return uint64(e) & clockMask }

// A vclock maps clock slots to clocks; missing entries are 0.
type vclock []uint64

func (v vclock) get(s uint32) uint64 {
	if int(s) < len(v) {
		return v[s]
	}
	return 0
}

// covers reports whether the access at e happens before the holder of v.
func (v vclock) covers(e epoch) bool { return e.clock() <= v.get(e.slot()) }

func (v *vclock) grow(n int) {
	if n <= len(*v) {
		return
	}
	if n <= cap(*v) {
		old := len(*v)
		*v = (*v)[:n]
		clear((*v)[old:])
		return
	}
	nv := make(vclock, n, n+n/2+4)
	copy(nv, *v)
	*v = nv
}

func (v *vclock) set(s uint32, c uint64) {
	v.grow(int(s) + 1)
	(*v)[s] = c
}

// join sets v to the element-wise maximum of v and o. Branch-free (max
// is a conditional move): clocks of 256 goroutines are joined at every
// contended lock operation, and which entries grow is unpredictable.
func (v *vclock) join(o vclock) {
	v.grow(len(o))
	w := (*v)[:len(o)]
	for i, c := range o {
		w[i] = max(w[i], c)
	}
}

// joinChanged is join that reports whether v changed.
func (v *vclock) joinChanged(o vclock) bool {
	v.grow(len(o))
	w := (*v)[:len(o)]
	var changed uint64
	for i, c := range o {
		x := w[i]
		m := max(x, c)
		changed |= m ^ x
		w[i] = m
	}
	return changed != 0
}

// assign makes v a copy of o, reusing v's storage.
func (v *vclock) assign(o vclock) {
	if cap(*v) < len(o) {
		*v = make(vclock, len(o), len(o)+4)
	}
	*v = (*v)[:len(o)]
	copy(*v, o)
}

// slotClocks holds, for every slot, the latest clock any goroutine in it has
// reached. It is read without locks (atomics) by the policy for goroutines
// rt did not see created, and it makes a reused slot continue from where its
// previous owner stopped, so an old epoch in shadow memory never looks newer
// than the slot's current owner. Each slot's cell has a cache line of its
// own: a goroutine stores its clock there at every release (tick), and
// with eight to a line the goroutines of a busy lock on different cores
// passed the line back and forth at every Unlock and RUnlock.
const slotChunkBits = 9

type slotCell struct {
	atomic.Uint64
	_ [56]byte
}

type slotChunk [1 << slotChunkBits]slotCell

var slotClocks [maxSlots >> slotChunkBits]atomic.Pointer[slotChunk]

// slotClock returns the cell of slot s; its chunk must exist (see allocSlot).
func slotClock(s uint32) *atomic.Uint64 {
	return &slotClocks[s>>slotChunkBits].Load()[s&(1<<slotChunkBits-1)].Uint64
}
