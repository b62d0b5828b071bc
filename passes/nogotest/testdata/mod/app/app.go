// Package app forks by hand and runs child code that calls package lib.
package app

import (
	"syscall"

	"example.com/nogofix/lib"
)

// exit is implemented in package lib.
func exit(code int)

// child runs between fork and exec.
//
//forkcheck:child runs between fork and exec
//go:norace
//go:nosplit
func child(fd uintptr) {
	lib.Close(fd)
	lib.Log("closing")
	_ = lib.Add(1, 2)
	lib.Quiet()
	exit(0)
}

// Spawn forks; the child branch is a fork-child context.
func Spawn(fd uintptr) {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if pid == 0 {
		child(fd)
	}
}
