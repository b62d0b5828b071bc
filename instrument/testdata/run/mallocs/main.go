// Command mallocs counts its mallocs while goroutines it started finish,
// as $GOROOT/test/closure.go does: the hooks those goroutines run after
// their last hand-off (ChanSendDone, FuncExit, Finished) must not show in
// the count. runtime.Gosched lets them run inside the window every time.
package main

import (
	"fmt"
	"runtime"
)

var c = make(chan int)

func producer(base int) {
	for i := range 20 {
		c <- base + i
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	sum := 0
	for k := range 3 {
		go producer(100 * k)
		for range 20 {
			sum += <-c
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	n0 := m.Mallocs
	runtime.Gosched()
	runtime.Gosched()
	runtime.ReadMemStats(&m)
	fmt.Println("sum", sum, "mallocs in the window", m.Mallocs-n0)
}
