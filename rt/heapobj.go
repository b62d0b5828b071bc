package rt

import (
	"slices"
	"sync/atomic"
	"unsafe"
	"weak"
)

// The garbage-collection rule. rt has no allocator hook: when the
// collector frees an object and the allocator puts another at its address,
// the words keep the old object's history, and the new object's first
// accesses would race with it. So a slow path notes, in the word's shadow
// page, the heap object it accessed (its base address and a weak pointer
// to it), and the first slow path in a page after a collection starts
// (curGen) forgets the words whose object died: those covered by no noted
// object (the object whose base is the greatest at or below the word), or
// by one whose weak pointer says it was reclaimed. A live object's history
// survives any number of collections. Memory outside the Go heap
// (globals, and memory rt cannot tell from them: mmap'd or C memory) is
// never freed by the collector, and keeps its history.
//
// The first read of a word with no history in memory that uninstrumented
// code allocated is the exception: it notes nothing, and marks the word
// unnoted in its page instead; the page's next check after a collection
// forgets unnoted words whatever lies below them. Most words of such
// memory are read once (a parsed tree that instrumented code walks), and a
// weak handle for each of their objects (a runtime special record, made
// under two runtime locks, and its share of every following collection)
// cost such a run a sixth of its time. What it gives up: a write after a
// collection that races with such a word's lone first read before it. A
// later slow path on the word (another read in a new epoch, a write) notes
// its object and clears the mark. Alloc marks the words of the objects
// instrumented code allocates (the page's allocated bits, created for
// objects up to allocMarkMax bytes), and their first reads note the
// object: a variable read once by one goroutine and written later by
// another, with collections in between (Go's race corpus has several,
// and finds them with a test before them leaving goroutines that collect
// all the time), is found. Memory that instrumented code got from make or
// from a function it did not instrument is not marked.
//
// The rule needs no grace period: curGen moves at the start of every
// cycle, before the cycle can free anything, and an object a goroutine is
// accessing is alive (its hook holds the address while the caller holds
// the pointer), so a slow path that finds its page checked for the current
// cycle is looking at the history of the objects there now.
//
// A noted object stays noted while it lives, so a weak pointer is made once
// per object (the runtime keeps one handle per object: a special record
// and 16 bytes), and a per-goroutine cache of the objects a goroutine noted
// since the last collection keeps findObject the only cost of a slow path
// on an object it noted.

// pageObj is a heap object that words of a shadow page were last accessed
// as.
type pageObj struct {
	base uintptr
	wp   weak.Pointer[byte]
}

// findObject is the runtime's: the base of the heap object holding p, and
// the object's span; base is 0 if p is not in a heap object, and the span
// is nil too if p is not in the heap's arenas (a global, mmap'd or C
// memory; a goroutine stack has a span). It is on the runtime's list of
// functions kept for linkname (go.dev/issue/67401) and is plain Go on every
// port. p must be memory the program can access (a pointer into a freed
// span makes it throw, as the collector would on finding one).
//
//go:linkname findObject runtime.findObject
func findObject(p, refBase, refOff uintptr) (base uintptr, s unsafe.Pointer, objIndex uintptr)

// gcSlot is a pointer the runtime sets to nil at the start of every
// collection cycle: in the stop-the-world that begins it, before its
// marking, so before the allocator can reuse anything the cycle frees. The
// runtime does that for the pointers registered with
// crypto/internal/boring/bcache.registerCache (BoringCrypto's caches,
// which must not keep objects alive); a collection that finds gcSlot nil
// is a new cycle, and the first slow path to see it installs a token
// naming it (curGen).
var gcSlot unsafe.Pointer // *gcToken

// gcToken names a collection cycle. The tokens are static, taken in turn:
// allocating one after each collection counted as a malloc of the
// program's (test/closure.go counts them around code that allocates
// nothing).
type gcToken struct{ gen atomic.Uint32 }

var gcTokens [64]gcToken

// lastGen is the last cycle number handed out.
var lastGen atomic.Uint32

// registerGCSlot is the runtime's, kept for linkname: it is pushed to
// crypto/internal/boring/bcache from runtime/mgc.go on every port, and the
// linker allows a reference to a pushed symbol.
//
//go:linkname registerGCSlot crypto/internal/boring/bcache.registerCache
func registerGCSlot(p unsafe.Pointer)

func init() { registerGCSlot(unsafe.Pointer(&gcSlot)) }

// curGen returns the collection cycle now: a number that differs from the
// one any earlier call returned if a collection started in between. So
// history recorded while curGen was gen is the history of a live object
// (or one a goroutine still holds) as long as curGen says gen.
//
// Each installed token gets a number no caller had before, and a token is
// installed only in an empty slot: a caller that finds the slot emptied by
// a collection returns a number installed after that, by itself or
// another caller. A token's number is returned only if the token is still
// in the slot after the number was read, so a token reused for a later
// cycle while a caller read it gives that caller the later number (a
// spurious new cycle costs a page check, never a missed one).
func curGen() uint32 {
	for {
		if p := atomic.LoadPointer(&gcSlot); p != nil {
			g := (*gcToken)(p).gen.Load()
			if atomic.LoadPointer(&gcSlot) == p {
				return g
			}
			continue
		}
		g := lastGen.Add(1)
		t := &gcTokens[g%uint32(len(gcTokens))]
		t.gen.Store(g)
		if atomic.CompareAndSwapPointer(&gcSlot, nil, unsafe.Pointer(t)) {
			return g
		}
	}
}

// objCacheBits and objCacheWays set the number of objects a goroutine
// remembers having noted: objCacheWays in each of 1<<objCacheBits sets,
// most recently noted first. A goroutine works with a handful of objects
// at a time (its own data, a shared table, a map, captured variables);
// direct-mapped, two of them often shared an entry and took turns noting
// themselves, each time under the page's mutex, whose cache line then
// moved between the cores of the goroutines sharing the page.
const (
	objCacheBits = 4
	objCacheSize = 1 << objCacheBits
	objCacheWays = 4
)

type objCacheSet [objCacheWays]objCacheEntry

// entry returns the set's entry of base in collection cycle gen, and
// whether it was there: if not, the entry is a new one in front of the
// set, the least recently noted object dropped.
func (set *objCacheSet) entry(base uintptr, gen uint32) (*objCacheEntry, bool) {
	for i := range set {
		if e := &set[i]; e.base == base && e.gen == gen {
			return e, true
		}
	}
	copy(set[1:], set[:objCacheWays-1])
	set[0] = objCacheEntry{base: base, gen: gen}
	return &set[0], false
}

// objCacheEntry says that g noted object base (weak pointer wp) in page
// in collection cycle gen (curGen).
type objCacheEntry struct {
	base uintptr
	page *shadowPage
	wp   weak.Pointer[byte]
	gen  uint32
}

// checkPage applies the garbage-collection rule before a slow path of g
// updates the word at addr in page p: if a collection started since p was
// last checked, it forgets the history of p's dead objects and of its
// unnoted words. It returns the collection cycle (curGen) p is checked
// for.
func checkPage(p *shadowPage, addr uintptr) uint32 {
	gen := curGen()
	if p.gen.Load() != gen {
		refreshPage(p, addr)
	}
	return gen
}

// noteAt notes the heap object addr is in, which g is accessing, in page
// p checked for cycle gen: the word's history is then that object's, kept
// while it lives.
func (g *gstate) noteAt(p *shadowPage, addr uintptr, gen uint32) {
	pageBase := addr &^ (1<<pageShift - 1)
	if base, _, _ := findObject(addr, 0, 0); base != 0 {
		g.noteObject(p, pageBase, base, gen)
	}
	p.setNoted(addr)
}

// refreshPage checks page p (holding addr) against the collector if a
// collection started since its last check: it forgets the words of dead
// objects and the unnoted ones, unless the page is not in the Go heap.
func refreshPage(p *shadowPage, addr uintptr) {
	base, span, _ := findObject(addr, 0, 0)
	outside := base == 0 && span == nil
	p.mu.Lock()
	if gen := curGen(); p.gen.Load() != gen {
		if !outside {
			forgetDead(p, addr&^(1<<pageShift-1))
		}
		p.gen.Store(gen)
	}
	p.mu.Unlock()
}

// unnotedBit returns the word of p.unnoted holding word i's mark, and the
// mark's bit.
func (p *shadowPage) unnotedBit(i uintptr) (*atomic.Uint64, uint64) {
	return &p.unnoted[i>>6], uint64(1) << (i & 63)
}

// setUnnoted marks the word of addr as unnoted: a first read, which noted
// no object, gave it its history.
func (p *shadowPage) setUnnoted(addr uintptr) {
	w, b := p.unnotedBit((addr >> 3) & (wordsPerPage - 1))
	if w.Load()&b == 0 {
		w.Or(b)
	}
}

// setNoted says that the history of addr's word is that of an object
// noted since p was last checked.
func (p *shadowPage) setNoted(addr uintptr) {
	w, b := p.unnotedBit((addr >> 3) & (wordsPerPage - 1))
	if w.Load()&b != 0 {
		w.And(^b)
	}
}

// isAllocated reports whether the word of addr is marked as memory
// instrumented code allocated.
func (p *shadowPage) isAllocated(addr uintptr) bool {
	i := (addr >> 3) & (wordsPerPage - 1)
	return p.allocated[i>>6].Load()&(uint64(1)<<(i&63)) != 0
}

// markAllocated marks the words of [from, to), all in page p, as memory
// instrumented code allocated: their first reads note their object.
func (p *shadowPage) markAllocated(from, to uintptr) {
	if to <= from {
		return
	}
	i, j := (from>>3)&(wordsPerPage-1), ((to-1)>>3)&(wordsPerPage-1)
	for k := i >> 6; k <= j>>6; k++ {
		m := ^uint64(0)
		if k == i>>6 {
			m &^= uint64(1)<<(i&63) - 1
		}
		if k == j>>6 && j&63 != 63 {
			m &= uint64(1)<<(j&63+1) - 1
		}
		if w := &p.allocated[k]; w.Load()&m != m {
			w.Or(m)
		}
	}
}

// forgetDead forgets the words of p that are unnoted or whose object is not
// noted or died, and drops the dead objects. Called with p.mu held.
//
// A compact cell (no record) is emptied by a compare-and-swap, without its
// word lock: a page of a dead tree took a lock per word, each a cache miss
// in the lock table, 1% of a one-package goimports run. A locked path
// that loaded the cell before the swap may store over it: the word then
// keeps its history. That is the history of the object the locked path's
// goroutine is accessing, which lives (it holds it): the memory of a dead
// object cannot be reused before this check ends (a new object's first
// slow path in the page waits for it on p.mu), and a word the check forgets
// only because it is unnoted holds nothing older than the page's last
// check. So a lost reset can only keep a live object's history; a record
// (cellFull), which a locked path may be using, is freed under the lock.
func forgetDead(p *shadowPage, pageBase uintptr) {
	objs := p.objs
	// Ask about every object before taking any word lock: Value can wait
	// for the collector.
	var buf [64]bool
	alive := buf[:]
	if len(objs) > len(buf) {
		alive = make([]bool, len(objs))
	}
	alive = alive[:len(objs)]
	for i := range objs {
		alive[i] = objs[i].wp.Value() != nil
	}
	j := -1 // the noted object whose base is the greatest at or below the word
	for i := range p.cells {
		a := pageBase + uintptr(i)*8
		for j+1 < len(objs) && objs[j+1].base <= a {
			j++
		}
		w, b := p.unnotedBit(uintptr(i))
		if p.cells[i].Load() == 0 || w.Load()&b == 0 && j >= 0 && alive[j] {
			continue
		}
		// The marks go before the history: a first read that finds the
		// cell empty after the reset marks the word after this. The
		// object the word was allocated in is gone: so is its hint.
		w.And(^b)
		if aw := &p.allocated[i>>6]; aw.Load()&b != 0 {
			aw.And(^b)
		}
		if c := p.cells[i].Load(); c&cellFull == 0 && p.cells[i].CompareAndSwap(c, 0) {
			continue
		}
		l := lockOf(a)
		lockWord(l)
		resetCell(&p.cells[i])
		unlockWord(l)
	}
	n := 0
	for i := range objs {
		if alive[i] {
			objs[n] = objs[i]
			n++
		}
	}
	clear(objs[n:])
	p.objs = objs[:n]
}

// noteObject makes sure that p's objects include the live object at base,
// which g is accessing. gen is the cycle p was checked for (checkPage).
func (g *gstate) noteObject(p *shadowPage, pageBase, base uintptr, gen uint32) {
	c := g.objCache
	if c == nil {
		c = new([objCacheSize]objCacheSet)
		g.objCache = c
	}
	h := uint64(base) * 0x9E3779B97F4A7C15
	e, hit := c[h>>(64-objCacheBits)].entry(base, gen)
	if hit && e.page == p {
		return
	}
	if countSlow {
		notesLocked.Add(1)
	}
	p.mu.Lock()
	i, found := searchObjs(p.objs, base)
	if found {
		// This object, unless the entry is a dead one's that had the same
		// address (the page's check for this cycle would have dropped it:
		// kept as a second line of defence).
		if o := p.objs[i].wp; o == e.wp && o != (weak.Pointer[byte]{}) || o.Value() != nil {
			e.wp, e.page = o, p
			p.mu.Unlock()
			return
		}
	}
	if e.wp == (weak.Pointer[byte]{}) {
		// The object is live: g is accessing it.
		e.wp = weak.Make(*(**byte)(unsafe.Pointer(&base)))
	}
	if found {
		p.objs[i].wp = e.wp
	} else {
		p.objs = slices.Insert(p.objs, i, pageObj{base: base, wp: e.wp})
	}
	if found || i > 0 && p.objs[i-1].wp.Value() == nil {
		// A dead object's words from base on are this object's memory
		// now, and the next check would take their history for this
		// object's: forget it now.
		end := pageBase + 1<<pageShift
		if i+1 < len(p.objs) {
			end = p.objs[i+1].base
		}
		forgetWords(p.cells, max(base, pageBase), end)
	}
	e.page = p
	p.mu.Unlock()
}

// searchObjs returns where base is or would be in objs.
func searchObjs(objs []pageObj, base uintptr) (int, bool) {
	i, j := 0, len(objs)
	for i < j {
		h := int(uint(i+j) >> 1)
		if objs[h].base < base {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(objs) && objs[i].base == base
}
