package platform

import (
	"runtime"
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
