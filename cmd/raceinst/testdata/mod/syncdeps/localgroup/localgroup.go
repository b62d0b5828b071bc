// Package localgroup is a main-module package that synchronises for its
// callers; with -instrument naming only its caller, raceinst rewrites its
// synchronisation as it does a dependency's.
package localgroup

import "sync"

// Group runs functions in goroutines; Wait waits for them all.
type Group struct{ wg sync.WaitGroup }

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
