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
//
// and, in terms of the primitives, one pair per sync kind of the Go memory
// model: MutexLock/MutexUnlock, RWMutexLock/RWMutexUnlock/RWMutexRLock/
// RWMutexRUnlock, ChanSend/ChanSendDone/ChanRecv/ChanRecvDone/ChanClose,
// WaitGroupDone/WaitGroupWait, OnceBodyDone/OnceDo, CondSignal/CondWait,
// AtomicLoad/AtomicStore. Each doc comment says whether the hook goes before
// or after the operation. Because a hook and its operation are not one
// atomic step, releases go before the operation and acquires after it, and
// the channel, WaitGroup, Cond and atomic hooks release with merge: rt may
// then see an edge that did not occur in this run (a receive is ordered
// after every send that had started, not only the one it received from),
// which can hide a race but never reports a false one. A select calls the
// pre-operation hook of every case before it and the post-operation hook of
// the case taken.
//
// # Algorithm
//
// FastTrack (Flanagan and Freund, PLDI 2009). Each goroutine has a vector
// clock indexed by clock slot; its current epoch is (slot, own clock). Each
// 8-byte word of memory has a shadow word: the epoch of the last write, and
// the epoch of the last read, which becomes a read vector clock when two
// reads are concurrent (read share) and turns back into nothing at the next
// write (write shared). The hot cases are a few loads and a compare:
//
//	write same epoch:        W == E(t)
//	read same epoch:         R == E(t)
//	read shared same epoch:  R is a vector and R[t] == clock(t)
//
// everything else takes the word's spin lock and applies the rules: a read
// races with the last write unless W happens before the reader; a write races
// with the last write and with the last read (or every read in the vector)
// unless they happen before the writer. Shadow words also keep which bytes
// each access covered (so neighbouring fields do not race) and, for reports,
// the goroutine, the pc and the interned shadow call stack of the last write
// and read. Shadow pages (4 KiB of memory each) are found through a
// lock-free open-addressing directory and a per-goroutine last-page cache;
// there is no global lock on the access path. Sync objects live in a
// 256-way sharded table of vector clocks. Release (store) replaces the
// object's clock, ReleaseMerge joins into it, Acquire joins it into the
// goroutine's; a release then advances the goroutine's own clock.
//
// Goroutine identity comes from rt/internal/goid: per-arch getg assembly and
// the offset of goid in runtime.g computed from the toolchain's runtime
// sources, checked at start-up against runtime.Stack (with a slow, correct
// runtime.Stack path where that check fails and on wasm). The goroutine
// table is a lock-free hash of goid to state.
//
// # Clock slots
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
// rt has no allocator hooks. Memory the collector frees and the allocator
// hands out again would carry the old object's history; rt forgets a word's
// history when a garbage collection has happened since its last update
// (counted by a finalizer that re-arms itself), and the instrumenter can
// call Alloc for fresh objects. Addresses inside the running goroutine's own
// stack are ignored (non-escaping variables cannot be shared; stacks move
// and are reused).
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
//   - Sync objects are never freed (no free hook): memory grows with the
//     number of distinct sync addresses.
//   - The garbage-collection rule is a heuristic with a window (the finalizer
//     runs after the collection that freed the memory), and it drops real
//     races whose accesses are a collection apart.
//   - 8-byte words: a 64-bit value that is not 8-byte aligned spans two words.
//   - No cgo, no mmap'ed memory hooks, no "atomic/plain mixed" diagnosis.
package rt
