package platform

import (
	"syscall"
	"unsafe"
)

// sysSigprocmask14 is NetBSD's __sigprocmask14 (syscalls.master 293); std's
// syscall package has no constant for it. The mask is the calling LWP's.
const (
	sysSigprocmask14 = 293
	sigBlock         = 1
	sigSetmask       = 3
)

// BlockSignals blocks every signal on the calling LWP and returns the
// previous mask (see the linux file for the contract).
//
//go:nosplit
//go:norace
func BlockSignals() (old Sigset) {
	set := sigsetAll
	syscall.RawSyscall(sysSigprocmask14, sigBlock, uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&old)))
	return old
}

// RestoreSignals installs a mask returned by BlockSignals.
//
//go:nosplit
//go:norace
func RestoreSignals(old Sigset) {
	syscall.RawSyscall(sysSigprocmask14, sigSetmask, uintptr(unsafe.Pointer(&old)), 0)
}
