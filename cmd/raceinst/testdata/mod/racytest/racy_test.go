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

type box struct{ x int }

var shared = &box{}

func get() *box { return shared }

// TestRacyHelper reads through a pointer a call returns: the instrumenter
// hooks it in a helper, which the report must not name.
func TestRacyHelper(t *testing.T) {
	done := make(chan bool)
	go func() {
		shared.x = 1
		done <- true
	}()
	_ = get().x // racy
	<-done
}
