package mutex

import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

type Embed struct {
	sync.Mutex
	v int
}

type RW struct {
	mu sync.RWMutex
	m  map[string]int
}

func (c *Counter) Inc() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

func (c *Counter) Try() bool {
	if c.mu.TryLock() {
		c.n++
		c.mu.Unlock()
		return true
	}
	return false
}

func (e *Embed) Set(v int) {
	e.Lock()
	e.v = v
	e.Unlock()
}

func (r *RW) Get(k string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.m[k]
}

func (r *RW) Put(k string, v int) {
	r.mu.Lock()
	r.m[k] = v
	r.mu.Unlock()
}

func locker(l sync.Locker, x *int) {
	l.Lock()
	*x = 1
	l.Unlock()
}

var global sync.Mutex

func useGlobal(x *int) {
	global.Lock()
	*x++
	global.Unlock()
}

var bufs = sync.Pool{New: func() any { return new([64]byte) }}

// pooled orders its Put with the Get that returns the same buffer.
func pooled(x *int) {
	b := bufs.Get().(*[64]byte)
	b[0] = byte(*x)
	bufs.Put(b)
}
