//go:build !amd64 || purego

package rt

import "unsafe"

// spinPause is an empty step of a spin wait where rt has no pause
// instruction.
func spinPause() {}

// prefetch does nothing where rt has no prefetch instruction.
func prefetch(p unsafe.Pointer) {}
