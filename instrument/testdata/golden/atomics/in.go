package atomics

import (
	"sync/atomic"
	"unsafe"
)

var (
	n    int64
	flag atomic.Bool
	cnt  atomic.Int32
	ptr  atomic.Pointer[node]
	val  atomic.Value
	raw  unsafe.Pointer
)

type node struct{ v int }

func ops() int64 {
	atomic.AddInt64(&n, 1)
	x := atomic.LoadInt64(&n)
	atomic.StoreInt64(&n, x+1)
	atomic.CompareAndSwapInt64(&n, 2, 3)
	flag.Store(true)
	if flag.Load() {
		cnt.Add(1)
	}
	ptr.Store(&node{v: 1})
	p := ptr.Load()
	val.Store(p)
	atomic.StorePointer(&raw, unsafe.Pointer(p))
	return x + int64(cnt.Load()) + int64(p.v)
}
