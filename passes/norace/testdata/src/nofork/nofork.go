// Package nofork imports neither syscall nor golang.org/x/sys/unix and
// declares no linkname to a before-fork function: norace must not search
// it for fork calls, whatever its functions look like, nor build its SSA.
package nofork

// SYS_FORK and RawSyscall have the names of the recognizers' trap and raw
// call, but are this package's own: not a fork.
const SYS_FORK = 57

func RawSyscall(trap, a1, a2, a3 uintptr) (r1, r2, err uintptr) { return 0, 0, 0 }

func Spawn() int {
	pid, _, _ := RawSyscall(SYS_FORK, 0, 0, 0)
	if pid == 0 {
		return 1
	}
	return 0
}

//go:norace
func quiet() {} // want quiet:`func:norace,noinstrument\(//go:norace\)`
