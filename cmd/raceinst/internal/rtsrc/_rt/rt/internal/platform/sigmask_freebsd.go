package platform

import (
	"syscall"
	"unsafe"
)

// On freebsd sigprocmask(2) sets the calling thread's mask; sigset_t is 128 bits.
const (
	sigBlock   = 1
	sigSetmask = 3
)

// BlockSignals blocks every signal on the calling thread and returns the
// previous mask (see the linux file for the contract).
//
//go:nosplit
//go:norace
func BlockSignals() (old Sigset) {
	set := sigsetAll
	syscall.RawSyscall(syscall.SYS_SIGPROCMASK, sigBlock, uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&old)))
	return old
}

// RestoreSignals installs a mask returned by BlockSignals.
//
//go:nosplit
//go:norace
func RestoreSignals(old Sigset) {
	syscall.RawSyscall(syscall.SYS_SIGPROCMASK, sigSetmask, uintptr(unsafe.Pointer(&old)), 0)
}
