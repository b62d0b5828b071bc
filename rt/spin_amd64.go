//go:build !purego

package rt

// spinPause tells the core that the caller is spinning (PAUSE), which
// eases the memory traffic of the wait and yields to a hyperthread.
//
//go:noescape
func spinPause()
