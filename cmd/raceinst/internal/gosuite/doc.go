// Package gosuite holds TestGoRunPrograms, which checks that raceinst build
// preserves the semantics of the Go distribution's own "// run" programs
// ($GOROOT/test). It is a package of its own so that its few minutes of
// builds get their own go test timeout. Results: bench/raceinst/SEMANTICS.md.
package gosuite
