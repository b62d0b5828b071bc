// Package fix checks the //go:norace suggested fix.
package fix

import "syscall"

var counter int

// child is entered after fork.
//
//forkcheck:child suggested-fix case
//go:nosplit
//go:norace
func child() {
	bump() // want `race instrumentation in fork child \(fix.child\): call to fix.bump, which go build -race instruments \(not //go:norace\)`
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
}

// bump counts.
//
//go:nosplit
func bump() { counter++ }
