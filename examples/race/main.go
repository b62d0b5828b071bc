// Command race has a data race: two goroutines increment a shared counter
// without synchronisation. Run it under raceinst to see the report:
//
//	go run ./cmd/raceinst run ./examples/race
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	counter := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter++ // racy read-modify-write
		}()
	}
	wg.Wait()
	fmt.Println("counter:", counter)
}
