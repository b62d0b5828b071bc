package chans

import "time"

func ops(ch chan int, out chan<- int, done chan struct{}, p *int) int {
	ch <- *p
	v := <-ch
	w, ok := <-ch
	if !ok {
		return 0
	}
	out <- v + w
	select {
	case x := <-ch:
		v += x
	case out <- 1:
	case <-done:
	default:
	}
	for x := range ch {
		if x == 0 {
			continue
		}
		v += x
	}
	close(out)
	return v
}

type S struct{ c chan int }

func selectAssign(s *S, t *S) {
	select {
	case t.c <- 1:
	case *(&s.c) <- 2:
	}
}

// A case variable that shadows another case's channel: that case's
// ChanCancel cannot be placed in this one.
func selectShadow(c chan int, d chan int) {
	select {
	case d := <-c:
		_ = d
	case d <- 1:
	}
}

// Reset: the runtime's later sends on t.C are ordered after it.
func reset(t *time.Timer) {
	t.Reset(time.Second)
	<-t.C
}
