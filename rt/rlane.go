package rt

// Reader lanes: RUnlock without the shard lock.
//
// An RWMutex's RUnlock releases the reader's clock to the readers' record
// (subReader), merged with every earlier reader's, for the next Lock to
// acquire. Done as a join under the record's shard lock, the readers of a
// busy table pass that lock's cache line between cores at every RUnlock,
// and with many goroutines each join is as long as the clock.
//
// Most of that release is known already. A reader whose clock has not
// changed (outside its own entry) since it last released on the record
// adds nothing but its own epoch: its clock is in the record's base since
// that release. A reader whose clock is what it acquired from the
// RWMutex's last Unlock, plus its own entry, adds nothing but its own
// epoch either: the next Lock acquires that Unlock's clock too, and no
// Unlock can come between (the reader holds the lock). Such a reader
// stores its epoch in a lane of its own (a cache line) and, once per
// write, puts the lane on the record's dirty list; the next acquire of
// the record folds the dirty lanes' epochs into its base, under the shard
// lock. A reader whose clock changed otherwise (it received from a
// channel, locked another mutex) releases as before, and gets a lane.
//
// Lanes are only read and reset by an acquire of the readers' record,
// which only RWMutexLock makes, after Lock: no reader is between RLock
// and RUnlock then, so no lane changes under it.

import "sync/atomic"

// A readerLane carries the releases of one goroutine on one RWMutex's
// readers' record.
type readerLane struct {
	ep    atomic.Uint64 // the epoch last released through the lane
	dirty atomic.Bool   // on the record's dirty list
	next  *readerLane   // the dirty list
	_     [40]byte      // a cache line each: the readers are on different cores
}

// relEntry is one entry of a goroutine's cache of reader lanes: g may
// release on v (k's record) through lane while g.vcGen is gen and, if main
// is set, main's version is mainVer (g's clock is main's clock at that
// version, plus its own entry).
type relEntry struct {
	k       syncKey
	v       *syncVar
	lane    *readerLane
	gen     uint64
	main    *syncVar
	mainVer uint64
}

const relBits = 2

func (g *gstate) relEntry(k syncKey) *relEntry {
	return &g.rel[k.hash()>>(64-relBits)]
}

// releaseReader is RUnlock's release of g's clock on k (the RWMutex's
// readers' record), merged with the earlier releases there.
func releaseReader(g *gstate, k syncKey) {
	e := g.relEntry(k)
	if e.k == k && e.v != nil && e.gen == g.vcGen && !e.v.dropped.Load() &&
		(e.main == nil || e.main.ver.Load() == e.mainVer) {
		if countSlow {
			laneRels.Add(1)
		}
		l := e.lane
		l.ep.Store(uint64(g.ep))
		if !l.dirty.Load() {
			l.dirty.Store(true)
			for {
				h := e.v.dirty.Load()
				l.next = h
				if e.v.dirty.CompareAndSwap(h, l) {
					break
				}
			}
		}
		g.tick()
		return
	}
	v := releaseVar(g, k, true)
	if v.ver.Load() < hotReleases {
		return // few readers release here: a lane each would cost more
	}
	l := e.lane
	if e.k != k || e.v != v || l == nil {
		l = new(readerLane)
	}
	// g's clock up to its previous epoch is in v's base now.
	*e = relEntry{k: k, v: v, lane: l, gen: g.vcGen}
}

// coveredBy records that g's clock is, but for g's own entry, the clock
// it just acquired from v, the record of RWMutex k.addr's Unlock: if g
// has a lane on the RWMutex's readers' record, it may release through it
// while g's clock and v stay as they are.
func (g *gstate) coveredBy(k syncKey, v *syncVar) {
	rk := syncKey{k.addr, subReader}
	e := g.relEntry(rk)
	if e.k == rk && e.v != nil {
		e.gen, e.main, e.mainVer = g.vcGen, v, v.ver.Load()
	}
}

// acquireCovered is acquire's join of v, the owned clock of k (an Unlock's
// record), into g's clock, for a reader: it records whether g's clock is
// v's after the join, but for g's own entry, which lets g's next RUnlock
// release through its lane (coveredBy). If it was v's clock at an earlier
// acquire and neither changed since but by v's growing (no break), the
// join is a copy: v's clock holds g's but for g's own entry. The readers
// of an RWMutex written between most reads join it at every RLock, and a
// copy is an order of magnitude faster than a join as long as the number
// of goroutines. Called with v's shard lock held.
func (g *gstate) acquireCovered(k syncKey, v *syncVar) {
	if g.cov == v && g.covBreaks == v.breaks && g.covGen == g.vcGen {
		if countSlow {
			coveredCopies.Add(1)
		}
		own := g.vc.get(g.slot)
		g.vc.assign(v.base)
		g.vc.set(g.slot, max(own, v.base.get(g.slot)))
		g.vcChanged()
	} else {
		changed, covered := g.vc.joinCovered(v.base, int(g.slot))
		if changed {
			g.vcChanged()
		}
		if !covered {
			g.cov = nil
			return
		}
	}
	g.cov, g.covBreaks, g.covGen = v, v.breaks, g.vcGen
	g.coveredBy(k, v)
}

// foldLanes folds the epochs of v's dirty lanes into v's base. Called with
// v's shard lock held.
func (v *syncVar) foldLanes() {
	l := v.dirty.Swap(nil)
	if l == nil {
		return
	}
	v.own()
	for l != nil {
		e := epoch(l.ep.Load())
		if v.base.get(e.slot()) < e.clock() {
			v.base.set(e.slot(), e.clock())
		}
		next := l.next
		l.next = nil
		l.dirty.Store(false)
		l = next
	}
	v.ver.Add(1)
}

// joinCovered is join that reports whether v changed, and whether v was
// covered by o in every entry but own (so that v is o after the join, but
// perhaps for own). Branch-free but for own's entry: a reader joins the
// clock of the last Unlock at every RLock after a write, as long as the
// number of goroutines.
func (v *vclock) joinCovered(o vclock, own int) (changed, covered bool) {
	v.grow(len(o))
	w := *v
	n := min(own, len(o))
	ch, over := joinOver(w[:n], o[:n])
	if n < len(o) {
		x := w[n]
		m := max(x, o[n])
		ch |= m ^ x
		w[n] = m
		c2, o2 := joinOver(w[n+1:len(o)], o[n+1:])
		ch, over = ch|c2, over|o2
	}
	for i := len(o); i < len(w); i++ {
		if i != own {
			over |= w[i]
		}
	}
	return ch != 0, over == 0
}

// joinOver joins o into w (as long), returning a value that is not zero
// if w changed and one that is not zero if w had an entry above o's.
func joinOver(w, o []uint64) (changed, over uint64) {
	w = w[:len(o)]
	for i, c := range o {
		x := w[i]
		m := max(x, c)
		changed |= m ^ x
		over |= m ^ c
		w[i] = m
	}
	return changed, over
}
