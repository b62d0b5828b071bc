package rt

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestSyncVarMatchesDenseClocks runs random releases, merging releases and
// acquires by a few goroutine states on a few sync objects, and checks
// every goroutine's clock against a plain vector-clock model.
func TestSyncVarMatchesDenseClocks(t *testing.T) {
	const ngs, nobjs, steps = 5, 3, 20000
	r := rand.New(rand.NewPCG(1, 2))
	gs := make([]*gstate, ngs)
	model := make([]vclock, ngs)
	for i := range gs {
		slot := uint32(4000 + i) // far above the slots the other tests use
		gmu.Lock()
		if slotClocks[slot>>slotChunkBits].Load() == nil {
			slotClocks[slot>>slotChunkBits].Store(new(slotChunk))
		}
		gmu.Unlock()
		gs[i] = &gstate{slot: slot, pkey: ^uintptr(0)}
		gs[i].vc.set(slot, 1)
		gs[i].setEp(mkEpoch(slot, 1))
		model[i] = append(vclock(nil), gs[i].vc...)
	}
	objs := make([]vclock, nobjs)
	base := heapWord()
	for step := range steps {
		i, o := r.IntN(ngs), r.IntN(nobjs)
		g, k := gs[i], syncKey{addr: base + uintptr(o)*8}
		switch r.IntN(3) {
		case 0:
			release(g, k, false)
			objs[o] = append(vclock(nil), model[i]...)
			model[i].set(g.slot, model[i][g.slot]+1)
		case 1:
			release(g, k, true)
			objs[o].join(model[i])
			model[i].set(g.slot, model[i][g.slot]+1)
		case 2:
			acquire(g, k)
			model[i].join(objs[o])
		}
		for s := range model[i] {
			if got, want := g.vc.get(uint32(s)), model[i][s]; got != want {
				t.Fatalf("step %d: goroutine %d slot %d clock %d, want %d", step, i, s, got, want)
			}
		}
		if g.ep != mkEpoch(g.slot, model[i][g.slot]) {
			t.Fatalf("step %d: epoch %x, want clock %d", step, g.ep, model[i][g.slot])
		}
	}
}

// TestSyncVarShares checks that releasing an unchanged clock on many
// objects shares one frozen copy instead of copying the vector each time.
func TestSyncVarShares(t *testing.T) {
	a := heapWord()
	for i := range 4 {
		ReleaseMerge(a + uintptr(i)*8)
		Acquire(a + uintptr(i)*8)
	}
	var first vclock
	for i := range 4 {
		k := syncKey{addr: a + uintptr(i)*8}
		sh := shardOf(k)
		sh.mu.Lock()
		v := sh.m[k]
		sh.mu.Unlock()
		if v.owned {
			t.Fatalf("object %d owns its clock, want the releaser's frozen clock", i)
		}
		if i == 0 {
			first = v.base
		} else if !sameClock(v.base, first) {
			t.Errorf("object %d has its own copy of the clock", i)
		}
	}
}

// TestSyncVarHotOwns checks that an object released often by goroutines
// whose clocks change in between (a mutex handed back and forth) gets a
// clock of its own, copied into at each release without allocating, and
// that a cold one keeps sharing the releaser's frozen clock.
func TestSyncVarHotOwns(t *testing.T) {
	hot, cold, other := heapWord(), heapWord(), heapWord()
	lookupVar := func(a uintptr) *syncVar {
		k := syncKey{addr: a}
		sh := shardOf(k)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		return sh.m[k]
	}
	g := cur()
	cycle := func(a uintptr) {
		Release(other) // another goroutine's release...
		Acquire(other) // ...acquired: g's clock changed
		g.vcChanged()
		Acquire(a)
		Release(a)
	}
	cycle(cold)
	if v := lookupVar(cold); v == nil || v.owned {
		t.Fatalf("cold object after one release: %+v, want a shared frozen clock", v)
	}
	for range hotReleases + 1 {
		cycle(hot)
	}
	if v := lookupVar(hot); v == nil || !v.owned {
		t.Fatalf("hot object after %d releases does not own its clock", hotReleases+1)
	}
	if n := testing.AllocsPerRun(100, func() { cycle(hot) }); n != 0 {
		t.Errorf("a release of the hot object allocates %v times, want 0", n)
	}
}

// TestSyncVarDropped checks that the record of a sync object in a heap
// object is dropped after the collection that frees the object, that a
// goroutine's acquire cache no longer answers for it, and that a global's
// record stays.
func TestSyncVarDropped(t *testing.T) {
	lookupVar := func(k syncKey) *syncVar {
		sh := shardOf(k)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		return sh.m[k]
	}
	heapMu = new(sync.Mutex) // escapes: a heap object
	k := syncKey{addr: addr(heapMu)}
	MutexLock(k.addr)
	MutexUnlock(k.addr)
	MutexLock(k.addr) // cached in the goroutine's acquire cache
	MutexUnlock(k.addr)
	v := lookupVar(k)
	if v == nil || v.obj.Value() == nil {
		t.Fatal("no record, or no weak pointer, for a heap mutex")
	}
	ver := v.ver.Load()
	gk := syncKey{addr: addr(&globalMu)}
	MutexLock(gk.addr)
	MutexUnlock(gk.addr)
	heapMu = nil
	// The sweep runs on the finalizer goroutine after a collection.
	for i := 0; lookupVar(k) != nil; i++ {
		if i > 200 {
			t.Fatal("the dead mutex's record was not dropped")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if v.ver.Load() == ver {
		t.Error("the dropped record's release count did not move: acquire caches would keep it")
	}
	if lookupVar(gk) == nil {
		t.Error("a global mutex's record was dropped")
	}
}

var (
	globalMu sync.Mutex
	heapMu   *sync.Mutex
)
