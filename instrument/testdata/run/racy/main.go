package main

import (
	"fmt"
	"sync"
)

var counter int

func bump(wg *sync.WaitGroup) {
	defer wg.Done()
	counter++ // racy
}

func main() {
	var wg sync.WaitGroup
	wg.Add(2)
	go bump(&wg)
	go bump(&wg)
	wg.Wait()
	fmt.Println("done")
}
