// want package:`pkg:reaches=syscall.RawSyscall`

// Package literaltrap forks with a literal trap number (56 is clone on
// linux/amd64): norace knows the fork by the trap's value, so no name of a
// fork trap has to appear in the source, and ChildMarkers must not rely on
// one.
package literaltrap

import "syscall"

var sink int

func inChild() { sink++ } // want inChild:`noinstrument\(reached from child branch of fork \(syscall.RawSyscall\(SYS_[A-Z]+\)`

func fork() {
	pid, _, _ := syscall.RawSyscall(56, uintptr(syscall.SIGCHLD), 0, 0)
	if pid == 0 {
		inChild()
		syscall.RawSyscall(60, 0, 0, 0)
	}
}
