package rt

import (
	"math"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/raceinst/raceinst/rt/internal/goid"
)

// Shadow memory: one 8-byte cell per 8-byte word of application memory,
// grouped in pages of 4 KiB of application memory (4 KiB of cells, which
// hold no pointers, so the collector never scans them). Pages are found
// through a lock-free open-addressing directory keyed by addr>>pageShift;
// the directory is replaced (under pmu) only when a new page makes it too
// full, and every goroutine caches the last page it used.
//
// A cell is either compact or full:
//
//	compact: 0 | W | R | epoch (53 bits) | mask (8 bits)
//	full:    1 | record index (low 32 bits)
//
// A compact cell holds the common states in one word: nothing; a last write
// (W) by epoch; a last read (R) by epoch; or both by the same epoch with the
// same bytes (a goroutine that reads and writes a word between two syncs).
// Every other state (a write and a read by different epochs, or reads by
// several goroutines at once) lives in a shadowRec, 32 bytes off to the
// side, and goes back to compact when it can. So memory a single goroutine
// touches costs 1 byte of shadow per byte; ThreadSanitizer's costs 2.
//
// The slow paths lock a word through a striped spin lock. Report details
// (goroutine, pc, stack) of the last accesses live in a fixed-size table
// keyed by word and epoch (infoTab): old ones are overwritten, as TSan's
// history is bounded, and a report then says the stack was not restored.
const (
	pageShift    = 12
	wordsPerPage = 1 << (pageShift - 3)

	cellFull   = 1 << 63
	cellW      = 1 << 62
	cellR      = 1 << 61
	cellMask   = 0xff
	epochShift = 8
)

// sharedReads in shadowRec.r means "read by several goroutines
// concurrently; see rvc".
const sharedReads = ^uint64(0)

// epAtomic marks an epoch in shadowRec.w, shadowRec.r or readVec.clk as an
// atomic access (sync/atomic, or a sync primitive's own word). Atomic
// accesses never race with each other, only with plain ones, as in
// ThreadSanitizer. A compact cell cannot say "atomic" (every bit is taken),
// so an atomically accessed word always has a record. The mark makes a
// marked value differ from every plain epoch, so the same-epoch fast paths
// of Read and Write simply fail on it and take the slow path, which
// records the plain access.
const epAtomic = 1 << 62

// accessInfo is what a report says about an access.
type accessInfo struct {
	goid int64
	pc   uintptr // pc of the access
	stk  uint32  // depot id of the shadow call stack around it
}

// shadowCells is the shadow of one page: 4 KiB, pointer-free.
type shadowCells [wordsPerPage]atomic.Uint64

// shadowPage is the directory entry of one page.
type shadowPage struct {
	key   uintptr
	cells *shadowCells
	// gen is the collection cycle (curGen) the page's history was last
	// checked for (see checkPage); mu serialises that check and objs.
	gen atomic.Uint32
	mu  sync.Mutex
	// objs are the heap objects the page's words were last accessed as,
	// sorted by base (see heapobj.go).
	objs []pageObj
	// unnoted has a bit per word whose history a first read gave it
	// without noting the object (see heapobj.go).
	unnoted [wordsPerPage / 64]atomic.Uint64
	// allocated has a bit per word of an object instrumented code
	// allocated (Alloc): a first read of it notes the object (see
	// heapobj.go). A hint: a stale bit costs a note, never a race.
	allocated [wordsPerPage / 64]atomic.Uint64
}

// shadowRec is the full FastTrack state of a word whose state does not fit
// a compact cell. w and r are read without the lock by the fast paths;
// every store is made holding the word's lock.
type shadowRec struct {
	w, r         atomic.Uint64 // last write epoch; last read epoch or sharedReads
	wMask, rMask uint8         // bytes of the word the last write / exclusive read touched
	rvc          atomic.Pointer[readVec]
	// spare is a read vector the word had before a write ended its
	// read-shared state, kept for the next one (see takeSpare). Guarded by
	// the word lock.
	spare *readVec
}

// readVec is the read vector clock of a word read concurrently. A slot's
// clock, at(slot), is read without the lock by the read-shared-same-epoch
// fast path; a clock there may carry epAtomic.
//
// A new vector is dense: the clocks of 8 slots share a cache line. When
// the goroutines reading the word move to new epochs often, each such
// read stores its slot's clock (readShared), and dense clocks make the
// cores that run them pass the line back and forth: 4 goroutines reading
// a table under an RWMutex spent a quarter of their time there. So a vector
// that readShared finds hot (see hotSamples) is replaced by a spread one,
// one clock per cache line, in sclk; its clk is nil, which sends the
// assembly fast path (which indexes clk by slot) to readFullFast. Vectors
// stay dense until then: words read by many goroutines in one epoch only
// need their clocks read, and a spread vector is 8 times the memory to
// keep cached (so longer ones than spreadMax slots stay dense). A write
// scans the slots' masks, dense in both, and loads only the clocks of the
// slots with a mask; a spread vector emptied for reuse (takeSpare) has its
// masks emptied too.
type readVec struct {
	clk  []atomic.Uint64 // dense: slot s's clock is clk[s]; nil if spread
	mask []atomic.Uint32 // bytes of the word the slot's reads touched
	info []atomicInfo
	sclk []atomic.Uint64 // spread: slot s's clock is sclk[s<<spreadShift]
	// hot counts the samples readShared took of its updates of this
	// vector: one in hotSampleEvery of each goroutine's updates.
	hot atomic.Uint32
}

const (
	spreadShift    = 3    // 8 clocks, 64 bytes, per slot in a spread vector
	hotSampleEvery = 64   // a goroutine samples one in this many of its readShared updates
	hotSamples     = 16   // samples after which a vector is spread
	spreadMax      = 1024 // longest vector that is spread (64 KiB)
)

// spreads reports whether rv is dense and short enough to be spread.
func (rv *readVec) spreads() bool { return rv.sclk == nil && rv.n() <= spreadMax }

// n returns the number of slots rv has room for.
func (rv *readVec) n() int { return len(rv.mask) }

// at returns slot s's clock.
func (rv *readVec) at(s uint32) *atomic.Uint64 {
	if rv.sclk != nil {
		return &rv.sclk[uintptr(s)<<spreadShift]
	}
	return &rv.clk[s]
}

// spareMin is the shortest read vector a write keeps (with the word's
// record, see wordState.store) for the word's next readers, when at least
// two goroutines read the word since the last write: they would otherwise
// allocate and grow a new one after each write (256 goroutines reading one
// map between the writes of some of them allocated and copied ~50 KB per
// write). A vector's length is the highest reader slot plus one, so short
// ones are cheap to make again and not worth a record.
const spareMin = 8

// atomicInfo is an accessInfo that its goroutine updates without the word
// lock (readShared): a report may pair fields of two reads of that
// goroutine, never anything worse.
type atomicInfo struct {
	goid atomic.Int64
	pc   atomic.Uintptr
	stk  atomic.Uint32
}

func (a *atomicInfo) load() accessInfo {
	return accessInfo{goid: a.goid.Load(), pc: a.pc.Load(), stk: a.stk.Load()}
}

// store sets a to i. Each field is stored only if it changed: an atomic
// store is a locked instruction on amd64, and a goroutine that keeps
// reading a shared word mostly reads it from the same place.
func (a *atomicInfo) store(i accessInfo) {
	if a.goid.Load() != i.goid {
		a.goid.Store(i.goid)
	}
	if a.pc.Load() != i.pc {
		a.pc.Store(i.pc)
	}
	if a.stk.Load() != i.stk {
		a.stk.Store(i.stk)
	}
}

type pageDir struct {
	mask  uintptr
	used  int
	cells []atomic.Pointer[shadowPage]
}

var (
	pdir atomic.Pointer[pageDir]
	pmu  sync.Mutex

	// Test knobs, set before any goroutine uses rt.
	gcForgets     = true  // apply the garbage-collection rule (heapobj.go)
	countSlow     = false // count slow paths in slowPaths, and those that lock the word in lockedPaths
	slowPaths     atomic.Int64
	lockedPaths   atomic.Int64
	notesLocked   atomic.Int64 // noteObject calls that took the page's mutex, counted with countSlow
	laneRels      atomic.Int64 // RUnlock releases through a reader lane (rlane.go), counted with countSlow
	coveredCopies atomic.Int64 // acquires that copied an Unlock's clock (acquireCovered), counted with countSlow
)

func hashPage(k uintptr) uintptr {
	h := uint64(k) * 0x9E3779B97F4A7C15
	return uintptr(h ^ h>>31)
}

// cell returns the shadow cell of addr, creating its page if needed, and
// leaves the page in g's one-entry cache.
func (g *gstate) cell(addr uintptr) *atomic.Uint64 {
	key := addr >> pageShift
	if g.pkey != key {
		p := findPage(key)
		g.page, g.pcells, g.pkey = p, p.cells, key
	}
	return &g.pcells[(addr>>3)&(wordsPerPage-1)]
}

// peek returns the value of addr's cell, or 0 if its page has no shadow
// yet: unlike cell it creates no page, so the checks before a slow path
// allocate nothing for memory that never gets shadow (a goroutine's own
// stack, which the slow paths ignore; a program counting its allocations,
// as test/closure.go does, must see none for an access to a local the
// compiler kept on the stack).
func (g *gstate) peek(addr uintptr) uint64 {
	key := addr >> pageShift
	if g.pkey != key {
		p := lookupPage(key)
		if p == nil {
			return 0
		}
		g.page, g.pcells, g.pkey = p, p.cells, key
	}
	return g.pcells[(addr>>3)&(wordsPerPage-1)].Load()
}

func findPage(key uintptr) *shadowPage {
	if p := lookupPage(key); p != nil {
		return p
	}
	return newPage(key)
}

// lookupPage returns the shadow page of key, or nil if there is none:
// unlike findPage it does not create one.
func lookupPage(key uintptr) *shadowPage {
	d := pdir.Load()
	if d == nil {
		return nil
	}
	for i := hashPage(key) & d.mask; ; i = (i + 1) & d.mask {
		p := d.cells[i].Load()
		if p == nil {
			return nil
		}
		if p.key == key {
			return p
		}
	}
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
	p := &shadowPage{key: key, cells: newCells()}
	p.gen.Store(curGen())
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

// Word locks: a striped spin lock per word, taken by the slow paths only.
const lockBits = 10

var wordLocks [1 << lockBits]struct {
	v atomic.Uint32
	_ [60]byte // one stripe per cache line
}

func lockOf(addr uintptr) *atomic.Uint32 {
	h := uint64(addr>>3) * 0x9E3779B97F4A7C15
	return &wordLocks[h>>(64-lockBits)].v
}

// lockWord takes l, a word lock (also the lock of a sync-object shard).
//
// The holder is pinned to its thread (runtime.procPin, as sync.Pool pins):
// it cannot be preempted until unlockWord. A holder preempted inside its
// section made every goroutine that wanted the lock spin and yield until
// the scheduler came back to it, behind all of them: 256 goroutines on one
// RWMutex (test/fixedbugs/issue79186.go) spent more time in that convoy
// than in their clock work. So a section holding a word or shard lock must
// not block, yield or take a lock that can: it may take only the record
// lock (recLock) and an info entry (getInfo), which spin pinned or give up.
// lockWord itself must not be called holding one (its wait yields).
func lockWord(l *atomic.Uint32) {
	for {
		procPin()
		if l.CompareAndSwap(0, 1) {
			return
		}
		procUnpin()
		// Wait for the holder without writing the line (test and
		// test-and-set): a CAS per spin would steal it from the holder.
		// Spin a while first (a pinned holder on another core is done
		// soon), then yield.
		for j := 0; l.Load() != 0; j++ {
			if j < spinIters {
				spinPause()
			} else {
				runtime.Gosched()
			}
		}
	}
}

// unlockWord releases a lock taken by lockWord.
func unlockWord(l *atomic.Uint32) {
	l.Store(0)
	procUnpin()
}

// procPin and procUnpin are the runtime's, kept for linkname
// (go.dev/issue/67401): between them the goroutine is not preempted.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// spinIters is how many pauses lockWord spins before it yields.
const spinIters = 256

// Records: full states, in chunks that are never freed; free records are
// reused. A fast path that loaded a cell just before its record was freed
// may read the record's next owner: at worst it skips a check (a missed
// race, never a false one).
const (
	recChunkBits = 12
	maxRecChunks = 1 << 16
)

var (
	recChunks [maxRecChunks]atomic.Pointer[[1 << recChunkBits]shadowRec]
	recMu     atomic.Uint32     // see recLock
	recNext   uint32        = 1 // index 0 is never used
	recFree   []uint32
)

func recAt(i uint32) *shadowRec {
	// The mask drops nothing (allocRec stays below maxRecChunks); it only
	// spares the fast paths a bounds check.
	return &recChunks[(i>>recChunkBits)&(maxRecChunks-1)].Load()[i&(1<<recChunkBits-1)]
}

// recLock takes recMu. It is only taken holding a word lock, so pinned:
// its holder runs to recUnlock, and a waiter spins without yielding.
func recLock() {
	procPin()
	for !recMu.CompareAndSwap(0, 1) {
		spinPause()
	}
}

func recUnlock() {
	recMu.Store(0)
	procUnpin()
}

func allocRec() uint32 {
	recLock()
	defer recUnlock()
	if n := len(recFree); n > 0 {
		i := recFree[n-1]
		recFree = recFree[:n-1]
		return i
	}
	i := recNext
	if i>>recChunkBits >= maxRecChunks {
		fatal("raceinst: too many words shared between goroutines")
	}
	if recChunks[i>>recChunkBits].Load() == nil {
		recChunks[i>>recChunkBits].Store(new([1 << recChunkBits]shadowRec))
	}
	recNext++
	return i
}

func freeRec(i uint32) {
	r := recAt(i)
	r.rvc.Store(nil)
	r.spare = nil
	recLock()
	recFree = append(recFree, i)
	recUnlock()
}

// wordState is a word's FastTrack state, decoded from its cell, for the
// slow paths.
type wordState struct {
	w, r             epoch // r may be epoch(sharedReads)
	wMask, rMask     uint8
	wAtomic, rAtomic bool   // the last write / exclusive read was atomic
	rec              uint32 // record index, 0 if the cell is compact
	// spare, set by a write that ends a read-shared state (see
	// spareMin), is the vector to keep for the next one.
	spare *readVec
}

// tag returns e with epAtomic if atomic.
func tag(e epoch, atomic bool) uint64 {
	if atomic {
		return uint64(e) | epAtomic
	}
	return uint64(e)
}

// load decodes c. Called with the word locked.
func (s *wordState) load(c uint64) {
	*s = wordState{}
	if c&cellFull != 0 {
		s.rec = uint32(c)
		r := recAt(s.rec)
		w, rr := r.w.Load(), r.r.Load()
		s.w, s.wAtomic = epoch(w&^epAtomic), w&epAtomic != 0
		if rr != sharedReads {
			s.r, s.rAtomic = epoch(rr&^epAtomic), rr&epAtomic != 0
		} else {
			s.r = epoch(rr)
		}
		s.wMask, s.rMask = r.wMask, r.rMask
		return
	}
	e, m := epoch(c&^(cellW|cellR)>>epochShift), uint8(c)
	if c&cellW != 0 {
		s.w, s.wMask = e, m
	}
	if c&cellR != 0 {
		s.r, s.rMask = e, m
	}
}

// store writes s back to cell, compact when it fits. rv is the read vector
// when s.r is shared. Called with the word locked.
func (s *wordState) store(cell *atomic.Uint64, rv *readVec) {
	shared := uint64(s.r) == sharedReads
	if s.w == 0 {
		s.wAtomic = false
	}
	if s.r == 0 || shared {
		s.rAtomic = false
	}
	// A vector kept for the word's next read-shared state keeps its record.
	var spare *readVec
	if s.rec != 0 {
		spare = recAt(s.rec).spare
	}
	if s.spare != nil {
		spare = s.spare
	}
	if spare != nil && rv != nil && rv.n() >= spare.n() {
		spare = nil
	}
	if spare == nil && !shared && !s.wAtomic && !s.rAtomic && (s.w == 0 || s.r == 0 || s.w == s.r && s.wMask == s.rMask) {
		var c uint64
		if s.w != 0 {
			c = cellW | uint64(s.w)<<epochShift | uint64(s.wMask)
		}
		if s.r != 0 {
			c |= cellR | uint64(s.r)<<epochShift | uint64(s.rMask)
		}
		cell.Store(c)
		if s.rec != 0 {
			freeRec(s.rec)
		}
		return
	}
	if s.rec == 0 {
		s.rec = allocRec()
	}
	r := recAt(s.rec)
	r.wMask, r.rMask = s.wMask, s.rMask
	r.spare = spare
	r.rvc.Store(rv)
	r.w.Store(tag(s.w, s.wAtomic))
	r.r.Store(tag(s.r, s.rAtomic))
	cell.Store(cellFull | uint64(s.rec))
}

// resetCell forgets a word. Called with the word locked.
func resetCell(cell *atomic.Uint64) {
	if c := cell.Load(); c&cellFull != 0 {
		cell.Store(0)
		freeRec(uint32(c))
		return
	}
	cell.Store(0)
}

// forgetWords forgets the history of the words of [from, to), all in the
// page whose cells are cells, taking the lock only of words that have
// some.
func forgetWords(cells *shadowCells, from, to uintptr) {
	for a := from &^ 7; a < to; a += 8 {
		cell := &cells[(a>>3)&(wordsPerPage-1)]
		if cell.Load() == 0 {
			continue
		}
		l := lockOf(a)
		lockWord(l)
		resetCell(cell)
		unlockWord(l)
	}
}

// Report details: the last access of each kind to a word, per epoch, in a
// direct-mapped table. An entry answers only for the word and epoch it was
// written for.
const (
	infoBits = 16
	// infoWindowBits: the words of an aligned window of 1<<infoWindowBits
	// words (32 KiB) have entries of their own, side by side.
	infoWindowBits = infoBits - 4
)

// An entry is 16 bytes, four to a cache line, and the table 1 MiB. It was
// 40 (the word's address, the epoch, a lock word, a 64-bit goroutine id
// and pc), with a word's read and write entries side by side: the first
// reads of 8 neighbouring words (a walk over a fresh tree) touched 10 lines
// of a 2.5 MiB table, and recordCAS, waiting for them, was the slow paths'
// largest cost.
type infoEntry struct {
	// key is infoKey of the access recorded (0: none yet), with
	// infoLocked set while a goroutine reads or writes the entry.
	key  atomic.Uint32
	stk  uint32
	pc   uint32 // pc - pcBase, as a signed offset (0: no pc)
	goid uint32 // 0: an id of 32 bits or more (the slot's owner is reported)
}

var infoTab [1 << infoBits]infoEntry

const infoLocked = 1

// infoKey is the key of the details of the access of the given tag at epoch
// e: a mix of both, with the lock bit clear and never 0. An entry written
// for another access answers for this one with probability 2^-30.
func infoKey(tag uintptr, e epoch) uint32 {
	x := uint64(tag) ^ bits.RotateLeft64(uint64(e)*0x9E3779B97F4A7C15, 29)
	x ^= x >> 32
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return uint32(x)&^infoLocked | 2
}

// pcBase is the pc entries store their access's pc as an offset from (the
// code of pcAnchor): a program's code spans less than 2 GiB.
var pcBase = funcPC(pcAnchor)

//go:noinline
func pcAnchor() {}

// funcPC returns the entry pc of f's code.
func funcPC(f func()) uintptr { return **(**uintptr)(unsafe.Pointer(&f)) }

func packInfo(en *infoEntry, info accessInfo) {
	en.stk = info.stk
	en.pc = 0
	if info.pc != 0 {
		en.pc = uint32(info.pc - pcBase)
	}
	en.goid = 0
	if info.goid > 0 && info.goid <= math.MaxUint32 {
		en.goid = uint32(info.goid)
	}
}

func unpackInfo(en *infoEntry, e epoch) accessInfo {
	info := accessInfo{stk: en.stk, goid: int64(en.goid)}
	if en.pc != 0 {
		info.pc = pcBase + uintptr(int64(int32(en.pc)))
	}
	if info.goid == 0 {
		info.goid = slotOwner(e.slot())
	}
	return info
}

// lockInfo takes en's lock and returns the key it held, or reports false
// after about 1000 spins if another goroutine holds it (one preempted while
// it recorded).
func lockInfo(en *infoEntry) (uint32, bool) {
	if k := en.key.Load(); k&infoLocked == 0 && en.key.CompareAndSwap(k, k|infoLocked) {
		return k, true
	}
	return lockInfoSpin(en)
}

func lockInfoSpin(en *infoEntry) (uint32, bool) {
	for i := 0; i <= 1000; i++ {
		spinPause()
		if k := en.key.Load(); k&infoLocked == 0 && en.key.CompareAndSwap(k, k|infoLocked) {
			return k, true
		}
	}
	return 0, false
}

// infoOf returns the entry of tag's details at epoch e. The words of a
// 32 KiB window get neighbouring entries, and reads and writes separate
// halves of the table, so that a walk over fresh memory, a range access or
// a loop over an array stores its details into a line per 4 words.
//
// The epoch picks one of 8 entries (3 bits above the window's, mixed with
// the window's address): two goroutines writing one word at once (a race,
// the case a report needs both details for) then mostly record into
// different entries, where one entry per word made the later one overwrite
// the earlier's details as the report went to read them. Not the window's
// bits: a word's entry for one epoch was then a neighbour's for another,
// and a goroutine's write to one word overwrote the details of another
// goroutine's racing write to the next (racyalloc's report said "[failed
// to restore the stack]" under load). Words less than 32 KiB apart never
// share an entry.
func infoOf(tag uintptr, e epoch) *infoEntry {
	w := uint64(tag >> 3)
	sel := (uint64(e)*0x9E3779B97F4A7C15 ^ (w>>infoWindowBits)*0xBF58476D1CE4E5B9) >> 61
	h := w&(1<<infoWindowBits-1) | sel<<infoWindowBits | uint64(tag&1)<<(infoBits-1)
	return &infoTab[h]
}

func infoTag(addr uintptr, write bool) uintptr {
	t := addr &^ 7
	if write {
		t |= 1
	}
	return t
}

func putInfo(addr uintptr, write bool, e epoch, info accessInfo) {
	tag := infoTag(addr, write)
	en := infoOf(tag, e)
	// Another goroutine may be recording an access to the same entry right
	// now, often one to the same word: wait for it, briefly. Giving up at
	// once lost the first of two racing writes' details whenever the
	// second recorded its own at that moment (its report then said
	// "[failed to restore the stack]"). If the holder was preempted, a
	// report against this access says so too.
	if _, ok := lockInfo(en); ok {
		packInfo(en, info)
		en.key.Store(infoKey(tag, e))
	}
}

// getInfo returns the details of the access of the given kind at epoch e to
// the word of addr, or only its goroutine (from the slot's owner) if they
// were overwritten.
func getInfo(addr uintptr, write bool, e epoch) accessInfo {
	tag := infoTag(addr, write)
	en := infoOf(tag, e)
	// Called holding a word lock: spin, pinned, and give up (as if the
	// entry had been overwritten) rather than wait for an entry whose
	// writer (putInfo, not always pinned) was preempted.
	k, ok := lockInfo(en)
	if !ok {
		return accessInfo{goid: slotOwner(e.slot())}
	}
	info := unpackInfo(en, e)
	en.key.Store(k)
	if k != infoKey(tag, e) {
		return accessInfo{goid: slotOwner(e.slot())}
	}
	return info
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
func readSlow(g *gstate, addr uintptr, mask uint8, pc uintptr) {
	readSlowA(g, addr, mask, pc, false)
}

// readSlowA is readSlow for a plain or an atomic read.
func readSlowA(g *gstate, addr uintptr, mask uint8, pc uintptr, atomic bool) {
	if goid.OnStack(g.gp, addr) {
		return // a goroutine's own stack is never shared
	}
	if !atomic {
		prefetch(unsafe.Pointer(infoOf(infoTag(addr, false), g.ep))) // for recordCAS
	}
	if countSlow {
		slowPaths.Add(1)
	}
	cell := g.cell(addr)
	p := g.page
	var gen uint32
	if gcForgets {
		gen = checkPage(p, addr)
	}
	info := accessInfo{goid: g.id, pc: g.userPC(pc), stk: g.stack()}
	if !atomic {
		// The details go in with the read (recordCAS): a writer that sees
		// the read the moment the cell shows it must find them. Only for
		// a word without history: the entry may hold an earlier read's
		// details a report needs. If the cell changed meanwhile, the
		// locked path records the read again.
		noted := false
		if cell.Load() == 0 {
			// A first read notes the object only if instrumented code
			// allocated it (see heapobj.go).
			if gcForgets && p.isAllocated(addr) {
				g.noteAt(p, addr, gen)
				noted = true
			}
			if firstAccess(cell, g.cr|uint64(mask), addr, false, g.ep, info) {
				if gcForgets && !noted {
					p.setUnnoted(addr)
				}
				if afterFirstRead != nil {
					afterFirstRead()
				}
				return
			}
		}
		if gcForgets && !noted {
			g.noteAt(p, addr, gen)
		}
		if readCompact(g, cell, mask, addr, info) {
			return
		}
		if readShared(g, cell, mask, info) {
			return
		}
	} else if gcForgets {
		g.noteAt(p, addr, gen)
	}
	if countSlow {
		lockedPaths.Add(1)
	}
	var rc race
	found := false
	l := lockOf(addr)
	lockWord(l)
	var s wordState
	s.load(cell.Load())
	var rv *readVec
	if s.rec != 0 {
		rv = recAt(s.rec).rvc.Load()
	}
	if s.w != 0 && s.wMask&mask != 0 && !g.vc.covers(s.w) && !(atomic && s.wAtomic) {
		rc, found = race{addr: addr, prevWrite: true, prev: getInfo(addr, true, s.w)}, true
	}
	switch {
	case uint64(s.r) == sharedReads: // read shared
		rv = rv.set(g.slot, g.vc[g.slot], mask, info, atomic)
	case s.r == 0 || g.vc.covers(s.r): // read exclusive
		// A plain read and an atomic one in one epoch count as plain.
		s.rAtomic = atomic && (s.r != g.ep || s.rAtomic)
		s.r, s.rMask = g.ep, mask
		putInfo(addr, false, g.ep, info)
	default: // read share: two concurrent readers, epoch becomes a vector
		prev := s.r
		rv = s.takeSpare()
		rv = rv.set(prev.slot(), prev.clock(), s.rMask, getInfo(addr, false, prev), s.rAtomic)
		rv = rv.set(g.slot, g.vc[g.slot], mask, info, atomic)
		s.r, s.rMask = epoch(sharedReads), 0
	}
	s.store(cell, rv)
	unlockWord(l)
	if found {
		reportRace(g, rc, info)
	}
}

// afterFirstRead, set by a test, runs right after a read's first access
// made the cell show it (TestRestoreFirstRead).
var afterFirstRead func()

// firstAccess records the first access to a word with no history (fresh
// or forgotten memory: nothing to race with) without the word lock: c is
// the compact cell of the access, info its details. It reports false if
// the word has history, or got some meanwhile: then the locked path
// decides. A locked path that read the empty cell just before may
// overwrite the access, which can only miss a race.
func firstAccess(cell *atomic.Uint64, c uint64, addr uintptr, write bool, e epoch, info accessInfo) bool {
	return cell.Load() == 0 && recordCAS(cell, 0, c, addr, write, e, info)
}

// recordCAS makes the cell go from old to c, an access whose details are
// info, without the word lock. The details go in first, and their table
// entry is held across the compare-and-swap: a goroutine that finds the
// access in the cell finds its details (recorded after, they were missing
// from reports now and then), and one whose swap would fail (the cell
// changed) writes none. Two goroutines writing a fresh word at once often
// map to one entry (1 in 8: see infoOf); the one that lost used to
// overwrite the winner's details, and the report of the race between them
// said "[failed to restore the stack]" for the previous write. It reports
// whether the swap was made.
func recordCAS(cell *atomic.Uint64, old, c uint64, addr uintptr, write bool, e epoch, info accessInfo) bool {
	tag := infoTag(addr, write)
	en := infoOf(tag, e)
	k, locked := lockInfo(en)
	if !locked {
		// The holder was preempted: record the access without its
		// details rather than wait.
		return cell.CompareAndSwap(old, c)
	}
	ok := false
	if cell.Load() == old {
		packInfo(en, info)
		k = infoKey(tag, e)
		ok = cell.CompareAndSwap(old, c)
	}
	en.key.Store(k)
	return ok
}

// readCompact is FastTrack's read rule without the word lock, for the
// common case of a goroutine reading a word again in a later epoch (a walk
// over data it read before, with synchronisation since): the cell is
// compact and holds a read alone, which happens before g and touched no
// byte this read does not, so this read replaces it (FastTrack's read
// exclusive). Almost a quarter of a one-package goimports run's slow paths
// were such reads, each through the word lock. It reports false, leaving the
// read to the locked path, if any of that does not hold or the cell
// changed meanwhile. As for firstAccess, a locked path that loaded the
// cell before may overwrite this read, which can only miss a race.
func readCompact(g *gstate, cell *atomic.Uint64, mask uint8, addr uintptr, info accessInfo) bool {
	c := cell.Load()
	if c == 0 || c&(cellFull|cellW) != 0 || uint8(c)&^mask != 0 || !g.vc.covers(epoch(c&^cellR>>epochShift)) {
		return false
	}
	return recordCAS(cell, c, g.cr|uint64(mask), addr, false, g.ep, info)
}

// writeCompact is FastTrack's write rule without the word lock, for the
// common case of a goroutine writing a word again in a later epoch (its own
// data, after any synchronisation): the cell is compact, and its write and
// read (one epoch in a compact cell) happen before g, so nothing races and
// the write replaces them; a read is kept, which takes a record and the
// locked path, only if it touched bytes this write does not. It reports
// false, leaving the write to the locked path, if any of that does not
// hold or the cell changed meanwhile. As for firstAccess, a locked path
// that loaded the cell before may overwrite this write, which can only miss
// a race.
func writeCompact(g *gstate, cell *atomic.Uint64, mask uint8, addr uintptr, info accessInfo) bool {
	c := cell.Load()
	if c == 0 || c&cellFull != 0 || !g.vc.covers(epoch(c&^(cellW|cellR)>>epochShift)) {
		return false
	}
	if c&cellR != 0 && uint8(c)&^mask != 0 {
		return false
	}
	// The details go in with the write, as a first write's (recordCAS).
	// The write they replace happens before g.
	return recordCAS(cell, c, g.cw|uint64(mask), addr, true, g.ep, info)
}

// readShared is FastTrack's read-shared rule without the word lock, for
// the common case of a word many goroutines read: it is in the read-shared
// state, g's slot already has an entry for the same bytes, and the last
// write happens before g. Then the read only moves g's entry to its current
// epoch, which no other goroutine writes. It reports false, leaving the
// read to the locked path, if any of that does not hold or if the word's
// state changed while it stored (a write came in: the locked path then
// checks the read against it). A grown read vector published between the
// store and the check can lose the entry's update, which can only miss a
// later race, never report a false one (as TSan's shadow, which is updated
// without locks too).
func readShared(g *gstate, cell *atomic.Uint64, mask uint8, info accessInfo) bool {
	c := cell.Load()
	if c&cellFull == 0 {
		return false
	}
	r := recAt(uint32(c))
	w := r.w.Load()
	if r.r.Load() != sharedReads || w != 0 && !g.vc.covers(epoch(w&^epAtomic)) {
		return false
	}
	rv := r.rvc.Load()
	if rv == nil || int(g.slot) >= rv.n() || rv.mask[g.slot].Load() != uint32(mask) || rv.at(g.slot).Load()&epAtomic != 0 {
		return false
	}
	if g.sharedUpdates++; g.sharedUpdates%hotSampleEvery == 0 && rv.spreads() && rv.hot.Add(1) >= hotSamples {
		return false // the locked path spreads the vector (set)
	}
	rv.at(g.slot).Store(g.ep.clock())
	rv.info[g.slot].store(info)
	return cell.Load() == c && r.w.Load() == w && r.r.Load() == sharedReads && r.rvc.Load() == rv
}

// takeSpare returns the word's spare read vector emptied, or nil. Called
// with the word locked. A reader that loaded the vector before the write
// that made it spare may still store its epoch into it (readShared): that
// is a read of this word that did happen, so at worst it is kept longer.
func (s *wordState) takeSpare() *readVec {
	if s.rec == 0 {
		return nil
	}
	r := recAt(s.rec)
	rv := r.spare
	if rv == nil {
		return nil
	}
	r.spare = nil
	spread := rv.sclk != nil
	for i := range uint32(rv.n()) {
		// Most entries are empty already; an atomic store is a locked
		// instruction, too dear for all of them. A spread vector's
		// masks are emptied too, so that a write's scan skips the slots
		// not read since (a spread clock is a cache line of its own).
		if spread && rv.mask[i].Load() == 0 {
			continue
		}
		if c := rv.at(i); c.Load() != 0 {
			c.Store(0)
		}
		if spread {
			rv.mask[i].Store(0)
		}
	}
	return rv
}

// set records a read by slot s in the read vector rv (nil: a new one) and
// returns the vector, which is a new one if rv had no room for s (twice as
// long, so that readers arriving in increasing slot order do not copy the
// vector at each) or is hot (spread: see readVec).
func (rv *readVec) set(s uint32, clk uint64, mask uint8, info accessInfo, atom bool) *readVec {
	if rv == nil || int(s) >= rv.n() || rv.spreads() && rv.hot.Load() >= hotSamples {
		n, spread := int(s)+1, false
		if rv != nil {
			n = max(n, rv.n())
			if n > rv.n() {
				n = max(n, 2*rv.n())
			}
			spread = (rv.sclk != nil || rv.hot.Load() >= hotSamples) && n <= spreadMax
		}
		nv := &readVec{mask: make([]atomic.Uint32, n), info: make([]atomicInfo, n)}
		if spread {
			nv.sclk = make([]atomic.Uint64, n<<spreadShift)
		} else {
			nv.clk = make([]atomic.Uint64, n)
		}
		if rv != nil {
			for i := range uint32(rv.n()) {
				nv.at(i).Store(rv.at(i).Load())
				nv.mask[i].Store(rv.mask[i].Load())
				nv.info[i].store(rv.info[i].load())
			}
		}
		rv = nv
	}
	if old := rv.at(s).Load(); old&^epAtomic == clk {
		rv.mask[s].Store(rv.mask[s].Load() | uint32(mask))
		atom = atom && old&epAtomic != 0
	} else {
		rv.mask[s].Store(uint32(mask))
	}
	rv.at(s).Store(tag(epoch(clk), atom))
	rv.info[s].store(info)
	return rv
}

// writeSlow applies FastTrack's write rules: a write must follow the last
// write and every read since.
func writeSlow(g *gstate, addr uintptr, mask uint8, pc uintptr) {
	writeSlowA(g, addr, mask, pc, false)
}

// writeSlowA is writeSlow for a plain or an atomic write.
func writeSlowA(g *gstate, addr uintptr, mask uint8, pc uintptr, atomic bool) {
	if goid.OnStack(g.gp, addr) {
		return
	}
	if !atomic {
		prefetch(unsafe.Pointer(infoOf(infoTag(addr, true), g.ep))) // for recordCAS
	}
	if countSlow {
		slowPaths.Add(1)
	}
	cell := g.cell(addr)
	if gcForgets {
		p := g.page
		g.noteAt(p, addr, checkPage(p, addr))
	}
	info := accessInfo{goid: g.id, pc: g.userPC(pc), stk: g.stack()}
	if !atomic {
		// A first write's details go in with it, as a first read's.
		// Only then: the entry holds the last write's details, which the
		// locked path may need for a report.
		if firstAccess(cell, g.cw|uint64(mask), addr, true, g.ep, info) {
			return
		}
		if writeCompact(g, cell, mask, addr, info) {
			return
		}
	}
	if countSlow {
		lockedPaths.Add(1)
	}
	var rc race
	found := false
	l := lockOf(addr)
	lockWord(l)
	var s wordState
	s.load(cell.Load())
	if s.w != 0 && s.wMask&mask != 0 && !g.vc.covers(s.w) && !(atomic && s.wAtomic) {
		rc, found = race{addr: addr, write: true, prevWrite: true, prev: getInfo(addr, true, s.w)}, true
	}
	switch r := s.r; {
	case uint64(r) == sharedReads: // write shared: check every reader, then forget them
		if rv := recAt(s.rec).rvc.Load(); rv != nil {
			readers := 0
			for i := range uint32(rv.n()) {
				if rv.mask[i].Load() == 0 {
					continue // never read, or not since the vector was emptied (a clock is set with its mask)
				}
				c := rv.at(i).Load()
				ca := c&epAtomic != 0
				c &^= epAtomic
				if c != 0 {
					readers++
				}
				if !found && c != 0 && rv.mask[i].Load()&uint32(mask) != 0 && c > g.vc.get(i) && !(atomic && ca) {
					rc, found = race{addr: addr, write: true, prev: rv.info[i].load()}, true
				}
			}
			if rv.n() >= spareMin && readers >= 2 {
				s.spare = rv
			}
		}
		s.r, s.rMask = 0, 0
	case r != 0 && !found && s.rMask&mask != 0 && !g.vc.covers(r) && !(atomic && s.rAtomic): // write exclusive, racing read
		rc, found = race{addr: addr, write: true, prev: getInfo(addr, false, r)}, true
	case r != 0 && s.rMask&^mask == 0 && g.vc.covers(r):
		// The read happens before this write, which covers its bytes: any
		// later write that races with the read races with this write too,
		// so the read need not be kept (and the word stays compact).
		s.r, s.rMask, s.rAtomic = 0, 0, false
	}
	// A plain write and an atomic one in one epoch count as plain.
	s.wAtomic = atomic && (s.w != g.ep || s.wAtomic)
	s.w, s.wMask = g.ep, mask
	putInfo(addr, true, g.ep, info)
	s.store(cell, nil)
	unlockWord(l)
	if found {
		reportRace(g, rc, info)
	}
}

// armGCWatch arranges for sweepSyncVars to run after every garbage
// collection: a finalizer on an unreachable object runs once per cycle and
// re-arms.
func armGCWatch() {
	s := new(gcSentinel)
	runtime.SetFinalizer(s, func(*gcSentinel) {
		sweepSyncVars()
		armGCWatch()
	})
}

// gcSentinel holds a pointer so that it is not a tiny allocation (tiny
// objects share a block and their finalizers may never run).
type gcSentinel struct{ _ *int }

// hookAccess records an access that a sync hook makes on behalf of the
// operation it describes: a channel send (read) or close (write), an atomic
// load (atomic read) or store or read-modify-write (atomic write), a mutex's
// own word (atomic write). The report names the caller of the hook, or the
// caller of the instrumenter's helper that called it.
//
//go:noinline
func hookAccess(g *gstate, addr uintptr, write, atomic bool) {
	if addr == 0 {
		return
	}
	c := g.peek(addr)
	if writtenNow(g, c) || atomic && c&cellFull != 0 && recAt(uint32(c)).w.Load() == uint64(g.ep)|epAtomic {
		return // this epoch's write covers any access of the goroutine
	}
	if !write && (readNow(g, c) || atomic && c&cellFull != 0 && readAtomicNow(g, uint32(c))) {
		return
	}
	mask := uint8(1) << (addr & 7)
	if write {
		writeSlowA(g, addr, mask, hookPC(), atomic)
	} else {
		readSlowA(g, addr, mask, hookPC(), atomic)
	}
}

// readAtomicNow reports whether g made an atomic read of the word with
// record i in its current epoch.
func readAtomicNow(g *gstate, i uint32) bool {
	r := recAt(i)
	switch rr := r.r.Load(); rr {
	case uint64(g.ep) | epAtomic:
		return true
	case sharedReads:
		rv := r.rvc.Load()
		return rv != nil && int(g.slot) < rv.n() && rv.at(g.slot).Load() == g.ep.clock()|epAtomic
	}
	return false
}

// hookPC returns the pc an access made by a hook is reported at: the first
// frame above rt's own and above the instrumenter's helper that called rt,
// through the frame pointers where rt can walk them (framePCAbove), else
// through runtime.Callers.
//
//go:noinline
func hookPC() uintptr {
	if pc, ok := framePCAbove(); ok {
		return pc
	}
	// runtime.Callers, callerAboveHelper, hookPC, hookAccess, the hook
	return callerAboveHelper(5)
}

// callerAboveHelper returns the return address skip frames up (counted as
// runtime.Callers counts them, from runtime.Callers itself), or, when that
// is in one of the instrumenter's generated helpers (named __rt_...,
// inlined or not), the helper's caller's, which runtime.Callers gives in
// the same walk (for an inlined helper, the pseudo-pc of the function it
// was inlined into, which a report symbolizes as the user's line).
func callerAboveHelper(skip int) uintptr {
	var pcs [2]uintptr
	n := runtime.Callers(skip, pcs[:])
	if n == 2 {
		if c := pcClass(pcs[0]); c == pcHelper || c == pcInHelper {
			return pcs[1]
		}
	}
	return pcs[0]
}

// userPC is the pc an access is recorded at: pc itself, or, when pc is a
// return address in one of the instrumenter's helpers (a helper that hooks
// an operand where it is evaluated calls Read or ReadRange, which take
// their caller's pc), the helper's call site: the user's line, in the
// function whose frame the shadow call stack leaves to the access's pc.
// For a helper that was not inlined that is the return address above it.
// For one inlined, it is the pseudo-pc that
// runtime.Callers gives the inlining function's frame (a report
// symbolizes each pc on its own, and the return address alone names only
// the helper); it is the same for every access at pc, and remembered.
// Only slow paths ask; g remembers its last answer that depends on pc
// alone, and pcClass caches the class of pc.
func (g *gstate) userPC(pc uintptr) uintptr {
	if pc == 0 {
		return 0
	}
	if pc == g.upcIn {
		return g.upcOut
	}
	up := pc
	switch pcClass(pc) {
	case pcHelper:
		// Not inlined: the return address above it.
		if up, ok := framePCAbove(); ok {
			return up
		}
		return callersAfter(pc)
	case pcInHelper:
		if v, ok := inlinedCallers.Load(pc); ok {
			up = v.(uintptr)
		} else {
			up = callersAfter(pc)
			inlinedCallers.Store(pc, up)
		}
	}
	g.upcIn, g.upcOut = pc, up
	return up
}

// inlinedCallers maps a return address in a helper inlined into the
// user's function to that function's pseudo-pc (userPC).
var inlinedCallers sync.Map

// callersAfter returns the frame runtime.Callers lists after pc (pc
// itself if it is not on the stack).
func callersAfter(pc uintptr) uintptr {
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:])
	for i := 0; i+1 < n; i++ {
		if pcs[i] == pc {
			return pcs[i+1]
		}
	}
	return pc
}

// Classes of the function a return address is in (its outermost function,
// if the call was inlined): rt's own, an instrumenter helper, or the user's;
// pcInHelper is the user's with a helper inlined at the address.
const (
	pcUser = iota
	pcRT
	pcHelper
	pcInHelper
)

// pcClasses caches pcClass by return address: a program has few sync call
// sites and symbolising one costs microseconds. An entry is pc | (class+1)
// << 61; a colliding pc just recomputes.
var pcClasses [1 << 10]atomic.Uint64

// rtPrefix is the symbol prefix of rt's functions.
var rtPrefix = func() string {
	pc, _, _, _ := runtime.Caller(0)
	name := runtime.FuncForPC(pc).Name() // .../rt.init.func1 or .../rt.glob..func1
	i := strings.LastIndex(name, "/") + 1
	return name[:i+strings.Index(name[i:], ".")+1]
}()

// pcAbove returns the first of pcs (return addresses, innermost first)
// that is neither in rt nor in a helper that called rt: the user's code a
// hook reports an access at.
func pcAbove(pcs []uintptr) (uintptr, bool) {
	i := 0
	for i < len(pcs) && pcClass(pcs[i]) == pcRT {
		i++
	}
	if i < len(pcs) && pcClass(pcs[i]) == pcHelper {
		i++
	}
	if i < len(pcs) {
		return pcs[i], true
	}
	return 0, false
}

func pcClass(pc uintptr) uint8 {
	const pcBits = 1<<61 - 1
	h := uint64(pc) * 0x9E3779B97F4A7C15 >> (64 - 10)
	if e := pcClasses[h].Load(); e>>61 != 0 && e&pcBits == uint64(pc) {
		return uint8(e>>61) - 1
	}
	class := uint8(pcUser)
	if f := runtime.FuncForPC(pc - 1); f != nil {
		// The outermost function of an inlined call is the one whose
		// entry the innermost's Func carries.
		outer := f
		if o := runtime.FuncForPC(f.Entry()); o != nil {
			outer = o
		}
		name := outer.Name()
		file, _ := outer.FileLine(f.Entry())
		switch {
		case strings.Contains(name, ".__rt_"):
			class = pcHelper
		case strings.Contains(f.Name(), ".__rt_"):
			class = pcInHelper
		case strings.HasSuffix(file, "_test.go"):
			// rt's own tests call the hooks as user code does.
		case strings.HasPrefix(name, rtPrefix):
			class = pcRT
		}
	}
	if uint64(pc) <= pcBits {
		pcClasses[h].Store(uint64(pc) | uint64(class+1)<<61)
	}
	return class
}
