package edge

import "sync"

type C chan int

type L struct{ sync.Locker }

func typed[Ch ~chan int](c Ch) int {
	c <- 1
	return <-c
}

func named(c C, r <-chan int, s chan<- int, l L) int {
	c <- 1
	if v := <-r; v > 0 {
		s <- v
	}
	l.Lock()
	defer l.Unlock()
	switch x := <-c; x {
	case 1:
		return <-r
	}
	return 0
}

func locker[T sync.Locker](l T, p *int) {
	l.Lock()
	*p = 1
	l.Unlock()
}
