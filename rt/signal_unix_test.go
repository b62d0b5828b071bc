//go:build unix

package rt

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func init() {
	scenarios["sigterm"] = func() {
		x := heapWord()
		run(func() { racyWriter(x) })
		run(func() { racyWriter(x) })
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(10 * time.Second)
	}
}

func TestSignalSummary(t *testing.T) {
	res := runScenario(t, "sigterm", "atexit_sleep_ms=0")
	var ee *exec.ExitError
	if !errors.As(res.err, &ee) {
		t.Fatalf("scenario did not fail: %v", res.err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("wait status %v, want killed by SIGTERM", ee)
	}
	if !strings.Contains(res.stderr, "Found 1 data race(s)") {
		t.Errorf("no summary before dying of SIGTERM:\n%s", res.stderr)
	}
}
