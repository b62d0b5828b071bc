package platform

import "syscall"

// ThreadID returns the calling OS thread's id (gettid(2)).
//
//go:nosplit
//go:norace
func ThreadID() int64 {
	tid, _, _ := syscall.RawSyscall(syscall.SYS_GETTID, 0, 0, 0)
	return int64(tid)
}
