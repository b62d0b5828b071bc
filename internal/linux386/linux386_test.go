package linux386

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRT386 runs the tests of rt/... natively on linux/386, in a
// qemu-system-i386 virtual machine: the 386 getg assembly, the 386 g
// offsets and the detector on a 32-bit port get checked on every amd64 run.
//
// The binaries run with -test.short, which skips exactly the tests that
// execute the go command (TestCrossBuild, TestOffsetsCurrent): there is no
// toolchain in the virtual machine, and those tests run on the host anyway.
func TestRT386(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rt/... for linux/386 and boots it in qemu-system-i386")
	}
	if err := Check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v\nCI must run the rt tests on linux/386; .ci/run installs what they need with:\n\t%s", err, InstallHint)
		}
		t.Skipf("%v; install with:\n\t%s", err, InstallHint)
	}
	root := moduleRoot(t)

	// A bound for a hung virtual machine, well inside go test's own timeout.
	ctx := context.Background()
	limit := 10 * time.Minute
	if dl, ok := t.Deadline(); ok {
		if d := time.Until(dl) - 30*time.Second; d < limit {
			limit = d
		}
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	work := t.TempDir()
	res, err := Run(ctx, Config{
		ModuleDir:   root,
		Patterns:    []string{"./rt/..."},
		TestArgs:    []string{"-test.short"},
		TestTimeout: 4 * time.Minute,
		WorkDir:     work,
		Logf:        t.Logf,
	})
	if err != nil {
		if res != nil {
			t.Logf("kernel console (last lines):\n%s", tail(res.Console, 40))
		}
		t.Fatal(err)
	}

	t.Logf("virtual machine: %s", res.Kernel)
	if !strings.HasSuffix(res.Kernel, " i686") && !strings.HasSuffix(res.Kernel, " i386") {
		t.Errorf("the virtual machine runs %q, not an i386 kernel", res.Kernel)
	}
	total := 0
	for _, p := range res.Packages {
		pass, fail, skip := p.Count("PASS"), p.Count("FAIL"), p.Count("SKIP")
		total += pass
		t.Logf("linux/386 %s: status %d, %d passed, %d failed, %d skipped", p.ImportPath, p.Status, pass, fail, skip)
		if testing.Verbose() {
			for _, tc := range p.Tests {
				t.Logf("    %s %s", tc.Outcome, tc.Name)
			}
		}
		switch {
		case !p.Ran:
			t.Errorf("linux/386 %s did not finish in the virtual machine; its output:\n%s", p.ImportPath, p.Output)
		case p.Status != 0 || fail > 0:
			t.Errorf("linux/386 %s failed (status %d):\n%s", p.ImportPath, p.Status, p.Output)
		case pass == 0:
			t.Errorf("linux/386 %s ran no test:\n%s", p.ImportPath, p.Output)
		}
	}
	if !res.Done {
		t.Errorf("the virtual machine's init did not reach the end of its list; kernel console (last lines):\n%s", tail(res.Console, 40))
	}
	t.Logf("linux/386: %d tests passed in %d packages", total, len(res.Packages))

	// The tests that check what is 386-specific must have run, not skipped.
	for _, want := range []struct{ pkg, test string }{
		{"github.com/raceinst/raceinst/rt/internal/goid", "TestFastPathEnabled"},
		{"github.com/raceinst/raceinst/rt/internal/goid", "TestGetMatchesStack"},
		{"github.com/raceinst/raceinst/rt/internal/goid", "TestAliveAfterExit"},
		{"github.com/raceinst/raceinst/rt/internal/platform", "TestThreadIDLinux"},
		{"github.com/raceinst/raceinst/rt/internal/platform", "TestBlockSignalsLinux"},
		{"github.com/raceinst/raceinst/rt", "TestReportFormat"},
		{"github.com/raceinst/raceinst/rt", "TestSignalSummary"},
		{"github.com/raceinst/raceinst/rt", "TestHooksDoNotAllocate"},
	} {
		if got := outcome(res, want.pkg, want.test); got != "PASS" {
			t.Errorf("linux/386 %s %s: %q, want PASS", want.pkg, want.test, got)
		}
	}
}

func outcome(res *Result, pkg, test string) string {
	for _, p := range res.Packages {
		if p.ImportPath != pkg {
			continue
		}
		for _, tc := range p.Tests {
			if tc.Name == test {
				return tc.Outcome
			}
		}
		return "not run"
	}
	return "package not run"
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not in a module")
	}
	return filepath.Dir(gomod)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestParse(t *testing.T) {
	m := manifest{Nonce: "n1", Runs: []run{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	results := "garbage\r\n" +
		"\r\n@@raceinst:n1 start Linux 6.1.0-50-686 i686\r\n" +
		"\r\n@@raceinst:n1 begin a\r\n" +
		"=== RUN   TestX\r\n--- PASS: TestX (0.00s)\r\n=== RUN   TestY\r\n=== RUN   TestY/sub\r\n    --- SKIP: TestY/sub (0.01s)\r\n--- FAIL: TestY (0.01s)\r\n" +
		"@@raceinst:other begin b\r\n" + // another run's marker is output
		"FAIL\r\n" +
		"\r\n@@raceinst:n1 end a status=1\r\n" +
		"\r\n@@raceinst:n1 begin b\r\n--- PASS: TestZ (1.50s)\r\n\r\n@@raceinst:n1 end b status=0\r\n" +
		"\r\n@@raceinst:n1 begin c\r\n=== RUN   TestHang\r\n" // cut off
	res := parse(m, []byte(results))
	got := ""
	for _, p := range res.Packages {
		got += fmt.Sprintf("%s ran=%v status=%d pass=%d fail=%d skip=%d %v\n", p.ImportPath, p.Ran, p.Status, p.Count("PASS"), p.Count("FAIL"), p.Count("SKIP"), p.Tests)
	}
	want := "a ran=true status=1 pass=1 fail=1 skip=1 [{TestX PASS} {TestY/sub SKIP} {TestY FAIL}]\n" +
		"b ran=true status=0 pass=1 fail=0 skip=0 [{TestZ PASS}]\n" +
		"c ran=false status=-1 pass=0 fail=0 skip=0 []\n"
	if got != want {
		t.Errorf("parse:\n%s\nwant:\n%s", got, want)
	}
	if res.Done {
		t.Error("Done without a done marker")
	}
	if res.Kernel != "Linux 6.1.0-50-686 i686" {
		t.Errorf("Kernel = %q", res.Kernel)
	}
	if !strings.Contains(res.Packages[0].Output, "@@raceinst:other begin b") {
		t.Errorf("output of a lost a line:\n%s", res.Packages[0].Output)
	}
	if !strings.Contains(res.Packages[2].Output, "=== RUN   TestHang") {
		t.Errorf("output of the cut-off run lost:\n%q", res.Packages[2].Output)
	}
	if len(res.Failed()) != 2 {
		t.Errorf("Failed() = %d packages, want 2 (a, c)", len(res.Failed()))
	}
}

// TestCPIO checks the newc archive against GNU cpio when it is installed.
func TestCPIO(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("hello, file\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := newCPIO(&b)
	w.Dir("tmp", 0o1777)
	w.CharDev("dev/console", 0o600, 5, 1)
	w.File("/a/b/c.test", src)
	w.Bytes("a/m.json", 0o644, []byte("{}"))
	w.File("missing-later", filepath.Join(dir, "nope"))
	if err := w.Close(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close after adding a missing file: %v, want ErrNotExist", err)
	}

	b.Reset()
	w = newCPIO(&b)
	w.Dir("tmp", 0o1777)
	w.CharDev("dev/console", 0o600, 5, 1)
	w.File("/a/b/c.test", src)
	w.Bytes("a/m.json", 0o644, []byte("{}"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", b.Len())
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("070701")) || !bytes.Contains(b.Bytes(), []byte("TRAILER!!!\x00")) {
		t.Fatalf("not a newc archive:\n%q", b.Bytes())
	}

	cpio, err := exec.LookPath("cpio")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cpio not installed; .ci/run installs it (apt-get install -y cpio)")
		}
		t.Skip("cpio not installed: the archive is not cross-checked")
	}
	cmd := exec.Command(cpio, "-t", "-v", "--quiet")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -t: %v\n%s", err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		got = append(got, f[0]+" "+f[len(f)-1])
	}
	want := []string{"drwxrwxrwt tmp", "drwxr-xr-x dev", "crw------- dev/console", "drwxr-xr-x a", "drwxr-xr-x a/b", "-rwxr-xr-x a/b/c.test", "-rw-r--r-- a/m.json"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("cpio -t:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKVMWatch: qemu's report that KVM cannot run the guest, even split
// across writes, cancels the boot (qemu would wait for the deadline), and
// other output does not.
func TestKVMWatch(t *testing.T) {
	cancelled := 0
	w := &kvmWatch{cancel: func() { cancelled++ }}
	w.Write([]byte("qemu-system-i386: warning: host doesn't support requested feature\n"))
	if cancelled != 0 || w.failed.Load() {
		t.Fatalf("a warning cancelled the boot")
	}
	w.Write([]byte("KVM inter"))
	w.Write([]byte("nal error. Suberror: 1\nextra data[0]: 0x1\n"))
	w.Write([]byte("emulation failure\n"))
	if cancelled != 1 || !w.failed.Load() {
		t.Fatalf("cancelled %d times, failed %v; want once, true", cancelled, w.failed.Load())
	}
	if got := firstLine(w.buf.String(), kvmError); got != "KVM internal error. Suberror: 1" {
		t.Errorf("firstLine = %q", got)
	}
}
