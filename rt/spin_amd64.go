//go:build !purego

package rt

import "unsafe"

// spinPause tells the core that the caller is spinning (PAUSE), which
// eases the memory traffic of the wait and yields to a hyperthread.
//
//go:noescape
func spinPause()

// prefetchW asks the core to bring p's cache line in, for writing, while
// the caller goes on: the slow paths start the load of their details
// entry (infoTab, usually not in cache) before the work that comes ahead
// of its locked compare-and-swap.
//
//go:noescape
func prefetchW(p unsafe.Pointer)
