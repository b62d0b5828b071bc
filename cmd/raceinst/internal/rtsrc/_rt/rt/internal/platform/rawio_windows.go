package platform

import "syscall"

// Write writes b to standard output (fd 1) or standard error (any other fd)
// with WriteFile, which takes no Go-level lock.
//
//go:norace
func Write(fd int, b []byte) {
	h := syscall.Stderr
	if fd == Stdout {
		h = syscall.Stdout
	}
	for len(b) > 0 {
		var n uint32
		if err := syscall.WriteFile(h, b, &n, nil); err != nil || n == 0 {
			return
		}
		b = b[n:]
	}
}
