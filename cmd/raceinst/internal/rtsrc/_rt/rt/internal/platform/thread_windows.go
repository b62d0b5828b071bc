package platform

import "syscall"

// getCurrentThreadID is resolved once, at package initialisation, so that
// ThreadID itself neither loads a DLL nor allocates.
var getCurrentThreadID = syscall.NewLazyDLL("kernel32.dll").NewProc("GetCurrentThreadId")

func init() { _ = getCurrentThreadID.Find() }

// ThreadID returns GetCurrentThreadId().
//
//go:norace
func ThreadID() int64 {
	if getCurrentThreadID.Find() != nil {
		return 0
	}
	id, _, _ := syscall.SyscallN(getCurrentThreadID.Addr())
	return int64(id)
}
