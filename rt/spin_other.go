//go:build !amd64 || purego

package rt

// spinPause is an empty step of a spin wait where rt has no pause
// instruction.
func spinPause() {}
