package rt

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// WaitGroup's own accesses, as sync/waitgroup.go makes them under -race:
// an Add with a positive delta that moves the counter from zero reads
// wg.sema, and the first waiter of a Wait that blocks writes it, so that an
// Add from zero that is not ordered before a concurrent Wait is reported
// (the misuse WaitGroup's documentation forbids). rt sees the counter only
// from outside, before the operation, so the checks are approximations:
// the Add reads when it finds the counter zero, and Wait writes when it
// finds the counter non-zero and no waiter. Its write is marked atomic, so
// that waiters that both think they are first do not race with each
// other; it still races with the plain read of an Add.
//
// The offsets of state and sema come from sync.WaitGroup's type; if its
// layout is not the expected one, none of this is done.
var wgState, wgSema, wgOK = func() (uintptr, uintptr, bool) {
	t := reflect.TypeFor[sync.WaitGroup]()
	st, ok1 := t.FieldByName("state")
	se, ok2 := t.FieldByName("sema")
	if !ok1 || !ok2 || st.Type != reflect.TypeFor[atomic.Uint64]() || se.Type.Kind() != reflect.Uint32 {
		return 0, 0, false
	}
	return st.Offset, se.Offset, true
}()

// wgStateOf returns the counter and waiter count of the WaitGroup at wg.
func wgStateOf(wg uintptr) (counter int32, waiters uint32) {
	p := *(*unsafe.Pointer)(unsafe.Pointer(&wg))
	s := (*atomic.Uint64)(unsafe.Add(p, wgState)).Load()
	return int32(s >> 32), uint32(s & 0x7fffffff)
}

func waitGroupAdd(g *gstate, wg uintptr, delta int) {
	if !wgOK || delta <= 0 || wg == 0 {
		return
	}
	if c, _ := wgStateOf(wg); c == 0 {
		hookAccess(g, wg+wgSema, false, false)
	}
}

func waitGroupWaitStart(g *gstate, wg uintptr) {
	if !wgOK || wg == 0 {
		return
	}
	if c, w := wgStateOf(wg); c != 0 && w == 0 {
		hookAccess(g, wg+wgSema, true, true)
	}
}
