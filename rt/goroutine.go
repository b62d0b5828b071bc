package rt

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/goid"
)

// gstate is what rt knows about one goroutine. Everything but id, gp and the
// creation fields is touched only by the goroutine itself, so the hooks
// read and write it without locks.
type gstate struct {
	id     int64          // runtime goroutine id; immutable
	gp     unsafe.Pointer // runtime.g, for liveness and stack bounds; nil on the slow goid path
	slot   uint32         // clock slot, owned until the goroutine is retired
	ep     epoch          // current epoch: mkEpoch(slot, vc[slot])
	vc     vclock         // this goroutine's vector clock
	parent int64          // id of the creating goroutine, 0 if unknown
	create uint32         // depot id of the creation stack (go statement first), 0 if unknown

	frames   []uintptr // shadow call stack: call-site pcs from FuncEnter, outermost first
	stkID    uint32    // depot id of frames, valid if stkValid
	stkValid bool
	page     *shadowPage // last shadow page used, a one-entry cache
}

// tick advances g's own clock: called after every release, so that later
// accesses are not covered by what was just published.
func (g *gstate) tick() {
	c := g.vc[g.slot] + 1
	g.vc[g.slot] = c
	g.ep = mkEpoch(g.slot, c)
	slotClock(g.slot).Store(c)
}

// stack returns the depot id of g's shadow call stack.
func (g *gstate) stack() uint32 {
	if !g.stkValid {
		g.stkID = stacks.intern(g.frames)
		g.stkValid = true
	}
	return g.stkID
}

// The goroutine table maps goroutine ids to gstates. Lookups are lock-free
// (open addressing over atomic pointers); inserts, removals and growth take
// gmu and publish a new table when it fills. A goroutine only ever looks up
// its own id, which it inserted itself, so a lookup cannot miss an entry
// that a concurrent grow is copying.
type gtable struct {
	mask  uint64
	used  int // live entries and tombstones; under gmu
	cells []atomic.Pointer[gstate]
}

var (
	gtab atomic.Pointer[gtable]

	gmu         sync.Mutex
	live        int      // goroutines in the table
	nslots      uint32   // slots ever handed out
	freeSlots   []uint32 // retired slots, oldest first (see slotQuarantine)
	sinceSweep  int      // registrations since the last liveness sweep
	finished    [1024]retiredG
	finishedPos int
)

// tomb marks a removed cell; its id matches no goroutine.
var tomb = &gstate{id: -1}

// retiredG remembers a finished goroutine for "Goroutine N (finished)".
type retiredG struct {
	id     int64
	create uint32
}

func hashID(id int64) uint64 {
	h := uint64(id) * 0x9E3779B97F4A7C15
	return h ^ h>>29
}

// cur returns the calling goroutine's state, registering it if this is the
// first hook it calls.
func cur() *gstate {
	id := goid.Get()
	if t := gtab.Load(); t != nil {
		for i := hashID(id) & t.mask; ; i = (i + 1) & t.mask {
			p := t.cells[i].Load()
			if p == nil {
				break
			}
			if p.id == id {
				return p
			}
		}
	}
	return register(id, nil)
}

// lookup finds the calling goroutine without registering it.
func lookup(id int64) *gstate {
	if t := gtab.Load(); t != nil {
		for i := hashID(id) & t.mask; ; i = (i + 1) & t.mask {
			p := t.cells[i].Load()
			if p == nil {
				return nil
			}
			if p.id == id {
				return p
			}
		}
	}
	return nil
}

// register creates the state of the calling goroutine id. With a token from
// Go, the goroutine starts with its creator's clock (the go statement
// happens before the goroutine's first step). Without one the goroutine was
// started by code rt did not see; it starts with every slot's latest clock,
// so everything any goroutine did before this moment counts as happening
// before it (see "Goroutines rt did not see start" in doc.go).
func register(id int64, st *goStart) *gstate {
	gmu.Lock()
	defer gmu.Unlock()
	if g := lookup(id); g != nil {
		if st != nil { // hooks ran before Started: add the creation edge now
			g.vc.join(st.vc)
			g.parent, g.create = st.parent, st.stack
		}
		return g
	}
	if goid.Fast() && sinceSweep >= 256 && sinceSweep >= live {
		sweepLocked()
	}
	sinceSweep++
	g := &gstate{id: id, gp: goid.G(), slot: allocSlotLocked()}
	if st != nil {
		g.vc.assign(st.vc)
		g.parent, g.create = st.parent, st.stack
	} else {
		g.vc.grow(int(nslots))
		for s := range nslots {
			g.vc[s] = slotClock(s).Load()
		}
	}
	c := slotClock(g.slot).Load() + 1
	g.vc.set(g.slot, c)
	g.ep = mkEpoch(g.slot, c)
	slotClock(g.slot).Store(c)
	insertLocked(g)
	live++
	return g
}

// slotQuarantine is how many retired slots wait before the oldest is
// reused. A goroutine in a reused slot continues its predecessor's clock, so
// it (and whoever synchronises with it later) looks ordered after all the
// predecessor did: a race between the two would be missed. Reusing only
// slots retired long ago keeps that to goroutines far apart in time, as
// TSan's thread quarantine does.
const slotQuarantine = 64

func allocSlotLocked() uint32 {
	if len(freeSlots) > slotQuarantine {
		s := freeSlots[0]
		freeSlots = append(freeSlots[:0], freeSlots[1:]...)
		return s
	}
	s := nslots
	if s >= maxSlots {
		fatal("raceinst: more than 16M goroutines alive at once")
	}
	if slotClocks[s>>slotChunkBits].Load() == nil {
		slotClocks[s>>slotChunkBits].Store(new([1 << slotChunkBits]atomic.Uint64))
	}
	nslots++
	return s
}

func insertLocked(g *gstate) {
	t := gtab.Load()
	if t == nil || (t.used+1)*2 > len(t.cells) {
		t = rebuildLocked(t)
	}
	for i := hashID(g.id) & t.mask; ; i = (i + 1) & t.mask {
		if t.cells[i].Load() == nil {
			t.cells[i].Store(g)
			t.used++
			return
		}
	}
}

// rebuildLocked publishes a fresh table holding the live entries of t.
func rebuildLocked(t *gtable) *gtable {
	n := 64
	for n < 4*(live+1) {
		n *= 2
	}
	nt := &gtable{mask: uint64(n - 1), cells: make([]atomic.Pointer[gstate], n)}
	if t != nil {
		for i := range t.cells {
			p := t.cells[i].Load()
			if p == nil || p == tomb {
				continue
			}
			for j := hashID(p.id) & nt.mask; ; j = (j + 1) & nt.mask {
				if nt.cells[j].Load() == nil {
					nt.cells[j].Store(p)
					nt.used++
					break
				}
			}
		}
	}
	gtab.Store(nt)
	return nt
}

// retire removes g from the table and frees its slot. The slot's clock in
// slotClocks stays, so the next owner continues from it.
func retireLocked(g *gstate) {
	t := gtab.Load()
	for i := hashID(g.id) & t.mask; ; i = (i + 1) & t.mask {
		p := t.cells[i].Load()
		if p == nil {
			return
		}
		if p == g {
			t.cells[i].Store(tomb)
			break
		}
	}
	live--
	freeSlots = append(freeSlots, g.slot)
	finished[finishedPos] = retiredG{g.id, g.create}
	finishedPos = (finishedPos + 1) % len(finished)
}

// sweepLocked retires goroutines that exited without calling Finished
// (started by code rt did not instrument), so their slots come back.
func sweepLocked() {
	sinceSweep = 0
	t := gtab.Load()
	if t == nil {
		return
	}
	for i := range t.cells {
		p := t.cells[i].Load()
		if p != nil && p != tomb && p.gp != nil && !goid.Alive(p.gp, p.id) {
			retireLocked(p)
		}
	}
}

// goStart carries a creation edge from Go to Started.
type goStart struct {
	vc     vclock
	parent int64
	stack  uint32
}

var goStarts = sync.Pool{New: func() any { return new(goStart) }}

// describeG returns the state ("running"/"finished") and creation stack of
// goroutine id, for reports.
func describeG(id int64) (state string, create uint32, known bool) {
	gmu.Lock()
	defer gmu.Unlock()
	if g := lookup(id); g != nil {
		return "running", g.create, true
	}
	for _, r := range finished {
		if r.id == id && id != 0 {
			return "finished", r.create, true
		}
	}
	return "finished", 0, false
}

// liveOthers reports how many other goroutines rt believes alive.
func liveOthers() int {
	gmu.Lock()
	defer gmu.Unlock()
	if goid.Fast() {
		sweepLocked()
	}
	n := live
	if lookup(goid.Get()) != nil {
		n--
	}
	return n
}

var goidFastFn = goid.Fast
