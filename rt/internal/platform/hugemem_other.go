//go:build !linux

package platform

// HugePageSize returns 0: rt asks for huge pages on Linux only (elsewhere
// the kernel decides, as FreeBSD's superpages do, or there is no mmap).
func HugePageSize() uintptr { return 0 }

// MapHuge is not used where HugePageSize returns 0.
func MapHuge(n, huge uintptr) []byte { return nil }
