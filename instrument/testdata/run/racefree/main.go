package main

import (
	"fmt"
	"sync"
)

type account struct {
	mu  sync.Mutex
	bal map[string]int
}

func main() {
	a := &account{bal: map[string]int{}}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.mu.Lock()
			a.bal["x"] += i
			a.mu.Unlock()
		}()
	}
	wg.Wait()
	res := make(chan []int)
	data := []int{1, 2, 3}
	go func() {
		data[0] = 10 // handed over by the channel
		res <- data
	}()
	d := <-res
	d[1] = 20
	var once sync.Once
	shared := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { shared = 7 })
			_ = shared
		}()
	}
	wg.Wait()
	fmt.Println(a.bal["x"], d, shared)
	fmt.Println(selectCalls())
}

type pipe struct{ c, done chan int }

func (p *pipe) ch() chan int       { return p.c }
func (p *pipe) finished() chan int { return p.done }

// selectCalls hands data over through selects whose channels are calls
// (as <-ctx.Done() is): a send case orders the write before it with the
// receiver's read, a receive case the worker's write with the read after.
func selectCalls() int {
	p := &pipe{c: make(chan int), done: make(chan int)}
	x, y := 0, 0
	go func() {
		<-p.c
		x++ // after main's write, by the send case
		y = 5
		close(p.done)
	}()
	x = 1
	select {
	case p.ch() <- 1:
	}
	select {
	case <-p.finished():
	}
	return x + y // after the worker's writes, by the receive case
}
