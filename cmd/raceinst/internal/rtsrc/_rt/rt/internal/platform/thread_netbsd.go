package platform

import "syscall"

// ThreadID returns the calling OS thread's id (_lwp_self(2)).
//
//go:nosplit
//go:norace
func ThreadID() int64 {
	lwp, _, _ := syscall.RawSyscall(syscall.SYS__LWP_SELF, 0, 0, 0)
	return int64(lwp)
}
