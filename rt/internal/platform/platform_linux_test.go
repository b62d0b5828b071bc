package platform

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// currentMask reads the thread's mask without changing it.
func currentMask() (cur Sigset) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, 0, uintptr(unsafe.Pointer(&cur)), sigsetSize, 0, 0)
	return cur
}

func TestBlockSignalsLinux(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := currentMask()
	old := BlockSignals()
	during := currentMask()
	RestoreSignals(old)
	after := currentMask()
	if old != before {
		t.Errorf("BlockSignals returned %x, mask was %x", old, before)
	}
	// The kernel never blocks SIGKILL and SIGSTOP; everything else must be.
	want := ^uint32(0) &^ (1<<(syscall.SIGKILL-1) | 1<<(syscall.SIGSTOP-1))
	if during[0]&want != want {
		t.Errorf("mask while blocked = %x, want bits %x set", during[0], want)
	}
	if after != before {
		t.Errorf("mask after restore = %x, want %x", after, before)
	}
}

func TestThreadIDLinux(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if got, want := ThreadID(), int64(syscall.Gettid()); got != want {
		t.Fatalf("ThreadID() = %d, gettid = %d", got, want)
	}
}

func TestTHPSize(t *testing.T) {
	for _, c := range []struct {
		enabled, size string
		want          uintptr
	}{
		{"always [madvise] never\n", "2097152\n", 2 << 20},
		{"[always] madvise never\n", "2097152\n", 2 << 20},
		{"always madvise [never]\n", "2097152\n", 0},
		{"", "", 0}, // no THP in the kernel
		{"always [madvise] never\n", "", 0},
		{"always [madvise] never\n", "3000000\n", 0}, // not a power of two
		{"[always] madvise never\n", "536870912\n", 512 << 20},
	} {
		if got := thpSize(c.enabled, c.size); got != c.want {
			t.Errorf("thpSize(%q, %q) = %d, want %d", c.enabled, c.size, got, c.want)
		}
	}
}

// TestMapHuge: the mapping is aligned, zeroed, writable, and (when the
// kernel has THP) marked for huge pages: "hg" in its smaps VmFlags.
func TestMapHuge(t *testing.T) {
	const huge, n = 2 << 20, 4 << 20
	b := MapHuge(n, huge)
	if len(b) != n || cap(b) != n {
		t.Fatalf("MapHuge(%d): len %d cap %d", n, len(b), cap(b))
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	if start%huge != 0 {
		t.Errorf("MapHuge: start %#x not aligned to %#x", start, huge)
	}
	for i := 0; i < n; i += 4096 {
		if b[i] != 0 {
			t.Fatalf("byte %d = %d, want 0", i, b[i])
		}
		b[i] = 1
	}
	if HugePageSize() == 0 {
		return
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("%x-", start)
	i := strings.Index(string(smaps), head)
	if i < 0 || (i > 0 && smaps[i-1] != '\n') {
		t.Fatalf("no mapping starting at %#x in /proc/self/smaps", start)
	}
	rest := string(smaps[i:])
	j := strings.Index(rest, "VmFlags:")
	if j < 0 {
		t.Fatal("no VmFlags in smaps")
	}
	flags := rest[j:]
	flags = flags[:strings.IndexByte(flags, '\n')]
	if !strings.Contains(flags, " hg") {
		t.Errorf("mapping at %#x: %s, want hg (MADV_HUGEPAGE)", start, flags)
	}
}
