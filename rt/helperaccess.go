package rt

// Accesses std makes on the program's behalf.
//
// reflect reads and writes the memory a reflect.Value addresses inside
// std, which is not instrumented; the instrumenter's generated helpers
// (instrument/reflect.go) record those accesses with these hooks, which
// report them at the helper's caller, the user's call site, as the sync
// hooks report the accesses of the operations they describe. Each 8-byte
// word of the range is checked by the range's first byte in it.

// HelperReadRange is ReadRange for a generated helper: a read of the n
// bytes at addr, reported at the helper's caller.
func HelperReadRange(addr, n uintptr) {
	// The loop is in each hook (not a shared function): hookAccess finds
	// the helper as its caller's caller.
	if n == 0 {
		return
	}
	g := cur()
	for a, end := addr, addr+n; a < end; a = a&^7 + 8 {
		hookAccess(g, a, false, false)
	}
}

// HelperWriteRange is WriteRange for a generated helper.
func HelperWriteRange(addr, n uintptr) {
	if n == 0 {
		return
	}
	g := cur()
	for a, end := addr, addr+n; a < end; a = a&^7 + 8 {
		hookAccess(g, a, true, false)
	}
}
