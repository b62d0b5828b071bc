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
	fmt.Println(casesNotReached())
}

type state struct{ x, y, z int }

// casesNotReached: a case after the one that matched, and the init
// statement of an else-if whose if was taken, are not evaluated, and
// their accesses, which would race with the worker's writes, not made.
func casesNotReached() int {
	s := &state{}
	done := make(chan bool)
	go func() {
		s.x, s.y, s.z = 1, 2, 3
		done <- true
	}()
	n, k := 0, 1
	switch {
	case k == 1:
		n++
	case s.x > 0:
		n += 10
	}
	switch k {
	case 1:
		n++
	case s.y:
		n += 10
	}
	if k == 1 {
		n++
	} else if z := s.z; z > 0 {
		n += 10
	}
	<-done
	return n
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
