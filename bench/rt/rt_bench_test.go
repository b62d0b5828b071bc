// Package rtbench measures the hook costs of package rt.
package rtbench

import (
	"sync"
	"testing"
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
	for range b.N {
		rt.Release(l)
		rt.Write(a)
	}
	perAccess(b, b.N)
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

// BenchmarkGoroutineChurn: 100k goroutines created, started and finished
// through the hooks, each writing one word of its own.
func BenchmarkGoroutineChurn(b *testing.B) {
	const n = 100_000
	a := heap(n)
	for range b.N {
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
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/goroutine")
}

// BenchmarkSyncObjects: release and acquire on 1M distinct sync addresses.
func BenchmarkSyncObjects(b *testing.B) {
	const n = 1_000_000
	a := heap(n)
	for range b.N {
		for i := range n {
			rt.ReleaseMerge(a + uintptr(i)*8)
			rt.Acquire(a + uintptr(i)*8)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
}

// Plain loops, for compare.sh: the same loop with the hooks
// (BenchmarkLoopHooks) and uninstrumented (BenchmarkLoopPlain; run with
// -race it shows ThreadSanitizer's cost for the same accesses).
var loopData = make([]uint64, 1024)

func BenchmarkLoopPlain(b *testing.B) {
	d := loopData
	for range b.N {
		for i := range d {
			d[i]++
		}
	}
	perAccess(b, b.N*len(d)*2)
}

func BenchmarkLoopHooks(b *testing.B) {
	d := loopData
	for range b.N {
		for i := range d {
			p := uintptr(unsafe.Pointer(&d[i]))
			rt.Read(p)
			rt.Write(p)
			d[i]++
		}
	}
	perAccess(b, b.N*len(d)*2)
}
