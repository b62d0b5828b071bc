// Command forkreach has fork-child code, childBody, that calls lib.F in
// another package of the module, which calls lib2.G in a third. The
// driver's pre-pass must keep lib.F, what it calls in lib (helper) and
// lib2.G from being instrumented, and only those (TestCrossPackageSkip).
package main

import "example.com/mod/forkreach/lib"

//forkcheck:child the body a hand-written fork would run
func childBody() {
	lib.F()
}

func main() {
	lib.Other()
	if lib.Never() {
		childBody()
	}
	println("forkreach ok")
}
