// Command racycases: a later case of a switch without a tag, a later case
// of a switch with one, the init statement of an else-if, and a var group's
// spec that reads a variable of an earlier spec are hooked where they are
// evaluated: four races are reported.
package main

import "fmt"

type state struct{ x, y, z, w int }

func main() {
	s := &state{}
	done := make(chan bool)
	go func() {
		s.x, s.y, s.z, s.w = 1, 2, 3, 4
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
	var (
		u = s
		v = u.w // racy
	)
	<-done
	fmt.Println("done", n > 0, v >= 0)
}
