package rt

import "runtime"

// Memory accesses.
//
// Read and Write check one access against the history of the 8-byte word
// holding addr and record it. They cover the byte at addr: an access to a
// wider value is checked by its first byte, so two goroutines writing
// neighbouring fields are never reported, and the same field always is.
// ReadRange and WriteRange cover n bytes from addr.

// readFullFast reports whether the read by g of the word with record i is
// settled without the lock: read same epoch, or read shared same epoch.
func readFullFast(g *gstate, i uint32) bool {
	r := recAt(i)
	switch rr := r.r.Load(); rr {
	case uint64(g.ep):
		return true
	case sharedReads:
		rv := r.rvc.Load()
		return rv != nil && int(g.slot) < rv.n() && rv.at(g.slot).Load() == g.ep.clock()
	}
	return false
}

// readAt is Read's slow path, out of line so that Read stays small. pc is
// the instrumented access (the assembly passes its return address), or 0
// to find it with runtime.Callers, which costs far more than the rest.
//
//go:noinline
func readAt(addr, pc uintptr) {
	g := cur()
	c := g.peek(addr)
	if c&^(cellW|cellMask) == g.cr || writeCovers(g, c, 1<<(addr&7)) || c&cellFull != 0 && readFullFast(g, uint32(c)) {
		return
	}
	if pc == 0 {
		pc = callerPC(2 + accessFrames)
	}
	readSlow(g, addr, 1<<(addr&7), pc)
}

// writeAt is Write's slow path; pc as for readAt.
//
//go:noinline
func writeAt(addr, pc uintptr) {
	g := cur()
	if writtenNow(g, g.peek(addr)) {
		return
	}
	if pc == 0 {
		pc = callerPC(2 + accessFrames)
	}
	writeSlow(g, addr, 1<<(addr&7), pc)
}

// writtenNow reports whether cell value c says g wrote the word in its
// current epoch.
func writtenNow(g *gstate, c uint64) bool {
	if c&cellFull != 0 {
		return recAt(uint32(c)).w.Load() == uint64(g.ep)
	}
	return c&^(cellR|cellMask) == g.cw
}

// writeCovers reports whether compact cell value c says g wrote the bytes
// of mask in its current epoch. A read of them needs no record then: any
// write that would race with the read races with that write too, which
// comes before it in g's program order and covers the same bytes
// (ThreadSanitizer skips such reads the same way).
func writeCovers(g *gstate, c uint64, mask uint8) bool {
	return c&^(cellR|cellMask) == g.cw && uint8(c)&mask == mask
}

// readNow reports whether cell value c says g read the word in its current
// epoch (alone or as one of several readers).
func readNow(g *gstate, c uint64) bool {
	if c&cellFull != 0 {
		return readFullFast(g, uint32(c))
	}
	return c&^(cellW|cellMask) == g.cr
}

// ReadRange records a read of the n bytes at addr (a copy, a slice or
// array compare, a string conversion).
func ReadRange(addr, n uintptr) {
	if n == 0 {
		return
	}
	g := cur()
	var pc uintptr
	for a := addr &^ 7; a < addr+n; a += 8 {
		c := g.peek(a)
		m := rangeMask(a, addr, n)
		if readNow(g, c) || writeCovers(g, c, m) {
			continue
		}
		if pc == 0 {
			pc = rangePC()
		}
		readSlow(g, max(a, addr), m, pc)
	}
}

// WriteRange records a write of the n bytes at addr.
func WriteRange(addr, n uintptr) {
	if n == 0 {
		return
	}
	g := cur()
	var pc uintptr
	for a := addr &^ 7; a < addr+n; a += 8 {
		if writtenNow(g, g.peek(a)) {
			continue
		}
		if pc == 0 {
			pc = rangePC()
		}
		writeSlow(g, max(a, addr), rangeMask(a, addr, n), pc)
	}
}

// rangeMask returns the bytes of the word at a (8-aligned) that [addr,
// addr+n) covers.
func rangeMask(a, addr, n uintptr) uint8 {
	lo, hi := a, a+8
	if addr > lo {
		lo = addr
	}
	if addr+n < hi {
		hi = addr + n
	}
	return uint8((uint(1)<<(hi-a) - 1) &^ (uint(1)<<(lo-a) - 1))
}

// Alloc tells rt that [addr, addr+n) was just allocated: accesses to
// whatever lived there before cannot race with accesses to the new object.
// Without it rt relies on its garbage-collection heuristic (doc.go). The
// instrumenter calls it after every allocation SSA puts on the heap
// (instrument/doc.go); it costs one call and, per word that has a history
// to forget, a lock (alloc.go). An address on the caller's own stack is
// ignored, as by the access hooks.
func Alloc(addr, n uintptr) { allocRange(cur(), addr, n) }

// rangePC is the pc ReadRange's or WriteRange's access is recorded at:
// its caller's, or the caller's caller when that is one of the
// instrumenter's helpers (__rt_append, __rt_sliceReadRange, ...), as
// hookPC finds a sync hook's.
//
//go:noinline
func rangePC() uintptr {
	if pc, ok := framePCAbove(); ok {
		return pc
	}
	// runtime.Callers, callerAboveHelper, rangePC, the hook
	return callerAboveHelper(4)
}

// callerPC returns the pc of the instrumented access: skip is the number of
// frames between callerPC and it (the exported hook, and any slow path in
// between), plus one.
func callerPC(skip int) uintptr {
	var pc [1]uintptr
	runtime.Callers(skip, pc[:])
	return pc[0]
}

// Call stacks, for reports.

// funcEnter is FuncEnter (access_amd64.s, access_generic.go) once pc is
// known.
func funcEnter(pc uintptr) {
	g := cur()
	if g.runtimeCB && len(g.frames) == 0 {
		// A finalizer or cleanup the runtime calls: what was done before
		// it was queued happens before it, and it starts a new epoch of
		// its own (goroutines that started since the last one, with every
		// slot's latest clock, must not find it covered).
		gmu.Lock()
		g.latestLocked()
		gmu.Unlock()
		g.tick()
	}
	g.frames = append(g.frames, pc)
	g.stkValid = false
}

// funcExit is FuncExit: it pops the shadow stack (the assembly fast path
// on amd64 does the same).
func funcExit() {
	g := cur()
	if n := len(g.frames); n > 0 {
		g.frames = g.frames[:n-1]
		if len(g.frameIDs) == n {
			g.frameIDs = g.frameIDs[:n-1]
		}
		g.stkValid = false
	}
}

// Synchronisation.
//
// Acquire, Release and ReleaseMerge are the primitives; the hooks after them
// express each sync kind of the Go memory model in their terms. Hooks that
// must run before the operation they describe say so: a release recorded
// after the operation could be missed by the goroutine it synchronises
// with, and that would be reported as a race that is not one.

// Acquire records that the calling goroutine synchronises with the last
// Release and every ReleaseMerge on addr so far: they happen before its
// next step. Like an atomic load with memory_order_acquire.
func Acquire(addr uintptr) { acquire(cur(), syncKey{addr: addr}) }

// Release records that everything the calling goroutine did so far happens
// before any later Acquire on addr, replacing what earlier releases on addr
// published. Like an atomic store with memory_order_release.
func Release(addr uintptr) { release(cur(), syncKey{addr: addr}, false) }

// ReleaseMerge is Release that keeps what earlier releases on addr
// published, so a later Acquire synchronises with all of them. Like an
// atomic exchange with memory_order_release.
func ReleaseMerge(addr uintptr) { release(cur(), syncKey{addr: addr}, true) }

// MutexLock is called after Lock (or a successful TryLock) of the
// sync.Mutex at m: the previous Unlock happens before it. Lock is an
// atomic read-modify-write of the mutex word, so a plain write of the
// mutex (an overwrite, a copy) that is not ordered with it races.
func MutexLock(m uintptr) {
	g := cur()
	acquire(g, syncKey{m, subMain})
	hookAccess(g, m, true, true)
}

// MutexUnlock is called before Unlock of the sync.Mutex at m.
func MutexUnlock(m uintptr) {
	g := cur()
	hookAccess(g, m, true, true)
	release(g, syncKey{m, subMain}, false)
}

// LockerLock is called after Lock of a sync.Locker whose dynamic value
// points to l (its type is unknown: only the edge, no access of l).
func LockerLock(l uintptr) { acquire(cur(), syncKey{l, subMain}) }

// LockerUnlock is called before Unlock of a sync.Locker pointing to l.
func LockerUnlock(l uintptr) { release(cur(), syncKey{l, subMain}, false) }

// RWMutexLock is called after Lock of the RWMutex at rw: the previous
// Unlock and every RUnlock before it happen before it. Like every RWMutex
// hook it is also a read of rw, as under -race (sync.RWMutex reads its
// inner mutex's state word and hides its own atomics from the detector):
// a plain write of the RWMutex not ordered with it races.
func RWMutexLock(rw uintptr) {
	g := cur()
	acquire(g, syncKey{rw, subMain})
	acquire(g, syncKey{rw, subReader})
	hookAccess(g, rw, false, false)
}

// RWMutexUnlock is called before Unlock of the RWMutex at rw.
func RWMutexUnlock(rw uintptr) {
	g := cur()
	hookAccess(g, rw, false, false)
	release(g, syncKey{rw, subMain}, false)
}

// RWMutexRLock is called after RLock: the previous Unlock happens before it.
func RWMutexRLock(rw uintptr) {
	g := cur()
	acquire(g, syncKey{rw, subMain})
	hookAccess(g, rw, false, false)
}

// RWMutexRUnlock is called before RUnlock: it happens before the next Lock.
func RWMutexRUnlock(rw uintptr) {
	g := cur()
	hookAccess(g, rw, false, false)
	releaseReader(g, syncKey{rw, subReader})
}

// Channels. ch is the channel's pointer (the bits of the chan value); a
// nil channel is ignored. The model and its limits are in chan.go.

// ChanSend is called before a send on ch (and, in a select, before the
// select for every send case). A send is a read of the channel: it races
// with a close it is not ordered with.
func ChanSend(ch uintptr) {
	if ch == 0 {
		return
	}
	g := cur()
	hookAccess(g, ch, false, false)
	chanStart(g, ch, true)
}

// ChanSendDone is called after a send on ch, of capacity cap(ch),
// completed: the k-th receive happens before the (k+capacity)-th send
// completes (for an unbuffered channel, the receive that took the value
// happens before the send completes).
func ChanSendDone(ch uintptr, capacity int) {
	if ch == 0 {
		return
	}
	chanDone(cur(), ch, true, capacity, true)
}

// ChanRecv is called before a receive from ch (and, in a select, before
// the select for every receive case).
func ChanRecv(ch uintptr) {
	if ch == 0 {
		return
	}
	chanStart(cur(), ch, false)
}

// ChanRecvDone is called after a receive from ch completed when it is not
// known whether it got a value (the k-th send happens before the k-th
// receive) or returned because ch is closed (the close happens before it).
func ChanRecvDone(ch uintptr) {
	if ch == 0 {
		return
	}
	g := cur()
	if chanDone(g, ch, false, 0, true) {
		acquire(g, syncKey{ch, subClose})
	}
}

// ChanRecvDoneOK is ChanRecvDone with the receive's ok: true if it got a
// value, false if it returned because ch is closed.
func ChanRecvDoneOK(ch uintptr, ok bool) {
	if ch == 0 {
		return
	}
	g := cur()
	if chanDone(g, ch, false, 0, ok) && !ok {
		acquire(g, syncKey{ch, subClose})
	}
}

// ChanCancel is called, in the case a select took, for every other case
// of the select (in a default case, for every case): the operation the
// case's ChanSend or ChanRecv announced did not happen.
func ChanCancel(ch uintptr) {
	if ch == 0 {
		return
	}
	chanCancel(cur(), ch)
}

// ChanClose is called before close(ch): a write of the channel (it races
// with sends and closes it is not ordered with), and it happens before
// every receive that returns because ch is closed.
func ChanClose(ch uintptr) {
	if ch == 0 {
		return
	}
	g := cur()
	hookAccess(g, ch, true, false)
	release(g, syncKey{ch, subClose}, true)
}

// ChanBroadcast is called before an operation after which code rt does not
// see sends on ch (t.Reset of a time.Timer whose channel is ch): it
// happens before every receive from ch that completes after it.
func ChanBroadcast(ch uintptr) {
	if ch == 0 {
		return
	}
	chanBroadcast(cur(), ch)
}

// WaitGroupDone is called before Done (or Add with a negative delta) on the
// WaitGroup at wg: it happens before the Wait it unblocks returns.
func WaitGroupDone(wg uintptr) { release(cur(), syncKey{wg, subMain}, true) }

// WaitGroupWait is called after Wait on wg returns.
func WaitGroupWait(wg uintptr) { acquire(cur(), syncKey{wg, subMain}) }

// WaitGroupAdd is called before Add(delta) on the WaitGroup at wg (and
// before Go, with delta 1): an Add with a positive delta that finds the
// counter zero reads wg's semaphore word, as under -race (waitgroup.go).
func WaitGroupAdd(wg uintptr, delta int) { waitGroupAdd(cur(), wg, delta) }

// WaitGroupWaitStart is called before Wait on wg: a Wait that finds the
// counter non-zero and no waiter writes wg's semaphore word (atomically:
// see waitgroup.go), which races with an Add from zero not ordered before
// it.
func WaitGroupWaitStart(wg uintptr) { waitGroupWaitStart(cur(), wg) }

// OnceBodyDone is called at the end of the function a sync.Once at o runs
// (the instrumenter wraps it): the function returns before any Do returns.
func OnceBodyDone(o uintptr) { release(cur(), syncKey{o, subMain}, true) }

// OnceDo is called after Do on the Once at o returns.
func OnceDo(o uintptr) { acquire(cur(), syncKey{o, subMain}) }

// CondSignal is called before Signal or Broadcast on the Cond at c: it
// happens before the Wait it wakes returns. (Wait's unlock and relock of
// c.L are LockerUnlock and LockerLock.)
func CondSignal(c uintptr) { release(cur(), syncKey{c, subMain}, true) }

// CondWait is called after Wait on c returns.
func CondWait(c uintptr) { acquire(cur(), syncKey{c, subMain}) }

// AtomicLoad is called after an atomic load of addr: an atomic read of
// addr (it races with plain writes, not with atomic ones), and the atomic
// stores it may have observed happen before it. Go's atomics are
// sequentially consistent.
func AtomicLoad(addr uintptr) {
	g := cur()
	acquire(g, syncKey{addr, subMain})
	hookAccess(g, addr, false, true)
}

// AtomicStore is called before an atomic store to addr: an atomic write
// of addr, released to later atomic loads.
func AtomicStore(addr uintptr) {
	g := cur()
	hookAccess(g, addr, true, true)
	release(g, syncKey{addr, subMain}, true)
}

// AtomicRMW is called before an atomic read-modify-write of addr (Add,
// Swap, CompareAndSwap, And, Or), and Acquire(addr) after it: an atomic
// write of addr, released to later atomic loads.
func AtomicRMW(addr uintptr) { AtomicStore(addr) }

// Goroutines.

// A Token carries the happens-before edge of a go statement from the
// creating goroutine to the created one. The zero Token carries none.
type Token struct{ s *goStart }

// Go is called at a go statement, before the goroutine is created: all the
// creator did so far happens before the new goroutine's first step. Pass
// the result to Started as the first thing the new goroutine does; a Token
// must be used exactly once.
func Go() Token {
	g := cur()
	st := goStarts.Get().(*goStart)
	st.vc.assign(g.vc)
	st.parent = g.id
	var buf [1]uintptr
	runtime.Callers(2, buf[:]) // the go statement
	st.stack = stacks.internWith(g.stack(), buf[0])
	g.tick()
	return Token{st}
}

// Started is the first hook a goroutine created after Go calls; it consumes
// the Token.
func Started(t Token) {
	if t.s == nil {
		cur()
		return
	}
	register(goidGet(), t.s)
	t.s.vc = t.s.vc[:0]
	goStarts.Put(t.s)
}

// Finished is the last hook of a goroutine whose creation rt saw: its
// clock slot becomes free for a later goroutine. (Goroutines that end
// without it are found by a liveness sweep where goroutine identity uses
// the fast path; see doc.go.)
func Finished() {
	g := lookup(goidGet())
	if g == nil {
		return
	}
	gmu.Lock()
	retireLocked(g)
	gmu.Unlock()
}
