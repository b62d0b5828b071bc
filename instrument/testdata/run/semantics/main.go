// Command semantics exercises the constructs instrument rewrites; it must
// print the same and exit the same with and without instrumentation.
package main

import (
	"fmt"
	"iter"
	"os"
	"sync"
	"sync/atomic"
)

type node struct {
	v    int
	next *node
}

type Box[T any] struct{ v T }

func (b *Box[T]) Set(v T) { b.v = v }

var (
	global int
	once   sync.Once
	counts = map[string]int{}
)

func seq(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func twice() (int, string) { return 2, "two" }

// setThrough writes a field through a type assertion: its hook asserts
// too, and must panic (or not) as the statement does, and be counted once.
func setThrough(v any, calls *int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	v.(*node).v = count(calls)
	return nil
}

// getThrough reads one: a call beside it runs first or not at all as in
// the plain build.
func getThrough(v any, calls *int) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return count(calls) + v.(*node).v + count(calls), nil
}

func count(calls *int) int { *calls++; return *calls }

// indexThrough and derefThrough read an element out of range and a field
// of a nil pointer beside calls: gc makes the calls first, and the hooks
// must not panic before them (guard.go).
func indexThrough(s []int, i int, calls *int) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return count(calls) + s[i] + count(calls), nil
}

// selectAssigned: the case taken assigns the index that the other case's
// channel operand uses; its hooks must not evaluate that operand again.
func selectAssigned() int {
	chs := []chan int{make(chan int)}
	i := 0
	c := make(chan int, 1)
	c <- 99
	select {
	case i = <-c:
	case chs[i] <- 1:
	}
	return i
}

// selectPanics: select evaluates the call, then panics on the nil
// pointer; no hook may panic before the call.
func selectPanics(calls *int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	var p *struct{ ch chan int }
	mk := func() chan int { count(calls); return make(chan int, 1) }
	select {
	case mk() <- 1:
	case <-p.ch:
	}
	return nil
}

func derefThrough(p *node, calls *int) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return count(calls) + p.v + count(calls), nil
}

func safeDiv(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

func main() {
	// Short-circuit must not evaluate (or hook) a nil dereference.
	var list *node
	if list != nil && list.v > 0 {
		fmt.Println("unreachable")
	}
	for i := 3; i > 0; i-- {
		list = &node{v: i, next: list}
	}
	sum := 0
	for n := list; n != nil && n.v > 0; n = n.next {
		if n.v == 2 {
			continue
		}
		sum += n.v
	}
	fmt.Println("sum", sum)

	// Goroutines of every shape, joined by a WaitGroup, guarded by a mutex.
	var mu sync.Mutex
	var wg sync.WaitGroup
	total := 0
	add := func(x int) {
		defer wg.Done()
		mu.Lock()
		defer mu.Unlock()
		total += x
	}
	wg.Add(3)
	go add(1)
	go func(x int) { add(x) }(10)
	b := &Box[int]{}
	go func() { defer wg.Done(); b.Set(5) }()
	wg.Wait()
	wg.Go(func() { mu.Lock(); total += 100; mu.Unlock() })
	wg.Wait()
	fmt.Println("total", total, b.v)

	// Channels, select, range, close.
	ch := make(chan int, 3)
	done := make(chan struct{})
	go func() {
		for i := range 3 {
			ch <- i * i
		}
		close(ch)
	}()
	got := 0
	for v := range ch {
		got += v
	}
	go func() { close(done) }()
	select {
	case <-done:
		fmt.Println("done", got)
	}
	v, ok := <-ch
	fmt.Println("closed", v, ok)

	// Once, atomics, maps, copies, appends.
	for range 3 {
		once.Do(func() { global++ })
	}
	var n atomic.Int64
	var raw int32
	var wg2 sync.WaitGroup
	for range 4 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			n.Add(2)
			atomic.AddInt32(&raw, 1)
		}()
	}
	wg2.Wait()
	var nilMap map[string]int
	if nilMap["x"] != 0 || len(nilMap) != 0 {
		fmt.Println("unreachable")
	}
	counts["a"]++
	counts["b"] += 2
	delete(counts, "b")
	buf := make([]byte, 3)
	c := copy(buf, "hello")
	s := append([]int{1}, []int{2, 3}...)
	arr := [3]int{1, 2, 3}
	arr2 := arr
	arr2[0] = 9
	fmt.Println(global, n.Load(), atomic.LoadInt32(&raw), counts, string(buf), c, s, arr, arr2)

	// Multi-value, defer/recover, goto, range-over-func.
	x, y := twice()
	calls := 0
	fmt.Println(setThrough(&node{}, &calls), setThrough("not a node", &calls), calls)
	fmt.Println(getThrough(&node{v: 5}, &calls))
	fmt.Println(getThrough(7, &calls))
	fmt.Println(calls)
	fmt.Println(indexThrough([]int{1}, 3, &calls))
	fmt.Println(derefThrough(nil, &calls))
	fmt.Println(calls)
	fmt.Println(selectAssigned(), selectPanics(&calls), calls)
	q, err := safeDiv(1, 0)
	fmt.Println(x, y, q, err)
	i := 0
loop:
	if i < 3 {
		i++
		goto loop
	}
	for k := range seq(5) {
		if k == 3 {
			break
		}
		i += k
	}
	fmt.Println("i", i)
	defer fmt.Println("not printed: os.Exit skips defers")
	os.Exit(3)
}
