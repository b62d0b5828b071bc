package platform

import "syscall"

// ThreadID returns the pid of the calling Plan 9 process: every M of a Go
// program is its own process there. syscall.Getpid reads #c/pid, so unlike
// the other ports this is not raw; rt calls it only when writing a report.
//
//go:norace
func ThreadID() int64 { return int64(syscall.Getpid()) }
