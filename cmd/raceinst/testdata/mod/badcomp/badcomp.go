// Package badcomp is one whose instrumented code the tests make the
// compiler reject.
package badcomp

// V is a value.
var V = 2
