// Package tracer is modelled on ptrace-based sandboxes and debuggers: the
// child asks to be traced, forbids new privileges, installs a seccomp
// filter the parent prepared, and execs. Seeded mistakes are marked.
package tracer

import (
	"syscall"
	"unsafe"
)

const (
	prSetNoNewPrivs   = 38
	prSetSeccomp      = 22
	seccompModeFilter = 2
)

type sockFilter struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

type sockFprog struct {
	len    uint16
	filter *sockFilter
}

// Tracee is everything the child needs, allocated by the parent.
type Tracee struct {
	Prog   sockFprog
	Argv0  *byte
	Argv   []*byte
	Envv   []*byte
	Status chan int
	Extra  []sockFilter
	Names  map[int]string
	Log    interface{ Write([]byte) (int, error) }
}

// Start forks the tracee.
//
//go:norace
func Start(t *Tracee) int { // want Start:`forksafe\(norace\)`
	pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if pid != 0 {
		return int(pid)
	}
	traceeMain(t)
	return 0
}

// traceeMain runs in the child until execve.
//
//forkcheck:child ptrace tracee, between fork and exec
//go:nosplit
//go:norace
func traceeMain(t *Tracee) {
	syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
	syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0)
	// SEEDED: extending the filter in the child.
	t.Extra = append(t.Extra, sockFilter{code: 6}) // want `allocation in fork child \(tracer.traceeMain\): append`
	// SEEDED: a deferred cleanup.
	defer syscall.RawSyscall(syscall.SYS_EXIT, 1, 0, 0) // want `allocation in fork child \(tracer.traceeMain\): defer`
	// The prepared filter: quiet.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetSeccomp, seccompModeFilter, uintptr(unsafe.Pointer(&t.Prog))); e != 0 {
		// SEEDED: the name lookup and the report.
		_ = t.Names[int(e)]             // want `allocation in fork child \(tracer.traceeMain\): map read`
		t.Status <- int(e)              // want `lock in fork child \(tracer.traceeMain\): channel send`
		t.Log.Write(nil)                // want `dynamic call in fork child \(tracer.traceeMain\): call of interface method`
		panic("seccomp install failed") // want `lock in fork child \(tracer.traceeMain\): panic`
	}
	syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(t.Argv0)), uintptr(unsafe.Pointer(&t.Argv[0])), uintptr(unsafe.Pointer(&t.Envv[0])))
	syscall.RawSyscall(syscall.SYS_EXIT, 127, 0, 0)
}
