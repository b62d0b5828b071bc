// Package b provides nosplit helpers to package c's fork child; forksafe
// summarises their bodies as facts.
package b

import "fmt"

var sink any

// Alloc is //go:nosplit but concatenates strings: a child calling it
// allocates.
//
//go:nosplit
//go:norace
func Alloc(s string) { sink = s + "!" } // want Alloc:`forksafe\(norace,nosplit: allocation\)`

// Logs is //go:nosplit but calls fmt two calls down.
//
//go:nosplit
//go:norace
func Logs() { logHelper() } // want Logs:`forksafe\(norace,nosplit: allocation,lock\)`

//go:nosplit
//go:norace
func logHelper() { fmt.Println("child") }

// Clean is //go:nosplit //go:norace and touches only its arguments.
//
//go:nosplit
//go:norace
func Clean(p *int) { *p = 1 } // want Clean:`forksafe\(norace,nosplit\)`

// Plain has no directives and indexes: it has a prologue and -race
// instruments it.
func Plain(b []byte) byte { return b[0] }

// Leaf is a trivial leaf: no directive needed.
func Leaf(x uintptr) uintptr { return x << 1 } // want Leaf:`forksafe\(leaf\)`
