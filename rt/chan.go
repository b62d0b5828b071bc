package rt

import (
	"sync"
	"unsafe"
	"weak"
)

// Channels, modelled as Go's runtime models them for ThreadSanitizer
// (runtime/chan.go under -race):
//
//   - a send is a read of the channel and close is a write of it, so a
//     close races with sends and with another close that it is not ordered
//     with (both are accesses of one word per channel: the hchan address);
//   - the k-th receive happens after the k-th send, and for a channel of
//     capacity C the k-th receive happens before the (k+C)-th send
//     completes (C = 0: an unbuffered hand-off orders both ways);
//   - close happens before a receive that returns because the channel is
//     closed.
//
// The runtime numbers sends and receives under the channel's lock; rt sees
// only a hook before and a hook after each operation, so it cannot know k
// exactly. It counts instead: each operation gets a record with the clock
// its goroutine released at the start hook, and bounds [lo, hi] on its
// rank among the operations of its kind, where lo is the number of
// operations of that kind that had completed (done hook) before it started,
// and hi is the number that had started (and were not cancelled) when it
// completed, less one. The runtime's rank of the operation lies in that
// interval whatever the interleaving. A receive acquires every send whose
// interval meets its own; a send acquires every receive whose interval
// meets its own shifted down by C. With operations that do not overlap the
// intervals are single ranks and the pairing is exact; with concurrent
// operations of one kind a receive acquires every send that may be its
// partner, which can hide a race but never reports a false one.
//
// The counting assumes rt sees every send and every receive on the
// channel. A channel on which uninstrumented code (std, a package not
// instrumented) also sends while instrumented code sends, or also receives
// while instrumented code receives, shifts the runtime's ranks away from
// rt's counts (see rt/doc.go).

// chanRec is one send or receive: the clock its goroutine released when it
// started (base, shared and immutable, joined with ep), its rank bounds,
// and its goroutine, which completes or cancels it.
type chanRec struct {
	base   vclock
	ep     epoch
	lo, hi uint64 // hi is openRank until the operation completes
	goid   int64
	next   *chanRec // in chanState.free
}

const openRank = ^uint64(0)

// chanSide is the records of one kind of operation on one channel, in
// start order. Records that can no longer be any operation's partner are
// dropped; when too many completed ones remain (rt does not see the other
// side's operations, say) the oldest are merged into floor, which every
// operation of the other side whose window reaches floorHi acquires.
type chanSide struct {
	started uint64 // start hooks not cancelled
	done    uint64 // done hooks
	recs    []*chanRec
	floor   vclock
	floorHi uint64 // highest hi merged into floor; floor is empty if floor == nil
}

// maxChanRecs bounds the completed records kept per side of a channel.
const maxChanRecs = 32

// chanState is rt's model of one channel.
type chanState struct {
	// self is the channel the state is about: when the collector frees a
	// channel and the allocator puts another at its address, the new one
	// starts with a fresh state (old counts would misalign its ranks).
	self     weak.Pointer[byte]
	capacity uint64
	capKnown bool
	send     chanSide
	recv     chanSide
	// bcast is released by ChanBroadcast and acquired by every receive
	// that completes after it.
	bcast vclock
	// free lists the records no side holds, linked through next: giving
	// one back allocates nothing, so a done hook that runs after its
	// partner went on (the end of a hand-off) does not show in the
	// program's malloc count (test/closure.go counts them).
	free *chanRec
}

// release gives x back to st's free list.
func (st *chanState) release(x *chanRec) {
	*x = chanRec{next: st.free}
	st.free = x
}

type chanShard struct {
	mu sync.Mutex
	m  map[uintptr]*chanState
	_  [48]byte
}

var chanShards [256]chanShard

// lockChan returns ch's state with its shard locked. ch is the address of
// a live channel (the caller holds the channel).
func lockChan(ch uintptr) (*chanShard, *chanState) {
	h := uint64(ch>>3) * 0x9E3779B97F4A7C15
	sh := &chanShards[h>>56]
	sh.mu.Lock()
	p := *(**byte)(unsafe.Pointer(&ch))
	st := sh.m[ch]
	if st == nil || st.self.Value() != p {
		if sh.m == nil {
			sh.m = make(map[uintptr]*chanState)
		}
		st = &chanState{self: weak.Make(p)}
		sh.m[ch] = st
	}
	return sh, st
}

// chanStart records the start of a send or receive by g: its clock is
// released to the partner it will have.
func chanStart(g *gstate, ch uintptr, send bool) {
	sh, st := lockChan(ch)
	side := &st.recv
	if send {
		side = &st.send
	}
	r := st.free
	if r != nil {
		st.free = r.next
	} else {
		r = new(chanRec)
	}
	*r = chanRec{base: g.frozenClock(), ep: g.ep, lo: side.done, hi: openRank, goid: g.id}
	side.started++
	side.recs = append(side.recs, r)
	sh.mu.Unlock()
	g.tick()
}

// chanDone records that g's send or receive on ch completed and acquires
// the clocks of the operations that may have been its partner. capacity is
// the channel's capacity (sends only); values says whether a receive may
// have got a value (false: it returned because the channel is closed).
// It reports whether g had started an operation of that kind on ch.
func chanDone(g *gstate, ch uintptr, send bool, capacity int, values bool) bool {
	sh, st := lockChan(ch)
	side, other := &st.recv, &st.send
	if send {
		side, other = &st.send, &st.recv
		if capacity >= 0 {
			st.capacity, st.capKnown = uint64(capacity), true
		}
	}
	var r *chanRec
	for i := len(side.recs) - 1; i >= 0; i-- {
		if x := side.recs[i]; x.hi == openRank && x.goid == g.id {
			r = x
			break
		}
	}
	if r == nil {
		sh.mu.Unlock()
		return false
	}
	r.hi = side.started - 1
	side.done++
	if !send && st.bcast != nil {
		acquireClock(g, st.bcast, 0)
	}
	// The window of partner ranks: a receive pairs with the send of its
	// rank, a send with the receive C ranks before it.
	lo, hi, any := r.lo, r.hi, true
	if send {
		c := st.capacity
		if !st.capKnown {
			c = 0 // unknown capacity: the widest window
			lo = 0
		}
		if hi < c {
			any = false
		} else {
			hi -= c
			lo = max(lo, c) - c
		}
	}
	if any && values {
		for _, x := range other.recs {
			if x.lo <= hi && x.hi >= lo {
				acquireClock(g, x.base, x.ep)
			}
		}
		if other.floor != nil && other.floorHi >= lo {
			acquireClock(g, other.floor, 0)
		}
	}
	st.prune()
	sh.mu.Unlock()
	g.setEp(mkEpoch(g.slot, g.vc[g.slot]))
	return true
}

// chanCancel forgets g's open operations on ch: cases of a select that
// were not taken.
func chanCancel(g *gstate, ch uintptr) {
	sh, st := lockChan(ch)
	for _, side := range []*chanSide{&st.send, &st.recv} {
		kept := side.recs[:0]
		for _, x := range side.recs {
			if x.hi == openRank && x.goid == g.id {
				side.started--
				st.release(x)
				continue
			}
			kept = append(kept, x)
		}
		clear(side.recs[len(kept):])
		side.recs = kept
	}
	sh.mu.Unlock()
}

// chanBroadcast releases g's clock to every receive on ch that completes
// from now on.
func chanBroadcast(g *gstate, ch uintptr) {
	sh, st := lockChan(ch)
	st.bcast.join(g.vc)
	sh.mu.Unlock()
	g.tick()
}

// prune drops the records that can be no future acquirer's partner, and
// merges the oldest completed ones into the floor when too many remain.
func (st *chanState) prune() {
	// A receive that completes later has lo >= the least lo of the open
	// receives and the receives done now; a send acquires it only if its
	// hi reaches that lo.
	recvLo := st.recv.minLo()
	st.pruneSide(&st.send, func(x *chanRec) bool { return x.hi < recvLo })
	if st.capKnown {
		sendLo := st.send.minLo()
		c := st.capacity
		st.pruneSide(&st.recv, func(x *chanRec) bool { return x.hi+c < sendLo })
	}
}

// minLo is the least rank lower bound an operation of this side still
// to complete can have.
func (s *chanSide) minLo() uint64 {
	lo := s.done
	for _, x := range s.recs {
		if x.hi == openRank && x.lo < lo {
			lo = x.lo
		}
	}
	return lo
}

func (st *chanState) pruneSide(s *chanSide, dead func(*chanRec) bool) {
	completed := 0
	kept := s.recs[:0]
	for _, x := range s.recs {
		if x.hi != openRank && dead(x) {
			st.release(x)
			continue
		}
		if x.hi != openRank {
			completed++
		}
		kept = append(kept, x)
	}
	clear(s.recs[len(kept):])
	s.recs = kept
	if completed <= maxChanRecs {
		return
	}
	// Merge the oldest completed records into the floor.
	kept = s.recs[:0]
	for _, x := range s.recs {
		if x.hi != openRank && completed > maxChanRecs/2 {
			completed--
			if s.floor == nil {
				s.floor = make(vclock, 0, len(x.base)+1)
			}
			s.floor.join(x.base)
			if x.ep != 0 && s.floor.get(x.ep.slot()) < x.ep.clock() {
				s.floor.set(x.ep.slot(), x.ep.clock())
			}
			s.floorHi = max(s.floorHi, x.hi)
			st.release(x)
			continue
		}
		kept = append(kept, x)
	}
	clear(s.recs[len(kept):])
	s.recs = kept
}

// acquireClock joins base and ep into g's clock (the caller sets g's epoch
// afterwards).
func acquireClock(g *gstate, base vclock, ep epoch) {
	if !(g.frozenOK && sameClock(base, g.frozen)) && g.vc.joinChanged(base) {
		g.vcChanged()
	}
	if ep != 0 && g.vc.get(ep.slot()) < ep.clock() {
		g.vc.set(ep.slot(), ep.clock())
		g.vcChanged()
	}
}
