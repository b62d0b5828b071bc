//go:build linux

// Command forkchild forks a child by hand, the way sandboxes and tracers
// do, and makes the mistakes forkcheck exists to catch: the child branch
// allocates, formats and calls Go code with a stack-check prologue, and a
// directive meant to keep -race out of a child helper is misspelled, so the
// compiler ignores it.
//
//	go run ./cmd/forkcheck ./examples/...
package main

import (
	"fmt"
	"os"
	"syscall"
)

// setHostname runs in the child.
//
// go:norace
func setHostname(name string) {
	b := []byte(name) // allocates in the child
	syscall.RawSyscall(syscall.SYS_SETHOSTNAME, uintptr(len(b)), 0, 0)
}

func main() {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno != 0 {
		fmt.Fprintln(os.Stderr, "clone:", errno)
		os.Exit(1)
	}
	if pid == 0 {
		setHostname("sandbox")
		msg := fmt.Sprintf("child %d ready\n", os.Getpid()) // fmt locks and allocates
		syscall.RawSyscall(syscall.SYS_WRITE, 1, 0, uintptr(len(msg)))
		syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	}
	var status syscall.WaitStatus
	syscall.Wait4(int(pid), &status, 0, nil)
	fmt.Println("child exited:", status.ExitStatus())
}
