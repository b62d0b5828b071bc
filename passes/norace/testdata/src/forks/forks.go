// want package:`pkg:reaches=syscall.Getpid;syscall.RawSyscall`

// Package forks holds the shapes of fork-child code norace must recognise.
// Each function's fact says whether it must not be instrumented and why.
package forks

import (
	"syscall"
	"unsafe"
)

var sink int

func helper() { sink++ } // want helper:`noinstrument\(reached from child branch of fork \(syscall.RawSyscall\(SYS_CLONE\)`

func parentOnly() { sink-- } // parentOnly is called only on the parent's path: no fact.

func nested() { sink += 2 } // want nested:`noinstrument\(reached from child branch of fork`

func viaHelper() { nested() } // want viaHelper:`noinstrument\(reached from child branch of fork`

// pidNotZeroReturns is the std shape: the parent returns, the rest is child.
func pidNotZeroReturns() int {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno != 0 || pid != 0 {
		parentOnly()
		return int(pid)
	}
	helper()
	viaHelper()
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	return 0
}

func inBranch() {} // want inBranch:`noinstrument\(reached from child branch of fork \(syscall.RawSyscall\(SYS_FORK\)`

func afterBranch() { sink = 3 } // no fact: runs in the parent (the child exits in its branch, but SSA cannot know; it is reached from both paths)

// pidZeroBranch is the other shape: the child runs in the if body.
func pidZeroBranch() {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if pid == 0 {
		inBranch()
		f := func() { sink = 9 }
		f()
		syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	}
	afterBranch()
}

func notAFork() {} // no fact: getpid is not a fork.

func getpid() {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	if pid == 0 {
		notAFork()
	}
}

func windowCallee() {} // want windowCallee:`noinstrument\(reached from before-fork window`

//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork() // want beforeFork:`func:nobody,linkname=syscall.runtime_BeforeFork`

// window: between runtime_BeforeFork and the fork nothing may allocate.
func window() {
	var buf [8]byte
	beforeFork()
	windowCallee()
	pid, _, _ := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(unsafe.Pointer(&buf[0])), 0, 0)
	if pid != 0 {
		return
	}
}

//forkcheck:child the child half of a hand-written fork
func annotated() { // want annotated:`child\(//forkcheck:child\)`
	childCallee()
}

func childCallee() {} // want childCallee:`noinstrument\(reached from //forkcheck:child`

//go:norace
func noraceOnly() {} // want noraceOnly:`func:norace,noinstrument\(//go:norace\)`

func usesClosureFromChild() {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_CLONE, 0, 0, 0)
	if pid == 0 {
		g := closureTarget
		g()
	}
}

func closureTarget() {} // want closureTarget:`noinstrument\(reached from child branch`

func crossPackage() {
	pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if pid == 0 {
		syscall.Getpid() // other package: listed in the package fact
	}
}
