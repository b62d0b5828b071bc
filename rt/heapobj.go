package rt

import (
	"slices"
	"unsafe"
	"weak"
)

// The garbage-collection rule. rt has no allocator hook: when the
// collector frees an object and the allocator puts another at its address,
// the words keep the old object's history, and the new object's first
// accesses would race with it. So every slow path notes, in the word's
// shadow page, the heap object it accessed (its base address and a weak
// pointer to it), and the first slow path in a page after a collection
// (counted by gcGen) forgets the words whose object died: those covered by
// no noted object (the object whose base is the greatest at or below the
// word), or by one whose weak pointer says it was reclaimed. A live object's
// history survives any number of collections. Memory outside the Go heap
// (globals, and memory rt cannot tell from them: mmap'd or C memory) is
// never freed by the collector, and keeps its history.
//
// A noted object stays noted while it lives, so a weak pointer is made once
// per object (the runtime keeps one handle per object: a special record
// and 16 bytes), and a per-goroutine cache of the objects a goroutine noted
// since the last collection keeps findObject the only cost of a slow path
// on an object it noted.
//
// The rule has a window: gcGen moves when a finalizer runs, a little after
// the collection (long after it, when busy goroutines keep the finalizer
// goroutine waiting for a P). An object the allocator puts in a dead one's
// memory before then is caught when it is noted: one at the dead one's
// very address finds the dead entry (its weak pointer is nil) and takes
// its place, one further in finds a dead object before it; either way the
// words from its base to the next noted object are forgotten then, before
// its access is checked. What remains is a goroutine whose cache says it
// noted the dead object at that address in the same collection cycle: its
// slow paths on the new object do not look, until gcGen moves.

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
// while gcGen was gen.
type objCacheEntry struct {
	base uintptr
	page *shadowPage
	wp   weak.Pointer[byte]
	gen  uint32
}

// checkObject applies the garbage-collection rule before a slow path of g
// updates the word at addr in page p: it forgets the history of p's dead
// objects if a collection happened since p was last checked, and notes
// the object addr is in.
func (g *gstate) checkObject(p *shadowPage, addr uintptr) {
	base, span, _ := findObject(addr, 0, 0)
	gen := gcGen.Load()
	if p.gen.Load() != gen {
		refreshPage(p, addr&^(1<<pageShift-1), base == 0 && span == nil)
	}
	if base != 0 {
		g.noteObject(p, addr&^(1<<pageShift-1), base, gen)
	}
}

// refreshPage checks page p (at pageBase) against the collector if a
// collection happened since its last check: it forgets the words of dead
// objects, unless outside says the page is not in the Go heap.
func refreshPage(p *shadowPage, pageBase uintptr, outside bool) {
	p.mu.Lock()
	if gen := gcGen.Load(); p.gen.Load() != gen {
		if !outside {
			forgetDead(p, pageBase)
		}
		p.gen.Store(gen)
	}
	p.mu.Unlock()
}

// forgetDead forgets the words of p whose object is not noted or died, and
// drops the dead objects. Called with p.mu held.
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
		if p.cells[i].Load() == 0 || j >= 0 && alive[j] {
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
// which g is accessing. gen is gcGen when p was checked.
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
		// address (the allocator reused it before gcGen moved).
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
