package rt

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
	"unsafe"
)

// Tests of the garbage-collection rule (heapobj.go).

// waitGC runs a collection: curGen moves.
func waitGC() {
	g0 := curGen()
	runtime.GC()
	if curGen() == g0 {
		panic("curGen did not move across runtime.GC")
	}
}

// TestCurGenExact: curGen moves at every collection, by the time
// runtime.GC returns, and not without one.
func TestCurGenExact(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range 3 {
		g0 := curGen()
		for range 1000 {
			escape = new([4]uint64)
		}
		if g := curGen(); g != g0 {
			t.Fatalf("curGen moved from %d to %d with the collector off", g0, g)
		}
		runtime.GC()
		if g := curGen(); g == g0 {
			t.Fatalf("curGen still %d right after runtime.GC", g)
		}
	}
}

// TestGCForgets: memory the collector freed and the allocator reused does
// not keep the history of the object that was there.
func TestGCForgets(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	reused := false
	wantRaces(t, 0, func() {
		a := droppedWord()
		for round := 0; round < 100 && !reused; round++ {
			waitGC()
			objs := make([]*[4]uint64, 4096)
			for i := range objs {
				objs[i] = newHeap()
				if addr(objs[i]) == a {
					reused = true
					run(func() { Write(a) })
					break
				}
			}
			runtime.KeepAlive(objs)
		}
	})
	if !reused {
		t.Skip("the allocator did not reuse the freed object's memory")
	}
}

// escape makes a new object escape to the heap.
var escape any

func newHeap() *[4]uint64 {
	p := new([4]uint64)
	escape = p
	return p
}

// droppedWord returns the address of a heap word another goroutine wrote,
// and which nothing keeps alive.
//
//go:noinline
func droppedWord() uintptr {
	a := addr(newHeap())
	run(func() { Write(a) })
	return a
}

// TestGCLiveObjectRace: a live object's history survives collections.
func TestGCLiveObjectRace(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	v := heapWord() // kept alive
	wantRaces(t, 1, func() {
		spawn(func() { Write(v) })()
		waitGC()
		Write(v)
	})
}

// TestGCLargeObjectRace: so does the history of every page of an object
// larger than a shadow page, read by another goroutine in each.
func TestGCLargeObjectRace(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	big := make([]uint64, 4*wordsPerPage)
	escape = big
	a := uintptr(unsafe.Pointer(&big[0]))
	wantRaces(t, 4, func() {
		run(func() {
			for i := range 4 {
				Write(a + uintptr(i*wordsPerPage+1)*8)
			}
		})
		waitGC()
		for i := range 4 {
			Write(a + uintptr(i*wordsPerPage+1)*8)
		}
	})
	escape = nil
	runtime.KeepAlive(big)
}

// TestGCNeighbourDies: the words of a dead object are forgotten, those of
// the live object next to it are not.
func TestGCNeighbourDies(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	live, dead := neighbours(t)
	wantRaces(t, 1, func() {
		run(func() {
			Write(addr(live))
			Write(dead)
		})
		waitGC()
		Write(addr(live))
	})
	if w, _, _ := state(dead); w != 0 {
		t.Errorf("the dead object's word kept its history")
	}
	runtime.KeepAlive(live)
}

// TestGCForgetsUnnotedRead: the history of a word whose only access was a
// first read (which notes no object) is forgotten at the next collection,
// even when a live noted object lies just below it in the page, which the
// word would otherwise be taken for a part of.
func TestGCForgetsUnnotedRead(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	live, dead := neighbours(t)
	forgetUnmarked(dead, 32) // no history: the read below is a first read
	wantRaces(t, 1, func() {
		run(func() {
			Write(addr(live))
			Read(dead)
		})
		if _, r, _ := state(dead); r == 0 {
			t.Fatal("the first read left no history")
		}
		waitGC()
		Write(addr(live)) // checks the page
	})
	if _, r, _ := state(dead); r != 0 {
		t.Errorf("the unnoted word kept its read")
	}
	runtime.KeepAlive(live)
}

// TestGCForgetsWithoutWordLock: the page check after a collection empties
// a compact cell without taking its word lock (forgetDead): held by
// someone else, the lock does not stop the check, and the word still
// loses its history.
func TestGCForgetsWithoutWordLock(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	live, dead := neighbours(t)
	forgetUnmarked(dead, 32)
	wantRaces(t, 0, func() {
		run(func() {
			Write(addr(live))
			Read(dead)
		})
		if c := cellValue(dead); c == 0 || c&cellFull != 0 {
			t.Fatalf("the first read left cell %#x, want a compact one", c)
		}
		l := lockOf(dead)
		if lockOf(addr(live)) == l {
			t.Skip("both words have one lock")
		}
		waitGC()
		l.Store(1) // a holder (not pinned: this goroutine waits below)
		defer l.Store(0)
		done := make(chan struct{})
		go func() {
			defer close(done)
			Write(addr(live)) // checks the page
		}()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("the page check waited for the word lock of a compact cell")
		}
	})
	if c := cellValue(dead); c != 0 {
		t.Errorf("the unnoted word kept its history %#x", c)
	}
	runtime.KeepAlive(live)
}

// cellValue returns the cell of addr's word, 0 if it has no shadow.
func cellValue(a uintptr) uint64 {
	p := lookupPage(a >> pageShift)
	if p == nil {
		return 0
	}
	return p.cells[(a>>3)&(wordsPerPage-1)].Load()
}

// TestGCKeepsNotedRead: a read that is not a word's first notes its
// object, and the word's history then survives collections while the
// object lives.
func TestGCKeepsNotedRead(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	v := heapWord() // kept alive
	forgetUnmarked(v, 8)
	l := heapWord()
	wantRaces(t, 1, func() {
		run(func() {
			Read(v)    // first read: unnoted
			Release(l) // a new epoch
			Read(v)    // slow path: notes the object
		})
		waitGC()
		Write(v)
	})
}

// TestGCKeepsAllocatedRead: the first read of an object instrumented code
// allocated (Alloc) notes it, so a write after a collection races with
// that lone read (TestRaceChanItselfNil in Go's race corpus). Without the
// allocation mark the read is unnoted and forgotten.
func TestGCKeepsAllocatedRead(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	v := heapWord() // kept alive
	Alloc(v, 32)
	wantRaces(t, 1, func() {
		run(func() { Read(v + 24) })
		waitGC()
		Write(v + 24)
	})
	// Memory uninstrumented code allocated: the lone read is forgotten.
	u := heapWord()
	forgetUnmarked(u, 32)
	wantRaces(t, 0, func() {
		run(func() { Read(u) })
		waitGC()
		Write(u)
	})
}

// TestGCForgetsAllocatedMark: a collection that finds the object of a
// marked word dead drops the mark with the history, so the next object
// there, if uninstrumented code allocated it, takes no weak handle.
func TestGCForgetsAllocatedMark(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	live, dead := neighbours(t)
	Alloc(dead, 32)
	run(func() {
		Write(addr(live))
		Read(dead)
	})
	p := lookupPage(dead >> pageShift)
	if !p.isAllocated(dead) {
		t.Fatal("Alloc left the word unmarked")
	}
	waitGC()
	Write(addr(live)) // checks the page
	if p.isAllocated(dead) {
		t.Errorf("the dead object's word kept its allocation mark")
	}
	runtime.KeepAlive(live)
}

// TestMarkAllocated: Alloc marks exactly the words of the object, across
// page and bitmap-word boundaries.
func TestMarkAllocated(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	buf := new([3 * wordsPerPage]uint64)
	keepBuf = buf // on the heap: Alloc ignores the goroutine's stack
	defer func() { keepBuf = nil }()
	base := (addr(&buf[0]) + 1<<pageShift - 1) &^ (1<<pageShift - 1) // a page boundary
	for _, c := range []struct{ off, n uintptr }{
		{0, 8}, {8, 8}, {504, 16}, {512, 8}, {0, 1 << pageShift}, {4000, 200},
		{1<<pageShift - 8, 16}, {100, 3}, {1<<pageShift + 64*8 - 8, 8 + 64*8},
	} {
		for k := base >> pageShift; k <= (base+2<<pageShift)>>pageShift; k++ {
			if p := lookupPage(k); p != nil {
				clear(p.allocated[:])
			}
		}
		Alloc(base+c.off, c.n)
		for a := base; a < base+2<<pageShift; a += 8 {
			want := a+8 > base+c.off && a < base+c.off+c.n
			p := lookupPage(a >> pageShift)
			if got := p != nil && p.isAllocated(a); got != want {
				t.Errorf("Alloc(base+%d, %d): word at base+%d marked = %v, want %v", c.off, c.n, a-base, got, want)
			}
		}
	}
}

var keepBuf *[3 * wordsPerPage]uint64

// forgetUnmarked forgets the history of [a, a+n) as Alloc does, but leaves
// the words unmarked: memory uninstrumented code allocated.
func forgetUnmarked(a, n uintptr) {
	Alloc(a, n)
	for w := a &^ 7; w < a+n; w += 8 {
		if p := lookupPage(w >> pageShift); p != nil {
			i := (w >> 3) & (wordsPerPage - 1)
			p.allocated[i>>6].And(^(uint64(1) << (i & 63)))
		}
	}
}

// neighbours returns two heap objects of one size class next to each other
// in one shadow page, the first kept alive by the caller, the second
// dropped.
func neighbours(t *testing.T) (*[4]uint64, uintptr) {
	for range 1000 {
		// Two objects of one size class, one after the other.
		p, q := newHeap(), newHeap()
		if addr(q) == addr(p)+32 && addr(p)>>pageShift == addr(q)>>pageShift {
			escape = nil
			return p, addr(q)
		}
	}
	t.Skip("no two objects next to each other")
	return nil, 0
}

var globalWords [4]uint64

// TestGCKeepsGlobals: memory outside the heap is never freed by the
// collector, and keeps its history.
func TestGCKeepsGlobals(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	a := addr(&globalWords)
	wantRaces(t, 1, func() {
		run(func() { Write(a) })
		waitGC()
		Write(a)
	})
}

// TestObjCacheWays checks that a goroutine going round objects whose
// bases share an object-cache set notes each of them once, not at every
// access (when they evicted each other, each note took the page's mutex).
func TestObjCacheWays(t *testing.T) {
	gcForgets = true
	defer func() { gcForgets = false }()
	set := func(base uintptr) uint64 { return uint64(base) * 0x9E3779B97F4A7C15 >> (64 - objCacheBits) }
	var objs []uintptr
	for len(objs) < 4 { // a handful of objects a goroutine works with
		a := heapWord()
		if len(objs) == 0 || set(a) == set(objs[0]) {
			objs = append(objs, a)
		}
	}
	l := heapWord()
	run(func() {
		round := func() {
			for _, a := range objs {
				Release(l) // a new epoch: the write takes the slow path
				Write(a)
			}
		}
		round()
		gen := curGen()
		before := notesLocked.Load()
		round()
		round()
		if n := notesLocked.Load() - before; n != 0 && curGen() == gen {
			t.Errorf("%d objects of one cache set: %d notes under the page mutex in two more rounds, want 0", len(objs), n)
		}
	})
}

// TestCurGenNoAlloc: the first curGen after a collection allocates nothing
// (a program that counts its mallocs around allocation-free code must see
// none; test/closure.go does). Other goroutines allocate too (the finalizer
// that re-arms after each collection), so a try counts if nothing else
// allocated: the test fails only if no try of several saw 0 mallocs.
func TestCurGenNoAlloc(t *testing.T) {
	var before, after runtime.MemStats
	var n uint64
	for range 10 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // let the finalizers run
		runtime.ReadMemStats(&before)
		curGen()
		runtime.ReadMemStats(&after)
		if n = after.Mallocs - before.Mallocs; n == 0 {
			return
		}
	}
	t.Fatalf("curGen after a collection: %d mallocs, want 0", n)
}
