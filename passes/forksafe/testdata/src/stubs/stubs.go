// Package stubs is modelled on gVisor's //go:nosplit syscall stubs, used
// between fork and exec. Seeded mistakes are marked.
package stubs

import (
	"syscall"
	"unsafe"
)

// rawWrite is a correct stub.
//
//go:nosplit
//go:norace
func rawWrite(fd int, p unsafe.Pointer, n uintptr) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(p), n)
	return e
}

// rawClose lost its //go:nosplit (SEEDED).
//
//go:norace
func rawClose(fd int) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
	return e
}

// rawDup2 lost its //go:norace (SEEDED): golang/go#79804's shape.
//
//go:nosplit
func rawDup2(oldfd, newfd int) syscall.Errno {
	_, _, e := syscall.RawSyscall(syscall.SYS_DUP2, uintptr(oldfd), uintptr(newfd), 0)
	return e
}

// rawErr returns an error (SEEDED): Errno to error converts to an
// interface.
//
//go:nosplit
//go:norace
func rawErr(fd int) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_FSYNC, uintptr(fd), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// rawGetpid is implemented elsewhere, but nothing says where (SEEDED).
func rawGetpid() int

// errFd is a trivial leaf: needs no directive.
func errFd(e syscall.Errno) int { return int(e) + 1000 }

var msg = [...]byte{'o', 'k', '\n'}

// childMain is the child's body.
//
//forkcheck:child gVisor-style stub user
//go:nosplit
//go:norace
func childMain(fd int) {
	rawWrite(fd, unsafe.Pointer(&msg[0]), uintptr(len(msg))) // quiet
	rawClose(0)                                              // want `stack growth in fork child \(stubs.childMain\): call to stubs.rawClose, which has a stack-check prologue`
	rawDup2(fd, 1)                                           // want `race instrumentation in fork child \(stubs.childMain\): call to stubs.rawDup2, which go build -race instruments \(not //go:norace\)`
	_ = rawErr(fd)                                           // want `allocation in fork child \(stubs.childMain\): stubs.rawErr: conversion of syscall.Errno to interface`
	_ = rawGetpid()                                          // want `dynamic call in fork child \(stubs.childMain\): call to stubs.rawGetpid, declared without a body`
	_ = errFd(0)                                             // quiet
	//forkcheck:ignore exit status only; the parent reads it with wait4
	_ = rawErr(2)
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
}
