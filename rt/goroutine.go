package rt

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/goid"
)

// gstate is what rt knows about one goroutine. Everything but id, gp and the
// creation fields is touched only by the goroutine itself, so the hooks
// read and write it without locks. The fields the access fast paths read
// come first, on one cache line.
type gstate struct {
	// cw and cr are the compact shadow cells of a write and of a read at
	// ep, without the mask: a cell c is "written in this epoch" when
	// c&^(cellR|cellMask) == cw, "read in this epoch" when
	// c&^(cellW|cellMask) == cr.
	cw, cr uint64
	pkey   uintptr        // page number of pcells; ^0 when none
	pcells *shadowCells   // cells of the last shadow page used, a one-entry cache
	gp     unsafe.Pointer // runtime.g, for identity, liveness and stack bounds; nil on the slow goid path
	id     int64          // runtime goroutine id; immutable
	ep     epoch          // current epoch: mkEpoch(slot, vc[slot])
	slot   uint32         // clock slot, owned until the goroutine is retired

	// upcIn and upcOut are the last pc userPC translated and its answer,
	// when the answer depends on pc alone (not a helper that was not
	// inlined): a loop's slow paths come from one pc.
	upcIn, upcOut uintptr

	page   *shadowPage // directory entry of pcells
	vc     vclock      // this goroutine's vector clock
	parent int64       // id of the creating goroutine, 0 if unknown
	create uint32      // depot id of the creation stack (go statement first), 0 if unknown

	// frozen is an immutable copy of vc, shared by the sync objects g
	// released to (see syncvar.go); frozenOK says vc has not changed since,
	// except for g's own entry.
	frozen   vclock
	frozenOK bool
	// vcGen counts the changes of vc other than in g's own entry (see
	// vcChanged): a release through a reader lane (rlane.go) is valid
	// while it is what it was when the lane was set up.
	vcGen uint64
	// cov is the record of an RWMutex's Unlock whose clock g's clock was
	// (but for g's own entry) when v.breaks was covBreaks and g.vcGen was
	// covGen (see acquireCovered).
	cov       *syncVar
	covBreaks uint32
	covGen    uint64

	frames   []uintptr // shadow call stack: call-site pcs from FuncEnter, outermost first
	frameIDs []uint32  // depot ids of frames[:1], frames[:2], ...: a prefix of them, kept as frames change
	stkID    uint32    // depot id of frames, valid if stkValid
	stkValid bool
	stkSteps [16]stackStep // this goroutine's recent depot steps (see stack)
	// runtimeCB is set for the runtime's goroutines that run finalizers
	// and cleanups: each call of an instrumented function from them starts
	// with everyone's latest clock (funcEnter), as under -race
	// (racefingo).
	runtimeCB bool
	acq       [1 << acqBits]acqEntry // sync objects acquired (see acquire)
	rel       [1 << relBits]relEntry // RWMutexes read-released through a lane (rlane.go)

	objCache *[objCacheSize]objCacheSet // objects g noted (heapobj.go); nil until its first slow path
	// sharedUpdates counts g's lock-free updates of read vectors
	// (readShared), to sample them.
	sharedUpdates uint32
}

const acqBits = 3

// A stackStep caches one step of the stack depot's trie: the node of pc
// under parent is id. Nodes are never removed, so a cached step stays true.
type stackStep struct {
	parent, id uint32
	pc         uintptr
}

// setEp makes e (an epoch of g's slot) g's current epoch.
func (g *gstate) setEp(e epoch) {
	g.ep = e
	g.cw = cellW | uint64(e)<<epochShift
	g.cr = cellR | uint64(e)<<epochShift
}

// vcChanged records that g's clock changed in another goroutine's entry.
func (g *gstate) vcChanged() {
	g.frozenOK = false
	g.vcGen++
}

// tick advances g's own clock: called after every release, so that later
// accesses are not covered by what was just published.
func (g *gstate) tick() {
	c := g.vc[g.slot] + 1
	if c > clockMask {
		migrateSlot(g)
		return
	}
	g.vc[g.slot] = c
	g.setEp(mkEpoch(g.slot, c))
	slotClock(g.slot).Store(c)
}

// migrateSlot moves g to a fresh slot when its slot's clock is exhausted.
// The old slot is never reused; g keeps its clock in g.vc, so all it did
// there still happens before what it does next.
func migrateSlot(g *gstate) {
	gmu.Lock()
	s := allocSlotLocked()
	gmu.Unlock()
	c := slotClock(s).Load() + 1
	g.slot = s
	g.vc.set(s, c)
	g.vcChanged()
	g.setEp(mkEpoch(s, c))
	slotClock(s).Store(c)
}

// stack returns the depot id of g's shadow call stack.
func (g *gstate) stack() uint32 {
	if !g.stkValid {
		// Only the frames entered since the ids were last taken are new
		// (FuncExit drops the id of the frame it pops).
		n := len(g.frameIDs)
		id := uint32(0)
		if n > 0 {
			id = g.frameIDs[n-1]
		}
		for _, pc := range g.frames[n:] {
			// The depot's lock is shared by every goroutine; most steps
			// are ones this goroutine took before (a call made in a loop).
			st := &g.stkSteps[(uint64(pc)*0x9E3779B97F4A7C15+uint64(id))>>60]
			if st.id == 0 || st.pc != pc || st.parent != id {
				*st = stackStep{parent: id, pc: pc, id: stacks.extend(id, []uintptr{pc}, nil)}
			}
			id = st.id
			g.frameIDs = append(g.frameIDs, id)
		}
		g.stkID = id
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
	live        int                               // goroutines in the table
	nslots      uint32                            // slots ever handed out
	freeSlots   = slotQueue{buf: freeSlotsBuf[:]} // retired slots (see slotQuarantine)
	sinceSweep  int                               // registrations since the last liveness sweep
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

// gcache maps runtime.g pointers to gstates, direct-mapped, so that a hook
// finds its goroutine with a few loads. An entry is trusted only if its g
// and goroutine id match the caller's (a g is reused by later goroutines);
// the goroutine table stays the source of truth.
const gcacheBits = 12

var gcache [1 << gcacheBits]atomic.Pointer[gstate]

func gcacheSlot(gp unsafe.Pointer) *atomic.Pointer[gstate] {
	return &gcache[(uint64(uintptr(gp))*0x9E3779B97F4A7C15)>>(64-gcacheBits)]
}

// cached returns gp's state from gcache, or nil. gp is goid.G() of the
// caller.
func cached(gp unsafe.Pointer) *gstate {
	if gp == nil {
		return nil
	}
	// The id alone identifies the goroutine: ids are never reused, and a
	// gstate leaves gcache when it is retired.
	g := gcacheSlot(gp).Load()
	if g == nil || g.id != goid.IDOf(gp) {
		return nil
	}
	return g
}

// cur returns the calling goroutine's state, registering it if this is the
// first hook it calls.
func cur() *gstate {
	gp := goid.G()
	if g := cached(gp); g != nil {
		return g
	}
	return curSlow(gp)
}

//go:noinline
func curSlow(gp unsafe.Pointer) *gstate {
	id := goid.Get()
	g := lookup(id)
	if g == nil {
		g = register(id, nil)
	}
	if gp != nil {
		gcacheSlot(gp).Store(g)
	}
	return g
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
			g.vcChanged()
			g.parent, g.create = st.parent, st.stack
		}
		return g
	}
	if goid.Fast() && sinceSweep >= 256 && sinceSweep >= live {
		sweepLocked()
	}
	sinceSweep++
	g := &gstate{id: id, gp: goid.G(), slot: allocSlotLocked(), pkey: ^uintptr(0)}
	if st != nil {
		g.vc.assign(st.vc)
		g.parent, g.create = st.parent, st.stack
	} else {
		g.latestLocked()
		g.runtimeCB = runsCallbacks()
	}
	c := slotClock(g.slot).Load() + 1
	g.vc.set(g.slot, c)
	g.setEp(mkEpoch(g.slot, c))
	slotClock(g.slot).Store(c)
	insertLocked(g)
	live++
	return g
}

// latestLocked joins every slot's latest clock into g's: everything any
// goroutine did so far happens before g's next step. Called with gmu held.
func (g *gstate) latestLocked() {
	g.vc.grow(int(nslots))
	for s := range nslots {
		if c := slotClock(s).Load(); c > g.vc[s] {
			g.vc[s] = c
		}
	}
	g.vcChanged()
}

// callbackRunners are the runtime's goroutines that call functions of the
// program: finalizers and cleanups (Go 1.25 and 1.26 names).
var callbackRunners = map[string]bool{
	"runtime.runfinq":                  true,
	"runtime.runFinalizers":            true,
	"runtime.runCleanups":              true,
	"runtime.runFinalizersAndCleanups": true,
}

// runsCallbacks reports whether the calling goroutine is one of the
// runtime's callback runners: its outermost frame (below goexit) is one.
func runsCallbacks() bool {
	var pcs [64]uintptr
	n := runtime.Callers(0, pcs[:])
	if n == len(pcs) {
		return false // deeper than any callback runner's first call into rt
	}
	frames := runtime.CallersFrames(pcs[:n])
	outer := ""
	for {
		f, more := frames.Next()
		if f.Function != "runtime.goexit" {
			outer = f.Function
		}
		if !more {
			break
		}
	}
	return callbackRunners[outer]
}

// slotQuarantine is how many retired slots wait before the oldest is
// reused. A goroutine in a reused slot continues its predecessor's clock, so
// it (and whoever synchronises with it later) looks ordered after all the
// predecessor did: a race between the two would be missed. Reusing only
// slots retired long ago keeps that to goroutines far apart in time, as
// TSan's thread quarantine does.
const slotQuarantine = 64

// freeSlotsBuf is freeSlots' first buffer. It is static, so a goroutine's
// end (Finished) allocates nothing until more than its length of slots
// wait at once: programs count their mallocs around code whose goroutines
// may be finishing meanwhile ($GOROOT/test/closure.go does).
var freeSlotsBuf [4 * slotQuarantine]uint32

// A slotQueue is a FIFO of slots in a ring buffer that doubles when full.
type slotQueue struct {
	buf     []uint32
	head, n int
}

func (q *slotQueue) push(s uint32) {
	if q.n == len(q.buf) {
		nb := make([]uint32, max(2*len(q.buf), 16))
		k := copy(nb, q.buf[q.head:])
		copy(nb[k:], q.buf[:q.head])
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = s
	q.n++
}

func (q *slotQueue) pop() uint32 {
	s := q.buf[q.head]
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return s
}

func allocSlotLocked() uint32 {
	if freeSlots.n > slotQuarantine {
		return freeSlots.pop()
	}
	s := nslots
	if s >= maxSlots {
		fatal("raceinst: more than 1M goroutines alive at once")
	}
	if slotClocks[s>>slotChunkBits].Load() == nil {
		slotClocks[s>>slotChunkBits].Store(new(slotChunk))
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
	if g.gp != nil {
		gcacheSlot(g.gp).CompareAndSwap(g, nil)
	}
	if slotClock(g.slot).Load() < clockMask-1<<20 {
		freeSlots.push(g.slot) // else exhausted: never reused
	}
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

// slotOwner returns the id of the goroutine now in slot s, 0 if none: the
// best rt can say about an access whose details were overwritten.
//
// It takes no lock (getInfo calls it holding a pinned word lock): the table
// is read through its atomic cells, and an entry being added or removed
// meanwhile may be missed.
func slotOwner(s uint32) int64 {
	if t := gtab.Load(); t != nil {
		for i := range t.cells {
			if p := t.cells[i].Load(); p != nil && p != tomb && p.slot == s {
				return p.id
			}
		}
	}
	return 0
}

var goidFastFn = goid.Fast
