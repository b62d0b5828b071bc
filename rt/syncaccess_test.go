package rt

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The accesses sync hooks make on behalf of their operation: atomics as
// atomic accesses, a mutex's word, a WaitGroup's semaphore word.

func TestAtomicAccesses(t *testing.T) {
	var n atomic.Int64
	a := addr(&n)
	// Atomic vs atomic: never a race.
	wantRaces(t, 0, func() {
		each(func(int) {
			for range 10 {
				AtomicRMW(a)
				n.Add(1)
				Acquire(a)
				n.Load()
				AtomicLoad(a)
			}
		})
	})
	// Atomic store vs plain read (TestRaceAtomicStoreLoad), plain write vs
	// atomic load, atomic add vs plain read.
	for _, tc := range []struct {
		name string
		a, b func(uintptr)
	}{
		{"store/plain read", func(p uintptr) { AtomicStore(p) }, Read},
		{"plain read/store", Read, func(p uintptr) { AtomicStore(p) }},
		{"plain write/load", Write, AtomicLoad},
		{"load/plain write", AtomicLoad, Write},
		{"add/plain read", AtomicRMW, Read},
		{"add/plain write", AtomicRMW, Write},
	} {
		x := heapWord()
		if got := racesIn(func() {
			run(func() { tc.a(x) })
			tc.b(x)
		}); got != 1 {
			t.Errorf("%s: %d races, want 1", tc.name, got)
		}
	}
	// Same goroutine, mixed: nothing.
	y := heapWord()
	wantRaces(t, 0, func() {
		AtomicStore(y)
		Write(y)
		Read(y)
		AtomicLoad(y)
		AtomicRMW(y)
		Read(y)
	})
	// A plain write after an atomic one in the same epoch counts as plain:
	// it races with another goroutine's atomic access.
	z := heapWord()
	wantRaces(t, 1, func() {
		run(func() { AtomicStore(z); Write(z) })
		AtomicLoad(z)
	})
	// Ordered through the atomic's own edge: no race.
	p := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Write(p); AtomicStore(p) })
		AtomicLoad(p)
	})
}

func TestMutexWord(t *testing.T) {
	var mu sync.Mutex
	m := addr(&mu)
	// Overwriting a mutex races with a Lock not ordered with it
	// (TestRaceMutexOverwrite).
	wantRaces(t, 1, func() {
		run(func() { WriteRange(m, 8) })
		mu.Lock()
		MutexLock(m)
		MutexUnlock(m)
		mu.Unlock()
	})
	// Locks of the same mutex by many goroutines: atomic, no race.
	var mu2 sync.Mutex
	m2 := addr(&mu2)
	wantRaces(t, 0, func() {
		each(func(int) {
			for range 20 {
				mu2.Lock()
				MutexLock(m2)
				MutexUnlock(m2)
				mu2.Unlock()
			}
		})
	})
}

func TestWaitGroupAddAccess(t *testing.T) {
	if !wgOK {
		t.Skip("sync.WaitGroup's layout is not the known one")
	}
	// Add from zero in the goroutines, Wait not ordered after it
	// (TestRaceWaitGroupWrongAdd).
	var wg sync.WaitGroup
	w := addr(&wg)
	release := make(chan struct{})
	wantRaces(t, 1, func() {
		added := make(chan struct{})
		var waits []func()
		for range 2 {
			waits = append(waits, spawn(func() {
				WaitGroupAdd(w, 1)
				wg.Add(1)
				added <- struct{}{}
				<-release
				WaitGroupDone(w)
				wg.Done()
			}))
		}
		<-added
		<-added
		WaitGroupWaitStart(w)
		time.AfterFunc(10*time.Millisecond, func() { close(release) })
		wg.Wait()
		WaitGroupWait(w)
		for _, wt := range waits {
			wt()
		}
	})
	// Add before the go statements: no race, also with several waiters
	// that each see no waiter before them.
	var wg2 sync.WaitGroup
	w2 := addr(&wg2)
	wantRaces(t, 0, func() {
		WaitGroupAdd(w2, workers)
		wg2.Add(workers)
		var waiters []func()
		for range 3 {
			waiters = append(waiters, spawn(func() {
				WaitGroupWaitStart(w2)
				wg2.Wait()
				WaitGroupWait(w2)
			}))
		}
		each(func(int) {
			WaitGroupDone(w2)
			wg2.Done()
		})
		for _, wt := range waiters {
			wt()
		}
	})
}
