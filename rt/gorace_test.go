package rt

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestRaceFreeUnderGoRace runs rt's own tests under Go's race detector: rt
// shares shadow state between goroutines through sync/atomic only, and
// ThreadSanitizer checks that. (Skipped when this binary is the -race one,
// so it does not recurse.)
func TestRaceFreeUnderGoRace(t *testing.T) {
	if raceBuild {
		t.Skip("already running under -race")
	}
	if testing.Short() {
		t.Skip("runs go test -race ./rt/...")
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "test", "-race", "-short", "-count=1", "./...")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -race -short ./rt/...: %v\n%s", err, out)
	}
}
