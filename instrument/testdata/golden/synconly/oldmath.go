package synconly

// Written before Go 1.21: the package declares its own min and max. Code
// instrumented for its accesses may use the predeclared ones, so such a
// package is left out of full instrumentation; sync-only code never
// names them, and the package keeps its synchronisation.

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Clamp hands its result over a channel.
func Clamp(x, lo, hi int, out chan<- int) {
	v := max(lo, min(x, hi))
	out <- v
}
