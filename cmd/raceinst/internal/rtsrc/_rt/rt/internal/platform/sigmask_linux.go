package platform

import (
	"syscall"
	"unsafe"
)

// BlockSignals blocks every signal on the calling OS thread and returns the
// previous mask. The caller must keep the goroutine on that thread
// (runtime.LockOSThread) until RestoreSignals. rt_sigprocmask with a raw
// system call: no lock, no allocation, fork-safe.
//
//go:nosplit
//go:norace
func BlockSignals() (old Sigset) {
	set := sigsetAll
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&old)), sigsetSize, 0, 0)
	return old
}

// RestoreSignals installs a mask returned by BlockSignals.
//
//go:nosplit
//go:norace
func RestoreSignals(old Sigset) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask, uintptr(unsafe.Pointer(&old)), 0, sigsetSize, 0, 0)
}
