// Package rt is the runtime of raceinst: a pure-Go happens-before data race
// detector that instrumented programs call through small hooks. It needs no
// cgo and runs on every port Go supports; it imports only the standard
// library and rt/internal/... .
//
// # Hooks
//
// The instrumenter inserts calls; every hook is safe from any goroutine,
// does not allocate on its fast path, and works before main (a hook called
// during package initialisation registers its goroutine on the spot).
//
//	Read(addr), Write(addr)              one access, checked by its first byte
//	ReadRange(addr, n), WriteRange(...)  n bytes from addr
//	Alloc(addr, n)                       fresh memory: forget its history
//	FuncEnter(callerpc), FuncExit()      shadow call stack for reports
//	Acquire, Release, ReleaseMerge(addr) the primitive edges
//	Go() Token, Started(Token), Finished()  goroutine creation and end
//	TestBegin(t), TestEnd(t) bool        fail a test during which a race was found
//	Fini() int, Exit(code)               summary and exit status
//	Races() int                          races reported so far
//	IOWrite(), IORead()                  I/O as an edge (iosync.go)
//	HelperReadRange, HelperWriteRange    accesses std makes for the caller (reflect)
//
// and, in terms of the primitives, one group per sync kind of the Go
// memory model: MutexLock/MutexUnlock, LockerLock/LockerUnlock,
// RWMutexLock/RWMutexUnlock/RWMutexRLock/RWMutexRUnlock,
// ChanSend/ChanSendDone/ChanRecv/ChanRecvDone/ChanRecvDoneOK/ChanCancel/
// ChanClose/ChanBroadcast, WaitGroupAdd/WaitGroupDone/WaitGroupWaitStart/
// WaitGroupWait, OnceBodyDone/OnceDo, CondSignal/CondWait,
// AtomicLoad/AtomicStore/AtomicRMW. Each doc comment says whether the hook
// goes before or after the operation. Because a hook and its operation are
// not one atomic step, releases go before the operation and acquires after
// it, and the WaitGroup, Cond and atomic hooks release with merge: rt may
// then see an edge that did not occur in this run, which can hide a race
// but never reports a false one. A select calls the pre-operation hook of
// every case before it, and the case taken starts with its post-operation
// hook and ChanCancel for every other case.
//
// Some hooks also record the access the operation itself makes, as the
// runtime and std do under -race: a channel send reads the channel and
// close writes it; atomic loads are atomic reads, stores and
// read-modify-writes atomic writes; Lock and Unlock of a sync.Mutex or
// RWMutex are atomic writes of the mutex; an Add from zero reads a
// WaitGroup's semaphore word and the first Wait that blocks writes it
// (atomically, see waitgroup.go). Atomic accesses race with plain ones,
// never with each other (ThreadSanitizer's rule); a sync.Locker of unknown
// dynamic type, sync.Map and sync.Pool get only their edges.
//
// # Channels
//
// As Go's runtime tells ThreadSanitizer (runtime/chan.go): the k-th send
// happens before the k-th receive completes; the k-th receive happens
// before the (k+C)-th send on a channel of
// capacity C completes (C = 0: a hand-off orders both ways); close happens
// before a receive that returns because of it, and a receive that got a
// value does not acquire the close. rt learns C from ChanSendDone (the
// instrumenter passes cap(ch)) and cannot learn k, which the runtime
// assigns under the channel's lock between rt's hooks. It counts instead:
// each send or receive gets the bounds [lo, hi] on its rank that its hooks
// prove (lo: operations of its kind completed before it started; hi:
// operations of its kind started and not cancelled when it completed, less
// one), and acquires every operation of the other kind whose bounds meet
// its own (shifted by C for a send). Operations that do not overlap get
// exact ranks; concurrent ones of the same kind get wider windows and
// acquire every possible partner, which can hide a race but not report a
// false one. The residual risk is a channel on which code rt does not see
// (std, an uninstrumented package) sends while instrumented code also
// sends, or receives while instrumented code also receives: the runtime's
// ranks then run ahead of rt's counts, and a receive can miss the send it
// paired with, so a race can be reported that is not one. Channels only
// std sends on (time.Timer, signal.Notify) or only std receives from are
// not affected: rt pairs nothing there. A channel's state lives as long as
// the channel (a weak pointer tells a freed channel from a new one at the
// same address); completed records no later operation can pair with are
// dropped, and past 32 per side the oldest are merged into one clock that
// every later partner acquires.
//
// # Algorithm
//
// FastTrack (Flanagan and Freund, PLDI 2009). Each goroutine has a vector
// clock indexed by clock slot; its current epoch is (slot, own clock). Each
// 8-byte word of memory has a shadow cell: the epoch of the last write, and
// the epoch of the last read, which becomes a read vector clock when two
// reads are concurrent (read share) and turns back into nothing at the next
// write (write shared). The hot cases are a few loads and a compare:
//
//	write same epoch:        W == E(t)
//	read same epoch:         R == E(t)
//	read shared same epoch:  R is a vector and R[t] == clock(t)
//
// everything else takes the word's (striped) spin lock and applies the
// rules: a read races with the last write unless W happens before the
// reader; a write races with the last write and with the last read (or every
// read in the vector) unless they happen before the writer.
//
// A shadow cell is 8 bytes. It holds the common states itself (nothing; a
// write; a read; or a write and a read by the same epoch of the same bytes,
// with which bytes of the word they covered), and points to a 32-byte
// record for the rest (a write and a read by different epochs, or shared
// reads), which goes back to compact when it can. Memory that one goroutine
// touches costs one byte of shadow per byte (ThreadSanitizer: two). The
// goroutine, pc and interned shadow call stack of the last accesses, for
// reports, live in a fixed-size table keyed by word and epoch; when an entry
// was overwritten, the report names the goroutine in the slot and says
// "[failed to restore the stack]", as TSan does when its history runs out.
//
// The fast path of Read and Write is a direct-mapped cache from runtime.g to
// the goroutine's state (checked against the goroutine id, since a g is
// reused), the goroutine's last shadow page, one atomic load and a compare.
// On amd64 it is assembly (access_amd64.s) that reads runtime.g from TLS
// itself, so an access costs the instrumented code one call; elsewhere (and
// with -tags purego) it is Go that calls getg assembly. Shadow pages
// (4 KiB of memory each, pointer-free) are found through a lock-free
// open-addressing directory; there is no global lock on the access path.
// On Linux with transparent huge pages their cells are carved from
// mappings outside the Go heap that ask for huge pages (one page fault
// per 2 MiB of shadow, not per 4 KiB), with a never-touched heap object
// of the same total size so that collections are paced as if the cells
// were in the heap; elsewhere they are heap objects (cellmem.go).
//
// Sync objects live in a 256-way sharded table. Release (store) replaces
// the object's clock, ReleaseMerge joins into it, Acquire joins it into the
// goroutine's; a release then advances the goroutine's own clock. An
// object's clock is a shared, immutable copy of a releaser's vector clock
// (made once and reused while that goroutine's clock changes only in its own
// entry) plus up to three epochs; it becomes a vector of its own only when
// releases with different clocks are merged into it. So a million objects
// released by the same goroutines take a few dozen bytes each, whatever the
// number of clock slots.
//
// Goroutine identity comes from rt/internal/goid: per-arch getg assembly and
// the offset of goid in runtime.g computed from the toolchain's runtime
// sources, checked at start-up against runtime.Stack (with a slow, correct
// runtime.Stack path where that check fails and on wasm). The goroutine
// table is a lock-free hash of goid to state.
//
// # Clock slots
//
// Epochs are 53 bits: 20 bits of slot (so at most 1M goroutines known to rt
// alive at once) and 33 bits of clock. A goroutine whose slot's clock runs
// out (after 8.6e9 releases in that slot) moves to a fresh slot, and the
// exhausted one is never reused.
//
// There is no cap on goroutines over a program's life: a goroutine's slot
// is retired when it calls Finished, or, for goroutines that never do, when
// a liveness sweep (run as new goroutines register) finds from runtime.g
// that it has exited. A retired slot waits in a FIFO quarantine of 64 before
// reuse, and its next owner continues the slot's clock, so an old epoch in
// shadow memory is never mistaken for a newer one. The price is precision:
// the new owner, and whoever synchronises with it, counts as ordered after
// everything the slot's previous owners did, so a race between goroutines
// whose lifetimes are 64 goroutine exits apart can be missed. Memory stays
// proportional to the goroutines alive at once.
//
// # Goroutines rt did not see start
//
// A goroutine whose first hook is not Started (started by uninstrumented
// code, or the main goroutine) has no creation edge. So that data written
// before it started is never reported, it starts with every slot's latest
// clock: everything any goroutine did up to its first hook counts as
// happening before it. It still races with what other goroutines do after
// that (after their next release). This can hide races with accesses that
// happened, by chance, before the goroutine's first hook; it never reports
// a false one.
//
// # Memory reuse
//
// Memory the collector frees and the allocator hands out again would carry
// the old object's history. The instrumenter calls Alloc after every heap
// allocation of instrumented code (as the runtime calls racemalloc under
// -race), which forgets the new object's words at once (alloc.go). For the
// rest (objects allocated by uninstrumented code, slices), rt forgets the
// history of words whose object died. A slow path notes in the word's
// shadow page the heap object it accessed: its base (from the runtime's
// findObject, which also tells the heap from globals and stacks) and a
// weak pointer to it, made once per object (a per-goroutine cache keeps
// repeated slow paths on an object from asking again). The first read of
// a word with no history notes nothing, unless Alloc marked the word (an
// object instrumented code allocated, up to allocMarkMax bytes): it marks
// the word unnoted (a bit in its page). The first slow path in a page after a collection starts
// (the runtime empties a pointer rt registered with it at the start of
// every cycle, before anything the cycle frees can be reused) forgets each
// unnoted word and each word whose covering object (the noted one with the
// greatest base at or below it) was reclaimed or that no noted object
// covers; live noted objects keep their history across collections.
// Memory outside the Go heap (globals; mmap'd or C memory, which rt cannot
// tell from them) is never freed by the collector and keeps its history.
// Addresses inside the running goroutine's own stack are ignored
// (non-escaping variables cannot be shared; stacks move and are reused).
//
// # Reports and GORACE
//
// Reports use the format of Go's race detector ("WARNING: DATA RACE", the
// access and previous access with stacks, "Goroutine N (running|finished)
// created at:") and are written as they are found. At exit, Fini prints
// "Found N data race(s)" and returns the exit status. GORACE is read at
// start-up with Go's names and defaults:
//
//	log_path=P                  write to P.PID (or stdout/stderr); default stderr
//	exitcode=66                 exit status when races were found
//	strip_path_prefix=S         trim S from file names
//	halt_on_error=0             exit after the first report (raw write, raw exit)
//	atexit_sleep_ms=1000        wait this long at exit if other goroutines run
//	suppress_equal_stacks=1     one report per pair of access sites
//	suppress_equal_addresses=1  one report per word
//	history_size=1              accepted; rt keeps only the last write and reads
//
// Unknown names are reported on stderr at start-up
// ("==PID==WARNING: found 1 unrecognized flag(s):"); bad values too. Once a
// race has been reported, SIGINT and SIGTERM first print the summary (with
// signals blocked) and then kill the process with the same signal.
//
// # Not done yet
//
//   - No history beyond the last access per word (TSan keeps several), so a
//     report's previous access is the latest conflicting one, and races
//     hidden behind a later same-goroutine access are missed.
//   - The same-epoch fast paths ignore which bytes of the word are accessed;
//     a new byte touched in the same epoch is not checked (missed races only).
//   - Stacks come from FuncEnter/FuncExit; accesses in functions without
//     them show only the access line. FuncEnter(0) and the slow access path
//     call runtime.Callers for the pc, which costs ~100ns.
//   - A sync object's record is dropped after the collection that frees its
//     heap object (sweepSyncVars); records of globals and of memory
//     outside the Go heap stay (a few dozen bytes each when their clocks
//     are shared; see Algorithm).
//   - Report details of old accesses are overwritten in a fixed-size table
//     (64K entries): the previous access of a report about a word last
//     touched long ago may have no stack.
//   - Shadow memory, records and pages are never returned to the OS.
//   - A word whose only access before a collection was a first read
//     forgets that read at the collection (the first read notes no object,
//     so rt cannot tell whether its object survived): a write after the
//     collection that races with that read is missed. Words of objects
//     instrumented code allocated (new, &T{...}, escaping variables) are
//     the exception (Alloc marks them, and their first read notes the
//     object); memory from make, from std or from uninstrumented packages
//     is not marked. Noting every object
//     on its first read (a runtime weak handle each) cost a run that walks
//     a parsed tree a sixth of its time. Each heap object that a later
//     slow path reaches costs a weak handle (a special record and 16
//     bytes) and 16 bytes in its page's list while it lives. Memory that
//     is unmapped and mapped again keeps its history.
//   - 8-byte words: a 64-bit value that is not 8-byte aligned spans two words.
//   - No cgo, no mmap'ed memory hooks. Reports of an atomic access say
//     Read or Write, not "Atomic read"/"Atomic write".
//   - I/O is an edge only where the instrumenter calls IOWrite and IORead
//     (around the I/O calls of instrumented code; std's syscall package
//     under -race does it in every write and read system call): I/O made
//     by uninstrumented code orders nothing for rt.
package rt
