//go:build !linux && !netbsd && !freebsd && !dragonfly

package platform

// BlockSignals is a documented no-op on the remaining ports:
//
//   - darwin, ios, openbsd, solaris, illumos, aix: the kernel is reached only
//     through libc, and std exposes no pthread_sigmask (OpenBSD 7.5+ also
//     refuses the indirect syscall(2) that syscall.RawSyscall would use).
//   - plan9: notes cannot be masked per thread; a note that arrives while the
//     summary is written interrupts it, as it would any write.
//   - windows, js, wasip1: no POSIX signals.
//
// Callers only lose the guarantee that the race summary is written in one
// piece when a signal arrives at that moment.
//
//go:nosplit
//go:norace
func BlockSignals() (old Sigset) { return old }

// RestoreSignals is a no-op on the ports where BlockSignals is.
//
//go:nosplit
//go:norace
func RestoreSignals(old Sigset) {}
