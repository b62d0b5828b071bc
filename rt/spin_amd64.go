//go:build !purego

package rt

import "unsafe"

// spinPause tells the core that the caller is spinning (PAUSE), which
// eases the memory traffic of the wait and yields to a hyperthread.
//
//go:noescape
func spinPause()

// prefetch asks the core to bring p's cache line in (PREFETCHT0: Go's
// assembler has no PREFETCHW) while the caller goes on: the slow paths
// start the load of their details entry (infoTab, usually not in cache)
// before the work that comes ahead of its locked compare-and-swap.
//
//go:noescape
func prefetch(p unsafe.Pointer)
