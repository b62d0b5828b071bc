// Package rules has one must-report and one must-stay-quiet case for every
// forksafe rule, each in a //forkcheck:child function (entered in the
// child, so it is //go:nosplit //go:norace) or after a raw fork.
package rules

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

var (
	mu     sync.Mutex
	global int
	m      = map[int]int{}
	ch     = make(chan int, 1)
	sink   any
	fnVal  = func() {}
	buf    [64]byte
)

type T struct{ a, b int }

func (T) M() {} // want M:`forksafe\(leaf\)`

// allocations: must report.
//
//forkcheck:child allocation cases
//go:nosplit
//go:norace
func allocs(s string, b []byte, x int) {
	p := new(T)                          // want `allocation in fork child \(rules.allocs\): new\(T\) escapes to the heap`
	sink = p                             // (pointer-shaped: no second finding)
	q := &T{1, 2}                        // want `allocation in fork child \(rules.allocs\): composite literal &T\{...\} escapes to the heap`
	sink = q                             //
	s2 := make([]int, x)                 // want `allocation in fork child \(rules.allocs\): make\(\[\]int\)`
	_ = append(s2, 1)                    // want `allocation in fork child \(rules.allocs\): append`
	_ = s + "x"                          // want `allocation in fork child \(rules.allocs\): string concatenation`
	_ = []byte(s)                        // want `allocation in fork child \(rules.allocs\): conversion \[\]byte\(string\)`
	_ = string(b)                        // want `allocation in fork child \(rules.allocs\): conversion string\(\[\]byte\)`
	f := func() { x++ }                  // want `allocation in fork child \(rules.allocs\): closure capturing x`
	_ = f                                //
	g := T{}.M                           // want `allocation in fork child \(rules.allocs\): method value M`
	_ = g                                //
	sink = x                             // want `allocation in fork child \(rules.allocs\): conversion of int to interface`
	m[1] = 2                             // want `allocation in fork child \(rules.allocs\): map write`
	_ = m[2]                             // want `allocation in fork child \(rules.allocs\): map read`
	defer syscall.RawSyscall(0, 0, 0, 0) // want `allocation in fork child \(rules.allocs\): defer`
	go syscall.RawSyscall(0, 0, 0, 0)    // want `allocation in fork child \(rules.allocs\): go statement`
}

// allocation look-alikes that do not allocate: must stay quiet.
//
//forkcheck:child quiet allocation cases
//go:nosplit
//go:norace
func noAllocs(b []byte, fd uintptr) {
	var st syscall.Stat_t
	syscall.RawSyscall(syscall.SYS_FSTAT, fd, uintptr(unsafe.Pointer(&st)), 0) // address only to a raw syscall
	p := new(int32)                                                            // only loaded, stored and passed as uintptr
	*p = 1
	syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(p)), 4)
	sink = &buf           // pointer-shaped: no allocation
	sink = 7              // constant: static data
	sink = true           // one byte: static data
	if string(b) == "x" { // comparison: no allocation
		global++
	}
	_ = len(b)
}

// locks and blocking: must report.
//
//forkcheck:child lock cases
//go:nosplit
//go:norace
func locks(e error) {
	mu.Lock() // want `lock in fork child \(rules.locks\): call to sync.Mutex.Lock \(package sync`
	ch <- 1   // want `lock in fork child \(rules.locks\): channel send`
	<-ch      // want `lock in fork child \(rules.locks\): channel receive`
	select {  // want `lock in fork child \(rules.locks\): select`
	case <-ch:
	default:
	}
	println("x")            // want `lock in fork child \(rules.locks\): println`
	_, _ = e.(fmt.Stringer) // want `lock in fork child \(rules.locks\): type assertion to interface type fmt.Stringer`
	fmt.Sprint()            // want `lock in fork child \(rules.locks\): call to fmt.Sprint \(package fmt`
	panic("boom")           // want `lock in fork child \(rules.locks\): panic`
}

// lock look-alikes: must stay quiet.
//
//forkcheck:child quiet lock cases
//go:nosplit
//go:norace
func noLocks(e error) {
	_, _ = e.(syscall.Errno) // assertion to a concrete type: no call
	global = len(ch)         // len of a channel: no lock
}

// stack growth, preemption, dynamic calls: must report.
//
//forkcheck:child call cases
//go:nosplit
//go:norace
func calls(i fmt.Stringer) {
	split()                     // want `stack growth in fork child \(rules.calls\): call to rules.split, which has a stack-check prologue \(not //go:nosplit\)`
	fnVal()                     // want `dynamic call in fork child \(rules.calls\): call through a function value cannot be verified`
	_ = i.String()              // want `dynamic call in fork child \(rules.calls\): call of interface method fmt.Stringer.String cannot be verified`
	syscall.Syscall(0, 0, 0, 0) // want `preemption in fork child \(rules.calls\): syscall.Syscall: call to syscall.runtime_entersyscall, implemented by runtime.entersyscall` `race instrumentation in fork child \(rules.calls\): call to syscall.Syscall, which go build -race instruments`
}

// split has a stack-check prologue: it indexes.
//
//go:norace
func split() { buf[global] = 1 }

// call look-alikes: must stay quiet.
//
//forkcheck:child quiet call cases
//go:nosplit
//go:norace
func noCalls(x uintptr) {
	leaf(x)                        // trivial leaf: the compiler makes it nosplit, -race leaves it alone
	nosplitClean()                 // //go:nosplit //go:norace and clean
	syscall.RawSyscall(0, 0, 0, 0) // //go:nosplit //go:norace
	_ = unsafe.Sizeof(x)           // builtin
	func() { global = 1 }()        // want `stack growth in fork child \(rules.noCalls\): call to a func literal` `race instrumentation in fork child \(rules.noCalls\): call to a func literal`
}

func leaf(x uintptr) uintptr { return x>>5 + 1 }

//go:nosplit
//go:norace
func nosplitClean() { global = 2 }

// Transitive: the cause is two calls down, reported at the call in the
// child with the chain.
//
//forkcheck:child transitive cases
//go:nosplit
//go:norace
func transitive() {
	mid() // want `allocation in fork child \(rules.transitive\): rules.mid → rules.deep: string concatenation`
}

//go:nosplit
//go:norace
func mid() { deep("a") }

//go:nosplit
//go:norace
func deep(s string) { sink = s + s } //

// A child branch after a raw fork in an ordinary function.
//
//go:norace
func rawFork(s string) {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, 0, 0, 0)
	if errno != 0 || pid != 0 {
		_ = s + "parent may allocate" // parent: quiet
		return
	}
	_ = s + "child" // want `allocation in fork child \(rules.rawFork\): string concatenation`
	syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
}

// Ignores: one used on the line above, one used on the line, one in the
// doc comment, and one that suppresses nothing.
//
//forkcheck:child ignore cases
//go:nosplit
//go:norace
func ignored(s string) {
	//forkcheck:ignore we exec right away and a leaked string is harmless
	_ = s + "a"
	_ = s + "b" //forkcheck:ignore same reason, on the line
	//forkcheck:ignore nothing to suppress here // want `unused //forkcheck:ignore`
	global = 3
}

// docIgnored is excused as a whole.
//
//forkcheck:child doc-ignored
//forkcheck:ignore this child only runs under a test harness
//go:nosplit
//go:norace
func docIgnored(s string) {
	_ = s + "a"
}
