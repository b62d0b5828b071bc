package racytest

import (
	"sync"
	"testing"
)

func TestRacy(t *testing.T) {
	var wg sync.WaitGroup
	x := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x++
		}()
	}
	wg.Wait()
}

func TestQuiet(t *testing.T) {}
