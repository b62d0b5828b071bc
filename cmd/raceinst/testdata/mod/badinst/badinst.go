// Package badinst is one that the tests make the instrumenter fail on.
package badinst

// V is a value.
var V = 1
