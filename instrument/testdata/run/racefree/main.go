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
}
