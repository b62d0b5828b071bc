package rt

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// crossPorts are the GOOS/GOARCH pairs rt must build and vet on.
var crossPorts = []string{
	"linux/amd64", "linux/386", "linux/arm", "linux/arm64", "linux/riscv64",
	"linux/mips64le", "linux/ppc64le", "linux/s390x", "linux/loong64",
	"netbsd/amd64", "netbsd/386", "netbsd/arm64",
	"freebsd/amd64", "openbsd/amd64", "dragonfly/amd64",
	"darwin/arm64", "solaris/amd64",
	"plan9/386", "plan9/amd64",
	"windows/amd64", "js/wasm", "wasip1/wasm",
}

// TestCrossBuild runs "go vet" (which type-checks, compiles the assembly
// headers and runs the analyzers, asmdecl included) on rt/... for every
// port, two at a time, and lists the ports that fail.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("vets rt for every port")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go command not found: the test needs it")
	}
	if p := runtime.GOROOT() + "/bin/go"; fileExists(p) {
		gobin = p
	}
	var (
		mu     sync.Mutex
		failed []string
		wg     sync.WaitGroup
		sem    = make(chan struct{}, 2)
	)
	for _, port := range crossPorts {
		goos, goarch, _ := strings.Cut(port, "/")
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(gobin, "vet", "./...")
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("%s: %v\n%s", port, err, out))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		slices.Sort(failed)
		t.Errorf("go vet ./rt/... fails on %d port(s):\n%s", len(failed), strings.Join(failed, "\n"))
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
