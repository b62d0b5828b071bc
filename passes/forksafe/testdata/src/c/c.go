// Package c's fork child calls into package b: judged by b's facts.
package c

import "b"

// child runs between fork and exec.
//
//forkcheck:child cross-package cases
//go:nosplit
//go:norace
func child(p *int, s string, buf []byte) {
	b.Alloc(s)   // want `allocation in fork child \(c.child\): b.Alloc: string concatenation`
	b.Logs()     // want `lock in fork child \(c.child\): b.Logs → b.logHelper: call to fmt.Println \(package fmt` `allocation in fork child \(c.child\): b.Logs → b.logHelper: variadic arguments escape to the heap`
	b.Clean(p)   // quiet: nosplit, norace, clean
	b.Plain(buf) // want `stack growth in fork child \(c.child\): call to b.Plain, which has a stack-check prologue` `race instrumentation in fork child \(c.child\): call to b.Plain, which go build -race instruments`
	b.Leaf(1)    // quiet: trivial leaf fact
}
