// Package lib2 is reached from fork-child code of package main through
// lib.F (G), and from parent code (Other).
package lib2

import "example.com/dep/flag"

var m int

func G() {
	if flag.Load() {
		m++
	}
}

func Other() {
	m--
	flag.Set()
}
