// Package lib is called from fork-child code in package app: its facts
// (directives, leaves, summaries of nosplit bodies, linknames) cross the
// import.
package lib

import (
	"syscall"
	_ "unsafe" // for go:linkname
)

// Close is safe in a fork child.
//
//go:norace
//go:nosplit
func Close(fd uintptr) {
	syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
}

// Log is nosplit but locks: its summary carries the finding.
//
//go:nosplit
func Log(s string) {
	println(s)
}

// Add is a trivial leaf.
func Add(a, b int) int { return a + b }

// Quiet is never race-instrumented.
//
//go:norace
func Quiet() {}

// exit is provided to package app by a push linkname.
//
//go:linkname exit example.com/nogofix/app.exit
//go:norace
//go:nosplit
func exit(code int) {
	syscall.RawSyscall(syscall.SYS_EXIT, uintptr(code), 0, 0)
}
