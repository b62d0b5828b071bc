package platform

import "syscall"

// ThreadID returns the calling OS thread's id (lwp_gettid(2)).
//
//go:nosplit
//go:norace
func ThreadID() int64 {
	lwp, _, _ := syscall.RawSyscall(syscall.SYS_LWP_GETTID, 0, 0, 0)
	return int64(lwp)
}
