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
