package platform

import (
	"os"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("Write goes to the standard handles only")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	msg := []byte("raw write\n")
	Write(int(w.Fd()), msg)
	w.Close()
	buf := make([]byte, 64)
	n, _ := r.Read(buf)
	if string(buf[:n]) != string(msg) {
		t.Fatalf("read %q, want %q", buf[:n], msg)
	}
}

func TestShimsDoNotAllocate(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := testing.AllocsPerRun(100, func() {
		old := BlockSignals()
		_ = ThreadID()
		RestoreSignals(old)
	})
	if n != 0 {
		t.Errorf("BlockSignals/ThreadID/RestoreSignals allocate %v times", n)
	}
}
