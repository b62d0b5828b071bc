//go:build 386 || amd64 || arm || arm64 || loong64 || mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x

package goid

import "unsafe"

// haveGetg reports that this GOARCH has getg assembly (getg_GOARCH.s).
const haveGetg = true

// getg returns the running goroutine's runtime.g: the TLS slot on
// 386/amd64, the dedicated g register elsewhere.
func getg() unsafe.Pointer
