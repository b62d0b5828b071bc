// Command racypool: two goroutines write n, each through the same
// sync.Pool but never with the same object (the collector empties the
// pool in between), so nothing orders them: one race, as -race reports
// it. A Put and the Get that returns its object are ordered (the second
// half, race-free).
package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

var pool = sync.Pool{New: func() any { return new(int) }}

func main() {
	var n int
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		n = 1
		pool.Put(new(int))
		runtime.GC()
		runtime.GC() // the victim cache too: the pool is empty
	}()
	go func() {
		defer wg.Done()
		time.Sleep(200 * time.Millisecond)
		p := pool.Get().(*int)
		n = 2
		pool.Put(p)
	}()
	wg.Wait()

	// One goroutine hands m over through the pool's object, which no
	// collection may drop meanwhile.
	debug.SetGCPercent(-1)
	var m int
	done := make(chan bool)
	obj := new(int)
	go func() {
		m = 1
		pool.Put(obj)
		done <- true
	}()
	time.Sleep(100 * time.Millisecond)
	for got := pool.Get(); got != obj; got = pool.Get() {
		runtime.Gosched()
	}
	m = 2
	<-done
	fmt.Println("done", n, m)
}
