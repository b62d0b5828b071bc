// Command racyalloc: rt.Alloc after an allocation forgets what was at
// the address before, not what is done to the new object: races on a
// heap variable and on a new object are reported.
package main

import "fmt"

type T struct{ a, b int }

func main() {
	x := 0
	p := &T{}
	done := make(chan bool)
	go func() {
		x = 1
		p.a = 1
		done <- true
	}()
	x = 2   // racy
	p.a = 2 // racy
	<-done
	fmt.Println("done", x, p.a)
}
