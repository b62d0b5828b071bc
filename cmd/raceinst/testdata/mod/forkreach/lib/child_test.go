package lib_test

import (
	"testing"

	"example.com/mod/forkreach/lib"
)

// testChild is fork-child code of the external test package: what it
// reaches is in lib's test variant (ForTests) and, from there, in lib2.
//
//forkcheck:child the body a hand-written fork would run
func testChild() {
	lib.ForTests()
}

func TestNever(t *testing.T) {
	if lib.Never() {
		testChild()
	}
}
