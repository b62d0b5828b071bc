package platform

import (
	"syscall"
	"unsafe"
)

// ThreadID returns the calling OS thread's id (thr_self(2)).
//
//go:nosplit
//go:norace
func ThreadID() int64 {
	var id int64 // long, 64 bits on every FreeBSD port std supports but 386/arm
	syscall.RawSyscall(syscall.SYS_THR_SELF, uintptr(unsafe.Pointer(&id)), 0, 0)
	if unsafe.Sizeof(uintptr(0)) == 4 {
		id = int64(int32(id)) // the kernel wrote a 32-bit long
	}
	return id
}
