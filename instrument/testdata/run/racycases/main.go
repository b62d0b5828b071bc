// Command racycases: a later case of a switch without a tag, a later case
// of a switch with one, and the init statement of an else-if are hooked
// where they are evaluated: three races are reported.
package main

import "fmt"

type state struct{ x, y, z int }

func main() {
	s := &state{}
	done := make(chan bool)
	go func() {
		s.x, s.y, s.z = 1, 2, 3
		done <- true
	}()
	n, k := 0, 2
	switch {
	case k == 1:
		n++
	case s.x >= 0: // racy
		n += 10
	}
	switch k {
	case 1:
		n++
	case s.y: // racy
		n += 10
	}
	if k == 1 {
		n++
	} else if z := s.z; z >= 0 { // racy
		n += 10
	}
	<-done
	fmt.Println("done", n > 0)
}
