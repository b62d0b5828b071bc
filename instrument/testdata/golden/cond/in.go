package cond

import "sync"

type Queue struct {
	mu    sync.Mutex
	c     *sync.Cond
	items []int
}

func (q *Queue) Put(x int) {
	q.mu.Lock()
	q.items = append(q.items, x)
	q.c.Signal()
	q.mu.Unlock()
}

func (q *Queue) Get() int {
	q.mu.Lock()
	for len(q.items) == 0 {
		q.c.Wait()
	}
	x := q.items[0]
	q.items = q.items[1:]
	q.c.Broadcast()
	q.mu.Unlock()
	return x
}

type st struct{ x, y, z int }

var gst = &st{}

func cases(k int, mb bool) int {
	n := 0
	switch {
	case k == 1:
		n++
	case gst.x > 0, gst.y > 0:
		n += 2
	}
	switch k {
	case 1:
		n++
	case gst.y, gst.z:
		n += 2
	case gst.x + 1:
		n += 3
	}
	if k == 1 {
		n++
	} else if z := gst.z; z > 0 {
		n += 2
	} else if y := gst.y; y > 0 {
		n += 3
	}
	return n
}

type myInt int

func shifted(k myInt, n uint) int {
	switch k {
	case myInt(gst.x), -myInt(gst.y):
		return 1
	case 1 << gst.z:
		return 2
	case 2 + k*myInt(gst.x):
		return 3
	}
	return 0
}
