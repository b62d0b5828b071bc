package norace

var g int

//go:norace
func skipped(p *int) {
	*p = 1
	g++
}

func instrumented(p *int) {
	*p = 1
	g++
}

//go:nosplit
func nosplit(p *int) {
	*p = 2
}
