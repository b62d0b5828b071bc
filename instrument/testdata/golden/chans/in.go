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

type src struct{ c chan int }

func (s *src) get() chan int { return s.c }

// Channel operands that cannot be evaluated again: captured where select
// evaluates them, in order, with the pure ones' hooks before it.
func selectCalls(s *src, done func() <-chan struct{}, out chan int) int {
	select {
	case <-done():
		return 0
	case v, ok := <-s.get():
		if ok {
			return v
		}
	case s.get() <- <-out:
	case out <- 2:
	}
	return 1
}

type namedCh chan int

// Channels of a defined type and of one direction.
func selectTypes(a func() namedCh, b func() chan<- int) {
	select {
	case <-a():
	case b() <- 1:
	case a() <- 2:
	}
}

// A labeled select goes into the block with its label, and so does one
// whose label only gotos inside it name (a retry); one whose label a goto
// outside names stays as it is: the goto could not jump into a block.
func selectLabeled(done func() <-chan struct{}) {
L:
	select {
	case <-done():
		break L
	}
}

func selectGoto(done func() <-chan struct{}, n int) {
M:
	select {
	case <-done():
		if n > 0 {
			n--
			goto M
		}
	}
}

func selectGotoOutside(done func() <-chan struct{}, n int) {
	if n > 0 {
		goto N
	}
	n++
N:
	select {
	case <-done():
	}
}
