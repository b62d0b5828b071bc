package main

import "fmt"

type S struct{ a, b, c int }

var global int

// Leaves (no call, no hook): no FuncEnter/FuncExit, so they stay
// inlinable and the calls below are still initialised statically.
func FS(x, y, z int) *S { return &S{x, y, z} }

func gopherize(s string) string { return "gopher " + s }

var lit = FS(1, 2, 3)
var animal = gopherize("badger")

// Empty init functions are still dropped.
func init() {
}

func init() {
	if false {
	}
}

// Builtins and conversions are not calls; a closure's call is its own.
func builtins(b []byte) (int, string) {
	f := func() { fmt.Println(len(b)) }
	_ = f
	return len(b) + cap(b), string(rune(len(b)))
}

// Not leaves: a call, a hook, a range over a function.
func calls() { fmt.Println(gopherize("x")) }

func hooked() int { return global }

func ranges(seq func(func(int) bool)) (n int) {
	for x := range seq {
		n += x
	}
	return n
}

func main() {
	// main's own closures keep their names (main.main.func1 ...).
	f := func() int { return 1 }
	g := func() { global = f() }
	g()
	calls()
	_, _ = builtins(nil)
	_ = hooked()
	_ = ranges(func(yield func(int) bool) {})
	_, _ = lit, animal
}
