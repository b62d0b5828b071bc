package platform

import "syscall"

// ThreadID returns the calling OS thread's id (thread_selfid, through std's libc syscall(2) trampoline; 0 if it fails).
//
//go:nosplit
//go:norace
func ThreadID() int64 {
	tid, _, _ := syscall.RawSyscall(syscall.SYS_THREAD_SELFID, 0, 0, 0)
	return int64(tid)
}
