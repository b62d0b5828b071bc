package rt

import "unsafe"

// I/O.
//
// Under -race, std's syscall package makes file and network I/O an edge:
// every write release-merges one global object (syscall.ioSync) before
// the system call, every read acquires it after. rt sees no call inside
// std; the instrumenter calls IOWrite and IORead around the calls of user
// code that write out or read in (instrument/iosync.go).

// ioSync is the one sync object of all I/O, as syscall.ioSync is under
// -race: a coarse edge, which can hide races but never reports a false one.
var ioSync uint64

// IOWrite is called before an operation that writes to a file, a socket
// or a pipe (or may): everything the calling goroutine did so far happens
// before every IORead that comes after it.
func IOWrite() { ReleaseMerge(uintptr(unsafe.Pointer(&ioSync))) }

// IORead is called after an operation that read from a file, a socket or
// a pipe (or may have): every IOWrite so far happens before the calling
// goroutine's next step.
func IORead() { Acquire(uintptr(unsafe.Pointer(&ioSync))) }
