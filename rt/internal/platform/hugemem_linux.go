package platform

import (
	"strings"
	"syscall"
	"unsafe"
)

// HugePageSize returns the size of the kernel's transparent huge pages if a
// mapping that asks for them with madvise(MADV_HUGEPAGE) gets them (THP
// "always" or "madvise" in /sys/kernel/mm/transparent_hugepage/enabled),
// and 0 if it does not (THP "never", or a kernel without THP).
//
// It reads two files: call it once, not in a fork child.
func HugePageSize() uintptr {
	return thpSize(readSmall("/sys/kernel/mm/transparent_hugepage/enabled"),
		readSmall("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"))
}

// thpSize is HugePageSize from the two files' contents.
func thpSize(enabled, pmdSize string) uintptr {
	if !strings.Contains(enabled, "[always]") && !strings.Contains(enabled, "[madvise]") {
		return 0
	}
	n := uintptr(0)
	for _, c := range []byte(pmdSize) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uintptr(c-'0')
	}
	if n == 0 || n&(n-1) != 0 {
		return 0
	}
	return n
}

// MapHuge maps n bytes of zeroed private memory, aligned to and asked to be
// backed by huge pages of the given size (HugePageSize), outside the Go
// heap. The memory is never unmapped. It returns nil if the mapping fails.
func MapHuge(n, huge uintptr) []byte {
	b, err := syscall.Mmap(-1, 0, int(n+huge), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	off := -uintptr(unsafe.Pointer(&b[0])) & (huge - 1)
	b = b[off : off+n : off+n]
	// Without the advice the kernel backs the mapping with small pages
	// (THP "madvise"); the memory is still usable.
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	return b
}

// readSmall returns the start of a small file (a sysfs setting), or "".
func readSmall(path string) string {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	var buf [128]byte
	n, err := syscall.Read(fd, buf[:])
	if err != nil || n <= 0 {
		return ""
	}
	return string(buf[:n])
}
