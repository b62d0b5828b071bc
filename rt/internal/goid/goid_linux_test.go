package goid

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// TestFastPath386 runs this package's tests as a linux/386 binary, which an
// amd64 Linux kernel executes natively: the 386 getg and offsets get checked
// on every amd64 run.
func TestFastPath386(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for GOARCH=386")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("needs linux/amd64 to run 386 binaries")
	}
	bin := filepath.Join(t.TempDir(), "goid386.test")
	build := exec.Command(goTool(t), "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOARCH=386", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=386 go test -c: %v\n%s", err, b)
	}
	run := exec.Command(bin, "-test.count=1", "-test.short", "-test.run", "TestFastPathEnabled|TestGetMatchesStack|TestAliveAfterExit")
	b, err := run.CombinedOutput()
	if errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("built for 386, but this kernel cannot execute 386 binaries: %v", err)
	}
	if err != nil {
		t.Fatalf("386 test binary: %v\n%s", err, b)
	}
}
