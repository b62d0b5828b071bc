// Package called has no child code of its own; the test tells AnalyzeWith
// that child code of another package calls Entry and T.Method.
package called

import "called/dep"

var sink int

func Entry() {
	helper()
	dep.Leaf()
	f := func() { sink = 3 }
	f()
}

func helper() { sink++ }

type T struct{}

func (T) Method() { dep.Other() }

func Untouched() { sink += 2 }

func alsoUntouched() { dep.Unreached() }
