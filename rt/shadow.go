package rt

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/raceinst/raceinst/rt/internal/goid"
)

// Shadow memory: one shadowWord per 8-byte word of application memory,
// grouped in pages of 4 KiB of application memory. Pages are found through a
// lock-free open-addressing directory keyed by addr>>pageShift; the directory
// is replaced (under pmu) only when a new page makes it too full, and every
// goroutine caches the last page it used.
const (
	pageShift    = 12
	wordsPerPage = 1 << (pageShift - 3)
)

// sharedReads in shadowWord.r means "read by several goroutines
// concurrently; see rvc".
const sharedReads = ^uint64(0)

// accessInfo is what a report says about a previous access.
type accessInfo struct {
	goid int64
	pc   uintptr // pc of the access
	stk  uint32  // depot id of the shadow call stack around it
}

// shadowWord is the FastTrack state of one word. w and r are read without
// the lock on the fast path; every other field, and every store, is made
// holding mu.
type shadowWord struct {
	w   atomic.Uint64 // last write epoch
	r   atomic.Uint64 // last read epoch, or sharedReads
	mu  atomic.Uint32 // spin lock for the slow path
	gen uint32        // gcGen at the last slow-path update

	wMask, rMask uint8 // bytes of the word the last write / exclusive read touched
	wInfo, rInfo accessInfo
	rvc          atomic.Pointer[readVec] // when r == sharedReads
}

// readVec is the read vector clock of a word read concurrently. clk is read
// without the lock by the read-shared-same-epoch fast path.
type readVec struct {
	clk  []atomic.Uint64
	mask []uint8
	info []accessInfo
}

type shadowPage struct {
	key   uintptr
	words [wordsPerPage]shadowWord
}

type pageDir struct {
	mask  uintptr
	used  int
	cells []atomic.Pointer[shadowPage]
}

var (
	pdir atomic.Pointer[pageDir]
	pmu  sync.Mutex

	// gcGen counts garbage collections (see armGCWatch). A shadow word last
	// updated before a collection may describe an object the collector has
	// since freed and the allocator reused; its history is dropped.
	gcGen atomic.Uint32

	// Test knobs, set before any goroutine uses rt.
	gcForgets = true  // apply the gcGen rule
	countSlow = false // count slow paths in slowPaths
	slowPaths atomic.Int64
)

func hashPage(k uintptr) uintptr {
	h := uint64(k) * 0x9E3779B97F4A7C15
	return uintptr(h ^ h>>31)
}

// word returns the shadow word of addr, creating its page if needed.
func (g *gstate) word(addr uintptr) *shadowWord {
	key := addr >> pageShift
	if p := g.page; p != nil && p.key == key {
		return &p.words[(addr>>3)&(wordsPerPage-1)]
	}
	p := findPage(key)
	g.page = p
	return &p.words[(addr>>3)&(wordsPerPage-1)]
}

func findPage(key uintptr) *shadowPage {
	if d := pdir.Load(); d != nil {
		for i := hashPage(key) & d.mask; ; i = (i + 1) & d.mask {
			p := d.cells[i].Load()
			if p == nil {
				break
			}
			if p.key == key {
				return p
			}
		}
	}
	return newPage(key)
}

func newPage(key uintptr) *shadowPage {
	pmu.Lock()
	defer pmu.Unlock()
	d := pdir.Load()
	if d != nil {
		for i := hashPage(key) & d.mask; ; i = (i + 1) & d.mask {
			p := d.cells[i].Load()
			if p == nil {
				break
			}
			if p.key == key {
				return p
			}
		}
	}
	if d == nil || (d.used+1)*2 > len(d.cells) {
		n := 1024
		if d != nil {
			n = len(d.cells) * 2
		}
		nd := &pageDir{mask: uintptr(n - 1), cells: make([]atomic.Pointer[shadowPage], n)}
		if d != nil {
			for i := range d.cells {
				if p := d.cells[i].Load(); p != nil {
					putPage(nd, p)
				}
			}
		}
		pdir.Store(nd)
		d = nd
	}
	p := &shadowPage{key: key}
	for i := range p.words {
		p.words[i].gen = gcGen.Load()
	}
	putPage(d, p)
	return p
}

func putPage(d *pageDir, p *shadowPage) {
	for i := hashPage(p.key) & d.mask; ; i = (i + 1) & d.mask {
		if d.cells[i].Load() == nil {
			d.cells[i].Store(p)
			d.used++
			return
		}
	}
}

func (w *shadowWord) lock() {
	for i := 0; !w.mu.CompareAndSwap(0, 1); i++ {
		if i > 30 {
			runtime.Gosched()
		}
	}
}

func (w *shadowWord) unlock() { w.mu.Store(0) }

// refresh drops history older than the last garbage collection (see gcGen)
// and forgets it. Called with w locked.
func (w *shadowWord) refresh() {
	if gen := gcGen.Load(); w.gen != gen && gcForgets {
		w.gen = gen
		w.reset()
	}
}

func (w *shadowWord) reset() {
	w.w.Store(0)
	w.r.Store(0)
	w.wMask, w.rMask = 0, 0
	w.rvc.Store(nil)
}

// race describes a conflict found by a slow path, reported after the word is
// unlocked.
type race struct {
	addr      uintptr
	write     bool // current access
	prevWrite bool
	prev      accessInfo
}

// readSlow is the part of a read that the same-epoch checks did not settle:
// FastTrack's read rules, with a report if a write is concurrent.
func readSlow(g *gstate, w *shadowWord, addr uintptr, mask uint8, pc uintptr) {
	if goid.OnStack(g.gp, addr) {
		return // a goroutine's own stack is never shared
	}
	if countSlow {
		slowPaths.Add(1)
	}
	info := accessInfo{goid: g.id, pc: pc, stk: g.stack()}
	var rc race
	found := false
	w.lock()
	w.refresh()
	if we := epoch(w.w.Load()); we != 0 && w.wMask&mask != 0 && !g.vc.covers(we) {
		rc, found = race{addr: addr, prevWrite: true, prev: w.wInfo}, true
	}
	switch r := w.r.Load(); {
	case r == sharedReads: // read shared
		w.setShared(g.slot, g.vc[g.slot], mask, info)
	case r == 0 || g.vc.covers(epoch(r)): // read exclusive
		w.r.Store(uint64(g.ep))
		w.rMask, w.rInfo = mask, info
	default: // read share: two concurrent readers, epoch becomes a vector
		prev := epoch(r)
		w.rvc.Store(nil)
		w.setShared(prev.slot(), prev.clock(), w.rMask, w.rInfo)
		w.setShared(g.slot, g.vc[g.slot], mask, info)
		w.r.Store(sharedReads)
	}
	w.unlock()
	if found {
		reportRace(g, rc, info)
	}
}

// setShared records a read by slot s in the word's read vector.
func (w *shadowWord) setShared(s uint32, clk uint64, mask uint8, info accessInfo) {
	rv := w.rvc.Load()
	if rv == nil || int(s) >= len(rv.clk) {
		n := int(s) + 1
		if rv != nil && len(rv.clk) > n {
			n = len(rv.clk)
		}
		nv := &readVec{clk: make([]atomic.Uint64, n, n), mask: make([]uint8, n), info: make([]accessInfo, n)}
		if rv != nil {
			for i := range rv.clk {
				nv.clk[i].Store(rv.clk[i].Load())
			}
			copy(nv.mask, rv.mask)
			copy(nv.info, rv.info)
		}
		rv = nv
		w.rvc.Store(rv)
	}
	if rv.clk[s].Load() == clk {
		rv.mask[s] |= mask
	} else {
		rv.mask[s] = mask
	}
	rv.clk[s].Store(clk)
	rv.info[s] = info
}

// writeSlow applies FastTrack's write rules: a write must follow the last
// write and every read since.
func writeSlow(g *gstate, w *shadowWord, addr uintptr, mask uint8, pc uintptr) {
	if goid.OnStack(g.gp, addr) {
		return
	}
	if countSlow {
		slowPaths.Add(1)
	}
	info := accessInfo{goid: g.id, pc: pc, stk: g.stack()}
	var rc race
	found := false
	w.lock()
	w.refresh()
	if we := epoch(w.w.Load()); we != 0 && w.wMask&mask != 0 && !g.vc.covers(we) {
		rc, found = race{addr: addr, write: true, prevWrite: true, prev: w.wInfo}, true
	}
	switch r := w.r.Load(); {
	case r == sharedReads: // write shared: check every reader, then forget them
		if rv := w.rvc.Load(); rv != nil {
			for s := range rv.clk {
				c := rv.clk[s].Load()
				if !found && c != 0 && rv.mask[s]&mask != 0 && c > g.vc.get(uint32(s)) {
					rc, found = race{addr: addr, write: true, prev: rv.info[s]}, true
				}
			}
		}
		w.rvc.Store(nil)
		w.r.Store(0)
		w.rMask = 0
	case r != 0 && !found && w.rMask&mask != 0 && !g.vc.covers(epoch(r)): // write exclusive, racing read
		rc, found = race{addr: addr, write: true, prev: w.rInfo}, true
	}
	w.w.Store(uint64(g.ep))
	w.wMask, w.wInfo = mask, info
	w.unlock()
	if found {
		reportRace(g, rc, info)
	}
}

// resetRange forgets the history of [addr, addr+n): the memory was just
// allocated, so earlier accesses belong to an object that no longer exists.
func resetRange(g *gstate, addr, n uintptr) {
	for a := addr &^ 7; a < addr+n; a += 8 {
		w := g.word(a)
		w.lock()
		w.reset()
		w.gen = gcGen.Load()
		w.unlock()
	}
}

// armGCWatch arranges for gcGen to advance after every garbage collection:
// a finalizer on an unreachable object runs once per cycle and re-arms.
func armGCWatch() {
	s := new(gcSentinel)
	runtime.SetFinalizer(s, func(*gcSentinel) {
		gcGen.Add(1)
		armGCWatch()
	})
}

// gcSentinel holds a pointer so that it is not a tiny allocation (tiny
// objects share a block and their finalizers may never run).
type gcSentinel struct{ _ *int }
