// Package group is a dependency that synchronises for its callers, as
// golang.org/x/sync/errgroup does: raceinst does not check its accesses,
// but must see its WaitGroup, mutex, channel and goroutines.
package group

import "sync"

// Group runs functions in goroutines; Wait waits for them all.
type Group struct {
	wg sync.WaitGroup
	mu sync.Mutex
}

// Go runs f in a new goroutine.
func (g *Group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// Wait returns when every function Go started has returned.
func (g *Group) Wait() { g.wg.Wait() }

// Locked runs f holding the group's lock.
func (g *Group) Locked(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f()
}

// Handoff runs f in a goroutine and returns when it has returned, through
// a channel.
func Handoff(f func()) {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	<-done
}

// unlock calls Unlock as a method expression, which the instrumenter
// leaves alone with a warning, printed for a dependency as for any
// package: an edge it could not record.
func (g *Group) unlock() { (*sync.Mutex).Unlock(&g.mu) }
