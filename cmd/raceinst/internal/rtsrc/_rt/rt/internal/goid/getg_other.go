//go:build !(386 || amd64 || arm || arm64 || loong64 || mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x)

package goid

import "unsafe"

// haveGetg is false: this GOARCH (wasm, ...) has no getg assembly here, so
// Get always takes the runtime.Stack path.
const haveGetg = false

func getg() unsafe.Pointer { return nil }
