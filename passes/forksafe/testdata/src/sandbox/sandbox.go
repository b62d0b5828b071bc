// Package sandbox is modelled on container launchers: clone into new
// mount, UTS and PID namespaces, make mounts private, bind the new root,
// pivot_root into it, set the hostname and exec. Everything the child
// needs is prepared before the clone; the seeded mistakes are marked.
package sandbox

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Config is prepared by the parent.
type Config struct {
	Root, PutOld, Hostname *byte
	HostnameLen            uintptr
	Argv0                  *byte
	Argv, Envv             []*byte
	Name                   string
	OnError                func(errno syscall.Errno)
}

var (
	none  = [...]byte{'n', 'o', 'n', 'e', 0}
	slash = [...]byte{'/', 0}
	dot   = [...]byte{'.', 0}
)

// Spawn clones the sandboxed child. It lacks //go:norace, so -race
// instruments the child branch's loads of cfg.
func Spawn(cfg *Config) (int, error) { // want `race instrumentation in fork child \(sandbox.Spawn\): sandbox.Spawn holds fork-child code`
	flags := uintptr(syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS | syscall.CLONE_NEWPID | syscall.SIGCHLD)
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, flags, 0, 0, 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	if pid != 0 {
		return int(pid), nil
	}

	// Child. Make every mount private so nothing propagates back.
	_, _, errno = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(&none[0])), uintptr(unsafe.Pointer(&slash[0])), 0, syscall.MS_REC|syscall.MS_PRIVATE, 0, 0)
	if errno != 0 {
		fail(cfg, errno) // want `stack growth in fork child \(sandbox.Spawn\): call to sandbox.fail, which has a stack-check prologue` `race instrumentation in fork child \(sandbox.Spawn\): call to sandbox.fail, which go build -race instruments` `dynamic call in fork child \(sandbox.Spawn\): sandbox.fail: call through a function value`
	}
	// Bind the new root onto itself.
	syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(cfg.Root)), uintptr(unsafe.Pointer(cfg.Root)), 0, syscall.MS_BIND|syscall.MS_REC, 0, 0)
	syscall.RawSyscall(syscall.SYS_PIVOT_ROOT, uintptr(unsafe.Pointer(cfg.Root)), uintptr(unsafe.Pointer(cfg.PutOld)), 0)
	syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(&slash[0])), 0, 0)
	// Unmount the old root lazily: SEEDED, the blocking Syscall enters the
	// scheduler.
	syscall.Syscall(syscall.SYS_UMOUNT2, uintptr(unsafe.Pointer(&dot[0])), syscall.MNT_DETACH, 0) // want `preemption in fork child \(sandbox.Spawn\): syscall.Syscall: call to syscall.runtime_entersyscall` `race instrumentation in fork child \(sandbox.Spawn\): call to syscall.Syscall`
	// Hostname, prepared by the parent: quiet.
	syscall.RawSyscall(syscall.SYS_SETHOSTNAME, uintptr(unsafe.Pointer(cfg.Hostname)), cfg.HostnameLen, 0)
	// SEEDED: building the hostname in the child allocates.
	name := []byte(cfg.Name + "-box") // want `allocation in fork child \(sandbox.Spawn\): string concatenation` `allocation in fork child \(sandbox.Spawn\): conversion \[\]byte\(string\)`
	syscall.RawSyscall(syscall.SYS_SETHOSTNAME, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)), 0)
	// SEEDED: logging from the child.
	fmt.Println("sandbox up") // want `lock in fork child \(sandbox.Spawn\): call to fmt.Println` `allocation in fork child \(sandbox.Spawn\): variadic arguments escape`
	syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(cfg.Argv0)), uintptr(unsafe.Pointer(&cfg.Argv[0])), uintptr(unsafe.Pointer(&cfg.Envv[0])))
	syscall.RawSyscall(syscall.SYS_EXIT, 127, 0, 0)
	return 0, nil
}

// fail reports through a callback: a dynamic call.
func fail(cfg *Config, errno syscall.Errno) {
	cfg.OnError(errno)
}
