// Package rtbench measures the hook costs of package rt.
package rtbench

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/raceinst/raceinst/rt"
)

var sink []uint64

func heap(n int) uintptr {
	sink = make([]uint64, n)
	return uintptr(unsafe.Pointer(&sink[0]))
}

func perAccess(b *testing.B, accesses int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(accesses), "ns/access")
}

// BenchmarkReadSameEpoch: the same goroutine reads the same words with no
// synchronisation in between: the fast path.
func BenchmarkReadSameEpoch(b *testing.B) {
	a := heap(64)
	for i := range 64 {
		rt.Read(a + uintptr(i)*8)
	}
	b.ResetTimer()
	for i := range b.N {
		rt.Read(a + uintptr(i&63)*8)
	}
	perAccess(b, b.N)
}

func BenchmarkWriteSameEpoch(b *testing.B) {
	a := heap(64)
	for i := range 64 {
		rt.Write(a + uintptr(i)*8)
	}
	b.ResetTimer()
	for i := range b.N {
		rt.Write(a + uintptr(i&63)*8)
	}
	perAccess(b, b.N)
}

// BenchmarkWriteNewEpoch: a release before every write, so every write
// takes the slow path (lock, FastTrack rules, stack capture).
func BenchmarkWriteNewEpoch(b *testing.B) {
	a, l := heap(1), heap(1)
	cpu0 := cpuTime()
	for range b.N {
		rt.Release(l)
		rt.Write(a)
	}
	perAccess(b, b.N)
	cpuPerAccess(b, cpu0, b.N)
}

// BenchmarkWriteNewEpochObjects: as BenchmarkWriteNewEpoch, over 256
// objects in turn: more than a goroutine's cache of the objects it noted
// for the garbage-collection rule holds.
func BenchmarkWriteNewEpochObjects(b *testing.B) {
	const n = 256
	objs := make([]*[4]uint64, n)
	for i := range objs {
		objs[i] = new([4]uint64)
	}
	l := heap(1)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		rt.Release(l)
		rt.Write(uintptr(unsafe.Pointer(objs[i%n])))
	}
	perAccess(b, b.N)
	cpuPerAccess(b, cpu0, b.N)
	runtime.KeepAlive(objs)
}

// BenchmarkWriteNewObject: every write is the first to a new heap object
// (4096 of them live at a time): the slow path, and for the
// garbage-collection rule a weak pointer per object.
func BenchmarkWriteNewObject(b *testing.B) {
	objs := make([]*[4]uint64, 4096)
	cpu0 := cpuTime()
	for i := range b.N {
		p := new([4]uint64)
		objs[i%len(objs)] = p
		rt.Write(uintptr(unsafe.Pointer(p)))
	}
	perAccess(b, b.N)
	cpuPerAccess(b, cpu0, b.N)
	runtime.KeepAlive(objs)
}

// BenchmarkReadNewObject: each word of a new heap object, allocated by
// code rt does not see (no Alloc: a parser in an uninstrumented package),
// is read once, as instrumented code walking a parsed tree does: every
// read is a word's first, the slow path without the word lock.
func BenchmarkReadNewObject(b *testing.B) {
	objs := make([]*[4]uint64, 4096)
	cpu0 := cpuTime()
	for i := range b.N / 4 {
		p := new([4]uint64)
		objs[i%len(objs)] = p
		a := uintptr(unsafe.Pointer(p))
		rt.Read(a)
		rt.Read(a + 8)
		rt.Read(a + 16)
		rt.Read(a + 24)
	}
	perAccess(b, b.N)
	cpuPerAccess(b, cpu0, b.N)
	runtime.KeepAlive(objs)
}

// BenchmarkSharedRead: several goroutines read the same words after a sync:
// read-share once per word, then read-shared-same-epoch.
func BenchmarkSharedRead(b *testing.B) {
	const readers, words = 4, 256
	a, l := heap(words), heap(1)
	for i := range words {
		rt.Write(a + uintptr(i)*8)
	}
	rt.Release(l)
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/readers + 1
	for range readers {
		tok := rt.Go()
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt.Started(tok)
			rt.Acquire(l)
			for i := range per {
				rt.Read(a + uintptr(i%words)*8)
			}
			rt.Finished()
		}()
	}
	wg.Wait()
	perAccess(b, per*readers)
}

// BenchmarkReadRange: 1 KiB ranges in the same epoch.
func BenchmarkReadRange(b *testing.B) {
	a := heap(128)
	rt.ReadRange(a, 1024)
	b.ResetTimer()
	for range b.N {
		rt.ReadRange(a, 1024)
	}
	perAccess(b, b.N*128)
}

// churn creates, starts and finishes n goroutines through the hooks, 64
// alive at a time, each writing one word of its own.
func churn(n int) {
	a := heap(n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		tok := rt.Go()
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			rt.Started(tok)
			rt.Write(a + uintptr(i)*8)
			rt.Finished()
			<-sem
			wg.Done()
		}()
	}
	wg.Wait()
}

// BenchmarkGoroutineChurn: 100k goroutines created, started and finished
// through the hooks, each writing one word of its own.
func BenchmarkGoroutineChurn(b *testing.B) {
	const n = 100_000
	cpu0 := cpuTime()
	for range b.N {
		churn(n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/goroutine")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/goroutine")
}

// keepObjs keeps the memory whose addresses name sync objects alive, so
// that every run of a sync-object benchmark uses new objects.
var keepObjs [][]uint64

// syncObjects releases and acquires n distinct sync objects once each and
// reports the time and the heap growth per object.
func syncObjects(b *testing.B, n int) {
	var before, after runtime.MemStats
	objs := make([][]uint64, b.N)
	for i := range objs {
		objs[i] = make([]uint64, n)
	}
	keepObjs = append(keepObjs, objs...)
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		a := uintptr(unsafe.Pointer(&objs[i][0]))
		for j := range n {
			rt.ReleaseMerge(a + uintptr(j)*8)
			rt.Acquire(a + uintptr(j)*8)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/object")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N*n), "heapB/object")
}

// BenchmarkSyncObjects: release and acquire on 1M distinct sync addresses.
func BenchmarkSyncObjects(b *testing.B) { syncObjects(b, 1_000_000) }

// BenchmarkSyncObjectsAfterChurn: 1M sync objects by a goroutine that
// starts after 1k, 10k or 100k goroutines came and went (and so, as a
// goroutine rt did not see created, inherits a clock entry for every slot
// they used). Time and memory per object should not grow with the churn.
func BenchmarkSyncObjectsAfterChurn(b *testing.B) {
	for _, c := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("churned=%d", c), func(b *testing.B) {
			churn(c)
			done := make(chan struct{})
			go func() { // a goroutine registered after the churn
				defer close(done)
				syncObjects(b, 1_000_000)
			}()
			<-done
		})
	}
}

// Plain loops, for compare.sh: the same loop with the hooks
// (BenchmarkLoopHooks) and uninstrumented (BenchmarkLoopPlain; run with
// -race it shows ThreadSanitizer's cost for the same accesses).
var loopData = make([]uint64, 1024)

func BenchmarkLoopPlain(b *testing.B) {
	d := loopData
	cpu0 := cpuTime()
	for range b.N {
		for i := range d {
			d[i]++
		}
	}
	perAccess(b, b.N*len(d)*2)
	cpuPerAccess(b, cpu0, b.N*len(d)*2)
}

func BenchmarkLoopHooks(b *testing.B) {
	d := loopData
	cpu0 := cpuTime()
	for range b.N {
		for i := range d {
			p := uintptr(unsafe.Pointer(&d[i]))
			rt.Read(p)
			rt.Write(p)
			d[i]++
		}
	}
	perAccess(b, b.N*len(d)*2)
	cpuPerAccess(b, cpu0, b.N*len(d)*2)
}

// cpuPerAccess reports the process's CPU time since cpu0 per access
// ("cpu-ns/access"): on a machine shared with other jobs it moves far less
// than wall time, which counts the time the benchmark waited for a core.
func cpuPerAccess(b *testing.B, cpu0 time.Duration, accesses int) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(accesses), "cpu-ns/access")
}

// Shared reads, for compare.sh: 4 goroutines read the same 1024 words (no
// writes while they run). Run with -race, BenchmarkSharedLoopPlain shows
// ThreadSanitizer's cost of a read of a word other goroutines read too;
// BenchmarkSharedLoopHooks is the same loop calling rt.Read, after which
// every word is read-shared.
const sharedReaders = 4

var sharedData = make([]uint64, 1024)

var sharedSink [sharedReaders]uint64

// inGoroutines runs work(g) in n goroutines (started as instrumented code
// starts them when hooks is set), all released at once after the timer
// is reset, and returns the CPU time they took. The wait for them is an
// edge rt does not see by itself, so with hooks each goroutine releases
// on the WaitGroup and the caller acquires it: the next run's accesses
// follow these.
func inGoroutines(b *testing.B, n int, hooks bool, work func(g int)) time.Duration {
	var start, wg sync.WaitGroup
	start.Add(1)
	for g := range n {
		wg.Add(1)
		var tok rt.Token
		if hooks {
			tok = rt.Go()
		}
		go func() {
			defer wg.Done()
			if hooks {
				rt.Started(tok)
			}
			start.Wait()
			work(g)
			if hooks {
				rt.ReleaseMerge(uintptr(unsafe.Pointer(&wg)))
				rt.Finished()
			}
		}()
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	start.Done()
	wg.Wait()
	if hooks {
		rt.Acquire(uintptr(unsafe.Pointer(&wg)))
	}
	return cpuTime() - cpu0
}

func sharedLoop(b *testing.B, hooks bool) {
	d := sharedData
	if hooks {
		for i := range d {
			rt.Write(uintptr(unsafe.Pointer(&d[i])))
		}
	}
	for i := range d {
		d[i] = uint64(i)
	}
	per := b.N/sharedReaders + 1
	cpu := inGoroutines(b, sharedReaders, hooks, func(r int) {
		var sum uint64
		for range per {
			for i := range d {
				if hooks {
					rt.Read(uintptr(unsafe.Pointer(&d[i])))
				}
				sum += d[i]
			}
		}
		sharedSink[r] = sum
	})
	accesses := per * sharedReaders * len(d)
	perAccess(b, accesses)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(accesses), "cpu-ns/access")
}

func BenchmarkSharedLoopPlain(b *testing.B) { sharedLoop(b, false) }
func BenchmarkSharedLoopHooks(b *testing.B) { sharedLoop(b, true) }

// Many goroutines on one RWMutex, the pattern of Go's
// test/fixedbugs/issue79186.go: rwGoroutines goroutines read a guarded
// word under RLock and write it under Lock every 8th operation. Every
// operation is a clock acquire or release with a clock as long as the
// goroutine count. BenchmarkRWMutexManyPlain under -race shows TSan's cost
// of the same loop; BenchmarkRWMutexManyHooks calls rt's hooks.
const rwGoroutines = 256

func rwMutexMany(b *testing.B, hooks bool) {
	var rw sync.RWMutex
	word := make([]uint64, 1)
	xp := &word[0]
	x := uintptr(unsafe.Pointer(xp))
	rwp := uintptr(unsafe.Pointer(&rw))
	sums := make([]uint64, rwGoroutines)
	per := b.N/rwGoroutines + 1
	cpu := inGoroutines(b, rwGoroutines, hooks, func(g int) {
		var sum uint64
		for i := range per {
			if (g+i)%8 == 0 {
				rw.Lock()
				if hooks {
					rt.RWMutexLock(rwp)
					rt.Write(x)
				}
				*xp++
				if hooks {
					rt.RWMutexUnlock(rwp)
				}
				rw.Unlock()
			} else {
				rw.RLock()
				if hooks {
					rt.RWMutexRLock(rwp)
					rt.Read(x)
				}
				sum += *xp
				if hooks {
					rt.RWMutexRUnlock(rwp)
				}
				rw.RUnlock()
			}
		}
		sums[g] = sum
	})
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(per*rwGoroutines), "cpu-ns/op")
}

func BenchmarkRWMutexManyPlain(b *testing.B) { rwMutexMany(b, false) }
func BenchmarkRWMutexManyHooks(b *testing.B) { rwMutexMany(b, true) }
