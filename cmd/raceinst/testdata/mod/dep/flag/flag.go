// Package flag is a dependency whose Load fork-child code reaches (through
// example.com/mod/forkreach/lib2.G): its synchronisation is rewritten, as
// every dependency's is, except in Load, which the child runs.
package flag

import "sync/atomic"

var f int32

// Load reports whether Set was called.
func Load() bool { return atomic.LoadInt32(&f) != 0 }

// Set sets the flag.
func Set() { atomic.StoreInt32(&f, 1) }
