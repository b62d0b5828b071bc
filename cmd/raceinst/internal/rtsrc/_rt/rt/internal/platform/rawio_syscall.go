//go:build linux || netbsd || freebsd || dragonfly

package platform

import (
	"syscall"
	"unsafe"
)

// Write writes b to fd with raw write(2) calls, retrying short writes and
// EINTR. It takes no lock and does not allocate, so it is safe on the fatal
// path (halt_on_error) and in a fork child.
//
//go:nosplit
//go:norace
func Write(fd int, b []byte) {
	for len(b) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			return
		}
		b = b[n:]
	}
}
