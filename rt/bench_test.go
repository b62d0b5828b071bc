package rt

import "testing"

// Benchmarks of the hooks instrumented code calls most, each beside the
// same code without hooks (go test -bench . ./rt).

//go:noinline
func leafPlain(x int) int { return x + 1 }

//go:noinline
func leafHooked(x int) int {
	FuncEnter(0)
	defer FuncExit()
	return x + 1
}

// BenchmarkFuncEnterExit: a call of a function with FuncEnter and a
// deferred FuncExit, as the instrumenter writes them, against the call
// alone.
func BenchmarkFuncEnterExit(b *testing.B) {
	for _, bc := range []struct {
		name string
		f    func(int) int
	}{{"plain", leafPlain}, {"hooks", leafHooked}} {
		b.Run(bc.name, func(b *testing.B) {
			run(func() {
				s := 0
				for i := 0; b.Loop(); i++ {
					s += bc.f(i)
				}
				sink = s
			})
		})
	}
}

var sink int
