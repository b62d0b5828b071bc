//go:build darwin || openbsd || solaris || aix || js || wasip1 || plan9

package platform

import "syscall"

// Write writes b to fd with syscall.Write, which on these ports is the libc
// (darwin, openbsd, solaris, aix), the host (js, wasip1) or the kernel
// (plan9) write without any Go-level lock; the raw trap is not reachable from
// std here.
//
//go:norace
func Write(fd int, b []byte) {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		b = b[n:]
	}
}
