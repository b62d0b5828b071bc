//go:build race

package rt

// raceBuild: this test binary runs under Go's own race detector, which
// also reads GORACE in child processes.
const raceBuild = true
