//go:build go1.21

package alloc

// Before Go 1.22 a loop's variables are allocated once, before the loop,
// where no hook can go: none.
func oldLoops() {
	for i := 0; i < 3; i++ {
		sink = &i
	}
	for k := range []int{1} {
		sink = &k
	}
}
