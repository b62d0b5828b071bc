package namedresults

// A bare return reads the named results. x is captured by a goroutine, so
// the read is hooked; y stays in a register and is not.
func captured(done chan bool) (x int, y int) {
	go func() {
		x = 42
		done <- true
	}()
	y = 1
	return
}

// Named results with explicit return values: the values are what is read.
func explicit() (x int) {
	p := &x
	*p = 2
	return 3
}

// A closure's own bare return reads its own named result.
func lit() int {
	f := func() (z int) {
		go func() { z = 1 }()
		return
	}
	return f()
}
