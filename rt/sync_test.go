package rt

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// Concurrency tests: real goroutines and real sync primitives, with the
// hooks placed where the instrumenter places them. Racy variants touch
// shared state only through hooks, so that Go's own race detector (go test
// -race) sees no race in this package.

const workers = 4

// each runs f(i) in workers goroutines created as instrumented code does,
// and waits for them without an edge rt can see.
func each(f func(i int)) {
	var waits []func()
	for i := range workers {
		waits = append(waits, spawn(func() { f(i) }))
	}
	for _, w := range waits {
		w()
	}
}

func TestMutex(t *testing.T) {
	var mu sync.Mutex
	x := heapWord()
	counter := 0
	wantRaces(t, 0, func() {
		each(func(int) {
			for range 50 {
				mu.Lock()
				MutexLock(addr(&mu))
				Read(x)
				Write(x)
				counter++
				MutexUnlock(addr(&mu))
				mu.Unlock()
			}
		})
	})
	if counter != workers*50 {
		t.Fatalf("counter = %d", counter)
	}
	y := heapWord()
	wantSomeRaces(t, func() {
		each(func(int) {
			mu.Lock() // locked, but the hooks are missing: rt sees no edge
			mu.Unlock()
			Read(y)
			Write(y)
		})
	})
}

func TestRWMutex(t *testing.T) {
	var rw sync.RWMutex
	x := heapWord()
	wantRaces(t, 0, func() {
		each(func(i int) {
			for range 20 {
				if i%2 == 0 {
					rw.Lock()
					RWMutexLock(addr(&rw))
					Write(x)
					RWMutexUnlock(addr(&rw))
					rw.Unlock()
				} else {
					rw.RLock()
					RWMutexRLock(addr(&rw))
					Read(x)
					RWMutexRUnlock(addr(&rw))
					rw.RUnlock()
				}
			}
		})
	})
	// Writing under a read lock races with another writer under a read lock.
	y := heapWord()
	wantSomeRaces(t, func() {
		each(func(int) {
			rw.RLock()
			RWMutexRLock(addr(&rw))
			Write(y)
			RWMutexRUnlock(addr(&rw))
			rw.RUnlock()
		})
	})
}

func TestChanUnbuffered(t *testing.T) {
	ch := make(chan int)
	c := chanPtr(ch)
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			ChanSend(c)
			ch <- 1
			ChanSendDone(c, 0)
		})
		ChanRecv(c)
		<-ch
		ChanRecvDone(c)
		Write(x) // after the receive: ordered
		w()
	})
	// The receive happens before the unbuffered send completes.
	y := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			ChanSend(c)
			ch <- 1
			ChanSendDone(c, 0)
			Write(y)
		})
		Write(y)
		ChanRecv(c)
		<-ch
		ChanRecvDone(c)
		w()
	})
	z := heapWord()
	wantRaces(t, 1, func() {
		w := spawn(func() {
			ChanSend(c)
			ch <- 1
			ChanSendDone(c, 0)
			Write(z) // after the send: not ordered with the receiver's write
		})
		ChanRecv(c)
		<-ch
		ChanRecvDone(c)
		w()
		Write(z)
	})
}

func TestChanBuffered(t *testing.T) {
	const capacity = 3
	ch := make(chan int, capacity)
	c := chanPtr(ch)
	xs := make([]uintptr, 10)
	for i := range xs {
		xs[i] = heapWord()
	}
	// Producer writes then sends; consumer receives then reads.
	wantRaces(t, 0, func() {
		w := spawn(func() {
			for i := range xs {
				Write(xs[i])
				ChanSend(c)
				ch <- i
				ChanSendDone(c, capacity)
			}
		})
		for range xs {
			ChanRecv(c)
			i := <-ch
			ChanRecvDone(c)
			Read(xs[i])
		}
		w()
	})
	// A buffered channel as a semaphore: the k-th receive happens before
	// the (k+C)-th send completes.
	sem := make(chan struct{}, 1)
	s := chanPtr(sem)
	x := heapWord()
	wantRaces(t, 0, func() {
		each(func(int) {
			ChanSend(s)
			sem <- struct{}{}
			ChanSendDone(s, 1)
			Write(x)
			ChanRecv(s)
			<-sem
			ChanRecvDone(s)
		})
	})
	// A value written after the send is not ordered with the receiver.
	y := heapWord()
	wantRaces(t, 1, func() {
		w := spawn(func() {
			ChanSend(c)
			ch <- 0
			ChanSendDone(c, capacity)
			Write(y)
		})
		w()
		ChanRecv(c)
		<-ch
		ChanRecvDone(c)
		Read(y)
	})
}

func TestChanClose(t *testing.T) {
	ch := make(chan int)
	c := chanPtr(ch)
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			ChanClose(c)
			close(ch)
		})
		ChanRecv(c)
		_, ok := <-ch
		ChanRecvDone(c)
		if ok {
			t.Error("receive from closed channel got a value")
		}
		Read(x)
		w()
	})
	y := heapWord()
	wantRaces(t, 1, func() {
		ch := make(chan int)
		c := chanPtr(ch)
		w := spawn(func() {
			ChanClose(c)
			close(ch)
			Write(y) // after the close
		})
		ChanRecv(c)
		<-ch
		ChanRecvDone(c)
		w()
		Read(y)
	})
}

func TestSelect(t *testing.T) {
	a, b := make(chan int), make(chan int)
	ca, cb := chanPtr(a), chanPtr(b)
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			ChanSend(cb)
			b <- 1
			ChanSendDone(cb, 0)
		})
		// Before a select: the pre-operation hook of every case.
		ChanRecv(ca)
		ChanRecv(cb)
		select {
		case <-a:
			ChanRecvDone(ca)
			ChanCancel(cb)
		case <-b:
			ChanRecvDone(cb)
			ChanCancel(ca)
		}
		Read(x)
		w()
	})
}

func TestWaitGroup(t *testing.T) {
	var wg sync.WaitGroup
	xs := [workers]uintptr{}
	for i := range xs {
		xs[i] = heapWord()
	}
	wantRaces(t, 0, func() {
		for i := range workers {
			wg.Add(1)
			spawn(func() {
				Write(xs[i])
				WaitGroupDone(addr(&wg))
				wg.Done()
			})
		}
		wg.Wait()
		WaitGroupWait(addr(&wg))
		for _, x := range xs {
			Read(x)
		}
	})
	y := heapWord()
	wantRaces(t, 1, func() {
		wg.Add(1)
		w := spawn(func() {
			WaitGroupDone(addr(&wg))
			wg.Done()
			Write(y) // after Done
		})
		wg.Wait()
		WaitGroupWait(addr(&wg))
		w()
		Read(y)
	})
}

func TestOnce(t *testing.T) {
	var once sync.Once
	x := heapWord()
	wantRaces(t, 0, func() {
		each(func(int) {
			once.Do(func() {
				Write(x)
				OnceBodyDone(addr(&once))
			})
			OnceDo(addr(&once))
			Read(x)
		})
	})
	var once2 sync.Once
	y := heapWord()
	wantSomeRaces(t, func() {
		each(func(int) {
			once2.Do(func() { Write(y) }) // no hooks: no edge
			Read(y)
		})
	})
}

func TestCond(t *testing.T) {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	m, c := addr(&mu), addr(cond)
	ready := false
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			mu.Lock()
			MutexLock(m)
			ready = true
			CondSignal(c)
			cond.Signal()
			MutexUnlock(m)
			mu.Unlock()
		})
		mu.Lock()
		MutexLock(m)
		for !ready {
			MutexUnlock(m)
			cond.Wait()
			MutexLock(m)
			CondWait(c)
		}
		MutexUnlock(m)
		mu.Unlock()
		Read(x)
		w()
	})
}

func TestAtomics(t *testing.T) {
	var flag atomic.Int32
	f := addr(&flag)
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			AtomicStore(f)
			flag.Store(1)
		})
		for flag.Load() == 0 {
		}
		AtomicLoad(f)
		Read(x)
		w()
	})
	// A counter with Add: each Add is a store before and a load after.
	var n atomic.Int64
	na := addr(&n)
	ys := [workers]uintptr{}
	for i := range ys {
		ys[i] = heapWord()
	}
	wantRaces(t, 0, func() {
		each(func(i int) {
			Write(ys[i])
			AtomicStore(na)
			n.Add(1)
			AtomicLoad(na)
		})
		for n.Load() != workers {
		}
		AtomicLoad(na)
		for _, y := range ys {
			Read(y)
		}
	})
	z := heapWord()
	wantSomeRaces(t, func() {
		each(func(int) {
			n.Add(1) // atomic, but the variable z is plain
			Write(z)
		})
	})
}

func TestGoroutineStart(t *testing.T) {
	x := heapWord()
	wantRaces(t, 0, func() {
		Write(x)
		run(func() { Write(x) }) // the go statement orders them
	})
	y := heapWord()
	wantRaces(t, 1, func() {
		w := spawn(func() { Write(y) })
		Write(y) // after the go statement: concurrent
		w()
	})
}

// TestUninstrumentedGoroutine checks the policy for goroutines created by
// code rt did not see: they start after everything done so far.
func TestUninstrumentedGoroutine(t *testing.T) {
	x := heapWord()
	wantRaces(t, 0, func() {
		Write(x)
		done := make(chan struct{})
		go func() { Write(x); close(done) }() // no Go/Started
		<-done
	})
	// It still races with what happens after it started.
	y := heapWord()
	wantRaces(t, 1, func() {
		started, done := make(chan struct{}), make(chan struct{})
		go func() {
			Read(y) // first hook: joins everything up to now
			close(started)
			<-done
		}()
		<-started
		Release(heapWord()) // a new epoch, after the goroutine's first hook
		Write(y)
		close(done)
	})
}

func TestManyGoroutinesRecycleSlots(t *testing.T) {
	before := nslots
	for range 20 {
		each(func(int) {
			Write(heapWord())
		})
	}
	if grew := nslots - before; grew > slotQuarantine+4*workers {
		t.Errorf("slots grew by %d for %d goroutines run %d at a time; want reuse", grew, 20*workers, workers)
	}
	// Goroutines that never call Finished are found by the liveness sweep.
	if !goidFast() {
		t.Skip("no fast goroutine identity: no sweep")
	}
	for range 600 {
		done := make(chan struct{})
		go func() { Write(heapWord()); close(done) }()
		<-done
	}
	gmu.Lock()
	sweepLocked()
	n := live
	gmu.Unlock()
	if n > 50 {
		t.Errorf("%d goroutines still registered after 600 exited without Finished", n)
	}
}

func TestTestBeginEnd(t *testing.T) {
	ft := &fakeT{name: "TestX"}
	TestBegin(ft)
	if !TestEnd(ft) || ft.failed != "" {
		t.Errorf("race-free test failed: %q", ft.failed)
	}
	x := heapWord()
	TestBegin(ft)
	run(func() { Write(x) })
	run(func() { Write(x) })
	if TestEnd(ft) || ft.failed != "race detected during execution of test" {
		t.Errorf("racy test: TestEnd message %q", ft.failed)
	}
}

type fakeT struct{ name, failed string }

func (f *fakeT) Name() string                   { return f.name }
func (f *fakeT) Errorf(format string, _ ...any) { f.failed = format }
func (f *fakeT) Helper()                        {}

func TestHooksDoNotAllocate(t *testing.T) {
	x := heapWord()
	Write(x)
	Read(x)
	n := testing.AllocsPerRun(1000, func() {
		Read(x)
		Write(x)
		ReadRange(x, 16)
		WriteRange(x, 16)
	})
	if n != 0 {
		t.Errorf("same-epoch accesses allocate %v times", n)
	}
	l := heapWord()
	Release(l)
	Acquire(l)
	n = testing.AllocsPerRun(1000, func() {
		Release(l)
		Acquire(l)
		Write(x) // a new epoch each time: the slow path, same stack
	})
	if n != 0 {
		t.Errorf("release/acquire/new-epoch write allocate %v times", n)
	}
}

// TestAcquireCache checks acquire's fast path: acquiring an object again
// with no release on it since skips the shard lock, and a release in
// between is still acquired.
func TestAcquireCache(t *testing.T) {
	x, l := heapWord(), heapWord()
	wantRaces(t, 0, func() {
		run(func() { Write(x); Release(l) })
		Acquire(l)
		Acquire(l) // nothing new: the cached version
		Read(x)
		run(func() { Write(x); Release(l) }) // a new release on l
		Acquire(l)
		Read(x)
	})
	y := heapWord()
	wantRaces(t, 1, func() {
		Acquire(l)
		run(func() { Write(y) }) // no release: not ordered
		Acquire(l)
		Read(y)
	})
}

// TestAcquireCacheEdgesOfOneObject: an RWMutex's Lock acquires both its
// edges (the last Unlock, the readers), which keep an entry each in the
// acquire cache: sharing one, the readers' edge evicted the other, and
// Unlock's release found no sign that the writer holds the clock it
// replaces (see syncVar.breaks).
func TestAcquireCacheEdgesOfOneObject(t *testing.T) {
	g := cur()
	for i := range 64 {
		a := heapWord() + uintptr(i)*8
		main, readers := g.acqEntry(syncKey{a, subMain}), g.acqEntry(syncKey{a, subReader})
		if main == readers {
			t.Fatalf("the two edges of the RWMutex at %#x share entry %d of the acquire cache", a, (uintptr(unsafe.Pointer(main))-uintptr(unsafe.Pointer(&g.acq[0])))/unsafe.Sizeof(g.acq[0]))
		}
	}
}

// runFinalizer makes the runtime run f as a finalizer, the way an
// instrumented finalizer runs (FuncEnter first), and waits for it.
func runFinalizer(t *testing.T, f func()) {
	t.Helper()
	done := make(chan bool)
	func() {
		obj := new([16]byte)
		runtime.SetFinalizer(obj, func(*[16]byte) {
			FuncEnter(0)
			f()
			FuncExit()
			done <- true
		})
	}()
	for i := 0; ; i++ {
		runtime.GC()
		select {
		case <-done:
			return
		case <-time.After(10 * time.Millisecond):
		}
		if i == 500 {
			t.Fatal("the finalizer did not run")
		}
	}
}

// TestFinalizerEdge checks that a finalizer starts after everything done
// before it was queued, as -race's finalizer goroutine does: the runtime
// runs all finalizers on one goroutine, which rt registers (with the clocks
// of that moment) at the first one.
func TestFinalizerEdge(t *testing.T) {
	for round := range 3 {
		x := heapWord()
		Release(heapWord()) // a new epoch for main in every round
		Write(x)            // before the finalizer is queued
		if got := racesIn(func() { runFinalizer(t, func() { Write(x) }) }); got != 0 {
			t.Errorf("round %d: %d races between a write and a finalizer queued after it", round, got)
		}
	}
}

// TestFinalizerNewEpoch checks that each finalizer has an epoch of its
// own: a goroutine rt did not see start, which began with every slot's
// latest clock before the finalizer ran, races with it.
func TestFinalizerNewEpoch(t *testing.T) {
	runFinalizer(t, func() {}) // the finalizer goroutine is known to rt
	x := heapWord()
	ready, wrote := make(chan bool), make(chan bool)
	var got int64
	go func() { // no Go/Started: registered with every slot's latest clock
		Read(heapWord())
		ready <- true
		<-wrote // no edge rt sees
		got = racesIn(func() { Write(x) })
		ready <- true
	}()
	<-ready
	runFinalizer(t, func() { Write(x) })
	wrote <- true
	<-ready
	if got != 1 {
		t.Errorf("%d races between a finalizer and a goroutine not ordered with it, want 1", got)
	}
}

// TestContendedOneP runs many goroutines on one RWMutex-guarded word, the
// pattern of test/fixedbugs/issue79186.go, with GOMAXPROCS 1 and 2: rt's
// locks are held pinned to the thread, so a holder that blocked or yielded
// (or a waiter that yielded while pinned) would hang or crash the runtime
// ("schedule: holding locks"). Every write is ordered, so no race.
func TestContendedOneP(t *testing.T) {
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var rw sync.RWMutex
		x, y := heapWord(), heapWord()
		wantRaces(t, 0, func() {
			var waits []func()
			for i := range 64 {
				waits = append(waits, spawn(func() {
					for j := range 300 {
						if (i+j)%8 == 0 {
							rw.Lock()
							RWMutexLock(addr(&rw))
							Write(x)
							Write(y + uintptr(j%8))
							RWMutexUnlock(addr(&rw))
							rw.Unlock()
						} else {
							rw.RLock()
							RWMutexRLock(addr(&rw))
							Read(x)
							Read(y + uintptr(j%8))
							RWMutexRUnlock(addr(&rw))
							rw.RUnlock()
						}
					}
				}))
			}
			for _, w := range waits {
				w()
			}
		})
		runtime.GOMAXPROCS(prev)
	}
}

// A goroutine's end allocates nothing: programs count mallocs around code
// while goroutines they started earlier finish ($GOROOT/test/closure.go
// failed 1 run in 120 when rt's Finished grew a slice). Mallocs counts the
// whole process, so a goroutine an earlier test left behind may allocate
// in a window: an attempt that saw none passes (the slice grew at the same
// points in every attempt).
func TestFinishedAllocatesNothing(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	gmu.Lock()
	saved := freeSlots // slots waiting now are not reused after the test
	gmu.Unlock()
	defer func() {
		gmu.Lock()
		for saved.n > 0 {
			freeSlots.push(saved.pop())
		}
		gmu.Unlock()
	}()
	var total uint64
	for range 3 {
		gmu.Lock()
		freeSlots = slotQueue{buf: freeSlotsBuf[:]}
		gmu.Unlock()
		total = 0
		for range 2 * slotQuarantine {
			tok := Go()
			done := make(chan uint64)
			go func() {
				Started(tok)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				Finished()
				runtime.ReadMemStats(&after)
				done <- after.Mallocs - before.Mallocs
			}()
			total += <-done
		}
		if total == 0 {
			return
		}
	}
	t.Errorf("Finished allocated %d times in %d goroutines; want 0", total, 2*slotQuarantine)
}

func TestSlotQueue(t *testing.T) {
	q := slotQueue{buf: make([]uint32, 4)}
	next, want := uint32(0), uint32(0)
	// Pushes outrun pops, so the ring wraps around and then grows twice.
	for range 40 {
		for range 2 {
			q.push(next)
			next++
		}
		if got := q.pop(); got != want {
			t.Fatalf("pop = %d, want %d (FIFO)", got, want)
		}
		want++
	}
	if q.n != int(next-want) || len(q.buf) < q.n {
		t.Fatalf("n = %d, len(buf) = %d; want n = %d", q.n, len(q.buf), next-want)
	}
	for q.n > 0 {
		if got := q.pop(); got != want {
			t.Fatalf("pop = %d, want %d (FIFO)", got, want)
		}
		want++
	}
}
