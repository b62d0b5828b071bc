package rt

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// Tests of the garbage-collection rule (heapobj.go).

// waitGC collects until gcGen moves, as it does some time after a
// collection.
func waitGC() {
	for g0 := gcGen.Load(); gcGen.Load() == g0; {
		runtime.GC()
		time.Sleep(time.Millisecond)
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
		for g0 := gcGen.Load(); gcGen.Load() == g0; {
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
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
	var live *[4]uint64
	var dead uintptr
	for i := 0; live == nil; i++ {
		if i == 1000 {
			t.Skip("no two objects next to each other")
		}
		// Two objects of one size class, one after the other.
		p, q := newHeap(), newHeap()
		if addr(q) == addr(p)+32 && addr(p)>>pageShift == addr(q)>>pageShift {
			live, dead = p, addr(q)
		}
	}
	escape = nil
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
		gen := gcGen.Load()
		before := notesLocked.Load()
		round()
		round()
		if n := notesLocked.Load() - before; n != 0 && gcGen.Load() == gen {
			t.Errorf("%d objects of one cache set: %d notes under the page mutex in two more rounds, want 0", len(objs), n)
		}
	})
}
