package rt

import (
	"sync/atomic"
	"unsafe"
	"weak"
)

// A syncKey names a synchronisation object: its address and which of its
// edges (a channel's send side and receive side are different objects).
type syncKey struct {
	addr uintptr
	sub  uint8
}

const (
	subMain   = iota
	subReader // RWMutex readers
	subClose  // a channel's close
)

// A syncVar is the clock released on one sync object: the join of base and
// the epochs in eps. base is either shared (a goroutine's frozen clock,
// never modified: owned is false) or the object's own (owned). Releasing a
// goroutine whose clock did not change since it last released anywhere
// costs one pointer and one epoch, so a program with many sync objects
// (one per request, per map entry, ...) pays a few dozen bytes for each,
// not a vector as long as the number of clock slots.
type syncVar struct {
	base  vclock
	owned bool
	eps   [syncEps]epoch // 0 = unused; at most one per slot
	// ver counts the releases on the object (changed under the shard
	// lock, read without it by acquire's fast path); dropping the object
	// (sweepSyncVars) moves it too.
	ver atomic.Uint64
	// obj points weakly to the heap object the sync object is in, or is
	// zero (a global, memory outside the Go heap): when the object dies,
	// sweepSyncVars drops the record.
	obj weak.Pointer[byte]
	// dirty lists the reader lanes released through since the last
	// acquire folded them into base (RWMutex readers: rlane.go).
	dirty atomic.Pointer[readerLane]
	// dropped is set when sweepSyncVars drops the record.
	dropped atomic.Bool
	// breaks counts the releases that replaced the clock by one that
	// perhaps does not hold it (the releaser had not acquired it): between
	// two acquires that see the same count, the clock only grew (see
	// acquireCovered). Under the shard lock.
	breaks uint32
}

// acqEntry is one entry of a goroutine's cache of the sync objects it
// acquired: v's clock at version ver is in the goroutine's clock. A
// dropped v's ver moves, so an entry never answers for a dropped object
// (its v stays valid memory: the entry keeps it alive).
type acqEntry struct {
	k   syncKey
	v   *syncVar
	ver uint64
}

const syncEps = 3

// hotReleases is how many releases make an object keep a clock of its own
// for non-merging releases (see release).
const hotReleases = 16

// syncShard is one of the shards of the sync-object table. The shard lock
// covers both the map and the clocks in it: sync operations are rarer than
// memory accesses and each holds it only for one clock copy or join.
type syncShard struct {
	mu spinMutex
	m  map[syncKey]*syncVar
	_  [40]byte // keep shards on separate cache lines
}

var syncShards [256]syncShard

// spinMutex is the shards' lock: a spin lock (lockWord), because the
// sections it guards are a map lookup and a clock copy or join, and a
// sync.Mutex that several goroutines hand back and forth (the readers of
// one RWMutex) parks them in the kernel.
type spinMutex struct{ v atomic.Uint32 }

func (m *spinMutex) Lock()   { lockWord(&m.v) }
func (m *spinMutex) Unlock() { unlockWord(&m.v) }

func shardOf(k syncKey) *syncShard {
	h := uint64(k.addr>>3)*0x9E3779B97F4A7C15 + uint64(k.sub)
	return &syncShards[h>>56]
}

func sameClock(a, b vclock) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// frozenClock returns an immutable clock equal to g.vc except perhaps in
// g's own entry, copying g.vc only if it changed since the last call.
func (g *gstate) frozenClock() vclock {
	if !g.frozenOK {
		g.frozen = append(vclock(nil), g.vc...)
		g.frozenOK = true
	}
	return g.frozen
}

// hash is k's for the per-goroutine caches (its top bits): the edges of
// one object (an RWMutex's Unlock and its readers) are apart.
func (k syncKey) hash() uint64 {
	return (uint64(k.addr>>3) + uint64(k.sub)<<58) * 0x9E3779B97F4A7C15
}

func (g *gstate) acqEntry(k syncKey) *acqEntry {
	return &g.acq[k.hash()>>(64-acqBits)]
}

// acquire joins the clock released on k into g: everything released there
// happens before g's next step.
func acquire(g *gstate, k syncKey) {
	// Nothing was released on k since g last acquired it (the readers of
	// an RWMutex that no writer holds, a Once done): g's clock, which only
	// grows, holds it already, and the shard lock, which every goroutine
	// using the object takes, is not needed.
	e := g.acqEntry(k)
	if e.v != nil && e.k == k && e.v.ver.Load() == e.ver && e.v.dirty.Load() == nil {
		return
	}
	sh := shardOf(k)
	sh.mu.Lock()
	if v := sh.m[k]; v != nil {
		if v.dirty.Load() != nil {
			v.foldLanes()
		}
		*e = acqEntry{k: k, v: v, ver: v.ver.Load()}
		switch {
		case g.frozenOK && sameClock(v.base, g.frozen):
		case k.sub == subMain && v.owned:
			g.acquireCovered(k, v)
		case g.vc.joinChanged(v.base):
			g.vcChanged()
		}
		for _, e := range v.eps {
			if e != 0 && g.vc.get(e.slot()) < e.clock() {
				g.vc.set(e.slot(), e.clock())
				g.vcChanged()
			}
		}
	}
	sh.mu.Unlock()
	g.setEp(mkEpoch(g.slot, g.vc[g.slot]))
}

// release publishes g's clock on k. With merge the clock already there is
// kept (joined); without it is replaced, which is right when every earlier
// releaser is already ordered before g (a mutex).
func release(g *gstate, k syncKey, merge bool) { releaseVar(g, k, merge) }

// releaseVar is release; it returns k's record.
func releaseVar(g *gstate, k syncKey, merge bool) *syncVar {
	sh := shardOf(k)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[syncKey]*syncVar)
	}
	v := sh.m[k]
	if v == nil {
		v = &syncVar{obj: weakObject(k.addr)}
		sh.m[k] = v
		merge = false
	}
	if !merge {
		if ae := g.acqEntry(k); ae.k != k || ae.v != v || ae.ver != v.ver.Load() {
			v.breaks++ // g's clock may lack some of v's
		}
	}
	switch {
	case !merge && !g.frozenOK && (v.owned || v.ver.Load() >= hotReleases):
		// g's clock changed since its last frozen copy, so a copy is due
		// anyway, and the object is released on often (a mutex handed
		// back and forth by goroutines that acquire in between, which
		// would allocate a clock at every Unlock): make the copy into the
		// object's own clock, reused from then on. Other objects share a
		// frozen copy (below), as the other objects g releases next can:
		// a program that keeps many mutexes, each locked a few times,
		// keeps no clock per mutex.
		if !v.owned {
			v.base, v.owned = nil, true
		}
		v.base.assign(g.vc)
		v.eps = [syncEps]epoch{}
	case !merge:
		v.base, v.owned = g.frozenClock(), false
		v.eps = [syncEps]epoch{g.ep}
	case !v.owned && (len(v.base) == 0 || g.frozenOK && sameClock(v.base, g.frozen)):
		// Everything but g's own epoch is in base already.
		if len(v.base) == 0 {
			v.base = g.frozenClock()
		}
		if !v.addEpoch(g.ep) {
			v.own()
			v.base.join(g.vc)
		}
	default:
		v.own()
		v.base.join(g.vc)
	}
	v.ver.Add(1)
	sh.mu.Unlock()
	g.tick()
	return v
}

// addEpoch adds e to v.eps, reporting false if there is no room.
func (v *syncVar) addEpoch(e epoch) bool {
	for i, x := range v.eps {
		if x == 0 || x.slot() == e.slot() {
			if x.clock() < e.clock() {
				v.eps[i] = e
			}
			return true
		}
	}
	return false
}

// own makes v's base its own copy holding all of v's clock, so that it can
// be joined into in place.
func (v *syncVar) own() {
	if !v.owned {
		v.base = append(vclock(nil), v.base...)
		v.owned = true
	}
	for i, e := range v.eps {
		if e != 0 && v.base.get(e.slot()) < e.clock() {
			v.base.set(e.slot(), e.clock())
		}
		v.eps[i] = 0
	}
}

// weakObject returns a weak pointer to the heap object holding addr, or
// the zero pointer if addr is not in one. Called holding a pinned shard
// lock: findObject and weak.Make neither block nor yield.
func weakObject(addr uintptr) weak.Pointer[byte] {
	base, _, _ := findObject(addr, 0, 0)
	if base == 0 {
		return weak.Pointer[byte]{}
	}
	return weak.Make(*(**byte)(unsafe.Pointer(&base)))
}

// sweepSyncVars drops the records of sync objects whose heap object died,
// so that a program that makes and drops mutexes, channels and wait
// groups keeps no record per dead one (-race frees a sync object's state
// when its memory is allocated again). It runs after each collection, on
// the finalizer goroutine (armGCWatch). A dropped record's ver moves, so
// that no goroutine's acquire cache still answers for it; an object the
// allocator put at a dead one's address before the sweep starts with the
// dead one's record, as before the sweep existed (it can only hide races).
func sweepSyncVars() {
	type cand struct {
		k syncKey
		v *syncVar
	}
	var dead []cand
	for i := range syncShards {
		sh := &syncShards[i]
		// weak.Pointer.Value can wait for the collector: ask it with no
		// pinned lock held, then drop what is still the same record.
		var objs []cand
		sh.mu.Lock()
		for k, v := range sh.m {
			if v.obj != (weak.Pointer[byte]{}) {
				objs = append(objs, cand{k, v})
			}
		}
		sh.mu.Unlock()
		dead = dead[:0]
		for _, c := range objs {
			if c.v.obj.Value() == nil {
				dead = append(dead, c)
			}
		}
		if len(dead) == 0 {
			continue
		}
		sh.mu.Lock()
		for _, c := range dead {
			if sh.m[c.k] == c.v {
				delete(sh.m, c.k)
				c.v.dropped.Store(true)
				c.v.ver.Add(1)
			}
		}
		sh.mu.Unlock()
	}
}
