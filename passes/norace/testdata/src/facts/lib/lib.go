// want package:`pkg:facts/user.declared=func:nosplit,linkname=facts/user.declared`

// Package lib provides, through a push linkname, the implementation of a
// function that package user declares without a body.
package lib

import _ "unsafe"

//go:linkname childImpl facts/user.declared
//go:nosplit
func childImpl() {} // want childImpl:`func:nosplit`

//go:norace
//go:nosplit
func Clean() {} // want Clean:`func:norace,nosplit,noinstrument`

func Plain() {}
