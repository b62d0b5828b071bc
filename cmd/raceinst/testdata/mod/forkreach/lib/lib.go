// Package lib is called from fork-child code of package main (F) and
// from its parent code (Other, Never).
package lib

import "example.com/mod/forkreach/lib2"

var n int

func F() {
	n++
	helper()
	lib2.G()
}

func helper() { n-- }

func Other() {
	n += 2
	lib2.Other()
}

func Never() bool { return n < 0 }
