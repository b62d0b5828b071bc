// Package linux386 runs Go test binaries natively on linux/386, in a
// qemu-system-i386 virtual machine, for hosts whose kernel cannot execute
// 386 binaries (no IA32 emulation) and where qemu-user cannot run Go
// (it crashes Go's 386 signal handling).
//
// Run builds the test binaries of some packages with GOOS=linux GOARCH=386
// CGO_ENABLED=0, packs them with an init of its own (./vminit) and the
// packages' source directories into an initramfs, boots a Debian i386
// kernel on it under qemu-system-i386, and reads each binary's output and
// exit status back from the virtual machine's second serial port. It is
// test infrastructure: TestRT386 uses it for rt/...; .ci/install-i386-kernel
// installs qemu and the kernel.
package linux386

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// vminitPkg is the init run as PID 1 in the virtual machine.
const vminitPkg = "github.com/raceinst/raceinst/internal/linux386/vminit"

// InstallHint is the command that installs qemu-system-i386 and the kernel.
const InstallHint = "bash .ci/install-i386-kernel   # in the repository root: apt-get installs qemu-system-x86; Debian's linux-image-*-686:i386 kernel goes to $RACEINST_I386_KERNEL, by default ~/.cache/raceinst/i386/vmlinuz"

// KernelPath returns where the i386 kernel is looked for: $RACEINST_I386_KERNEL,
// or raceinst/i386/vmlinuz in the user's cache directory (where
// .ci/install-i386-kernel puts it).
func KernelPath() string {
	if p := os.Getenv("RACEINST_I386_KERNEL"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = filepath.Join(os.TempDir(), "cache")
	}
	return filepath.Join(dir, "raceinst", "i386", "vmlinuz")
}

// Config says what to run and with what.
type Config struct {
	Qemu      string   // qemu-system-i386; looked up in PATH if empty
	Kernel    string   // i386 bzImage; KernelPath() if empty
	ModuleDir string   // where the go command runs (the module root)
	Patterns  []string // packages whose tests run, e.g. "./rt/..."
	// TestArgs go to every test binary, after -test.v and -test.timeout.
	TestArgs []string
	// TestTimeout bounds each test binary (-test.timeout; the init kills it
	// a little later). Zero means 5 minutes.
	TestTimeout time.Duration
	WorkDir     string // for binaries, initramfs and logs; must exist
	// Logf, if set, reports progress.
	Logf func(format string, args ...any)
}

// Test is one test or subtest as the binary's -test.v output reported it.
type Test struct {
	Name    string // "TestGORACE/default"
	Outcome string // "PASS", "FAIL" or "SKIP"
}

// Package is one package's run inside the virtual machine.
type Package struct {
	ImportPath string
	Ran        bool   // its begin and end markers were both seen
	Status     int    // exit status; 128+signal if killed; -1 if not started
	Output     string // everything the binary wrote, stdout and stderr
	Tests      []Test
}

// Count returns how many tests (subtests included) had the outcome.
func (p *Package) Count(outcome string) int {
	n := 0
	for _, t := range p.Tests {
		if t.Outcome == outcome {
			n++
		}
	}
	return n
}

// Result is what came back from the virtual machine.
type Result struct {
	Packages []*Package
	Kernel   string // uname of the virtual machine: "Linux 6.1.0-50-686 i686"
	Done     bool   // the init reached the end of its list
	Console  string // the kernel console (serial port 0)
	Qemu     string // qemu's own stdout and stderr
}

// Failed lists the packages that did not run to completion with status 0.
func (r *Result) Failed() []*Package {
	var bad []*Package
	for _, p := range r.Packages {
		if !p.Ran || p.Status != 0 {
			bad = append(bad, p)
		}
	}
	return bad
}

// manifest is read by vminit (which has its own copy of the type).
type manifest struct {
	Nonce   string `json:"nonce"`
	Results string `json:"results"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Name    string   `json:"name"`
	Bin     string   `json:"bin"`
	Dir     string   `json:"dir"`
	Args    []string `json:"args"`
	Env     []string `json:"env"`
	Timeout int      `json:"timeout_sec"`
}

type listedPackage struct {
	ImportPath   string
	Name         string
	Dir          string
	TestGoFiles  []string
	XTestGoFiles []string
	Error        *struct{ Err string }
}

// Run builds, boots and collects. An error means the run could not be
// made or its results not read; failing tests are in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	qemu := cfg.Qemu
	if qemu == "" {
		var err error
		if qemu, err = exec.LookPath("qemu-system-i386"); err != nil {
			return nil, err
		}
	}
	kernel := cfg.Kernel
	if kernel == "" {
		kernel = KernelPath()
	}
	if _, err := os.Stat(kernel); err != nil {
		return nil, fmt.Errorf("i386 kernel: %w", err)
	}
	timeout := cfg.TestTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return nil, err
	}
	env386 := append(os.Environ(), "GOOS=linux", "GOARCH=386", "CGO_ENABLED=0")
	goRun := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, gocmd, args...)
		cmd.Dir = cfg.ModuleDir
		cmd.Env = env386
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("GOARCH=386 go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out, nil
	}

	// Which packages have tests, and where their sources are.
	out, err := goRun(append([]string{"list", "-e", "-json=ImportPath,Name,Dir,TestGoFiles,XTestGoFiles,Error"}, cfg.Patterns...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPackage
	byName := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		// go test -c -o DIR/ names each binary NAME.test.
		if other, dup := byName[p.Name]; dup {
			return nil, fmt.Errorf("packages %s and %s are both named %s: their test binaries would collide", other, p.ImportPath, p.Name)
		}
		byName[p.Name] = p.ImportPath
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no package with tests matches %v", cfg.Patterns)
	}

	// Build the init and the test binaries.
	binDir := filepath.Join(cfg.WorkDir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, err
	}
	initBin := filepath.Join(cfg.WorkDir, "init")
	start := time.Now()
	if _, err := goRun("build", "-o", initBin, vminitPkg); err != nil {
		return nil, err
	}
	args := []string{"test", "-c", "-vet=off", "-o", binDir + string(filepath.Separator)}
	for _, p := range pkgs {
		args = append(args, p.ImportPath)
	}
	if _, err := goRun(args...); err != nil {
		return nil, err
	}
	logf("built the init and %d test binaries for linux/386 in %v", len(pkgs), time.Since(start).Round(time.Millisecond))

	// The initramfs.
	nonce := make([]byte, 8)
	rand.Read(nonce)
	m := manifest{Nonce: hex.EncodeToString(nonce), Results: "/dev/ttyS1"}
	initrd := filepath.Join(cfg.WorkDir, "initrd.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		return nil, err
	}
	w := newCPIO(f)
	for _, d := range []string{"dev", "proc", "sys", "tmp"} {
		w.Dir(d, 0o755)
	}
	w.CharDev("dev/console", 0o600, 5, 1) // opened by the kernel for the init, before /dev is mounted
	w.File("init", initBin)
	for i, p := range pkgs {
		vmBin := fmt.Sprintf("/raceinst/bin/%d-%s.test", i, p.Name)
		w.File(vmBin, filepath.Join(binDir, p.Name+".test"))
		// The package directory, at the same path as on the host: the
		// binary runs there as under go test, reads its testdata and
		// sources, and finds the file names compiled into it.
		vmDir := filepath.ToSlash(p.Dir)
		for _, mnt := range []string{"/dev", "/proc", "/sys"} {
			if vmDir == mnt || strings.HasPrefix(vmDir, mnt+"/") {
				f.Close()
				return nil, fmt.Errorf("%s: the virtual machine mounts %s over it", vmDir, mnt)
			}
		}
		if err := addPackageDir(w, p.Dir, vmDir); err != nil {
			f.Close()
			return nil, err
		}
		m.Runs = append(m.Runs, run{
			Name:    p.ImportPath,
			Bin:     vmBin,
			Dir:     vmDir,
			Args:    append([]string{"-test.v", "-test.timeout=" + timeout.String()}, cfg.TestArgs...),
			Env:     []string{"HOME=/tmp", "TMPDIR=/tmp", "PATH=/raceinst/bin"},
			Timeout: int((timeout + 30*time.Second).Seconds()),
		})
	}
	mj, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		f.Close()
		return nil, err
	}
	w.Bytes("manifest.json", 0o644, mj)
	if err := w.Close(); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing initramfs: %v", err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}

	// Boot.
	consoleLog := filepath.Join(cfg.WorkDir, "console.log")
	resultsLog := filepath.Join(cfg.WorkDir, "results.log")
	qargs := []string{
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-m", "1024", "-smp", "2",
		"-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet",
		"-serial", "file:" + consoleLog, // ttyS0: the kernel's console
		"-serial", "file:" + resultsLog, // ttyS1: markers and test output
	}
	boot := func(accel ...string) (*bytes.Buffer, bool, error) {
		args := append(qargs[:len(qargs):len(qargs)], accel...)
		os.Remove(consoleLog)
		os.Remove(resultsLog)
		bctx, cancel := context.WithCancel(ctx)
		defer cancel()
		qout := &kvmWatch{cancel: cancel}
		cmd := exec.CommandContext(bctx, qemu, args...)
		cmd.Stdout = qout
		cmd.Stderr = qout
		start := time.Now()
		logf("booting: %s %s", qemu, strings.Join(args, " "))
		err := cmd.Run()
		logf("qemu ran for %v", time.Since(start).Round(time.Millisecond))
		return &qout.buf, qout.failed.Load(), err
	}
	var qout *bytes.Buffer
	var qerr error
	kvmFailed := false
	if kvmUsable() {
		qout, kvmFailed, qerr = boot("-accel", "kvm", "-accel", "tcg")
	}
	if !kvmUsable() || kvmFailed {
		if kvmFailed {
			logf("KVM failed to run the guest (%s); booting again under TCG", firstLine(qout.String(), kvmError))
		}
		qout, _, qerr = boot("-accel", "tcg")
	}

	console, _ := os.ReadFile(consoleLog)
	results, _ := os.ReadFile(resultsLog)
	res := parse(m, results)
	res.Console = string(console)
	res.Qemu = qout.String()
	if qerr != nil {
		if ctx.Err() != nil {
			qerr = fmt.Errorf("%v (%v)", qerr, ctx.Err())
		}
		return res, fmt.Errorf("qemu-system-i386: %v\n%s", qerr, res.Qemu)
	}
	return res, nil
}

// addPackageDir copies a package's regular files, and its testdata tree,
// into the archive under vmDir.
func addPackageDir(w *cpioWriter, dir, vmDir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	w.Dir(vmDir, 0o755)
	for _, e := range ents {
		if e.Type().IsRegular() {
			w.File(path.Join(vmDir, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	td := filepath.Join(dir, "testdata")
	if _, err := os.Stat(td); err != nil {
		return nil
	}
	return filepath.WalkDir(td, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		vp := path.Join(vmDir, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			w.Dir(vp, 0o755)
		case d.Type().IsRegular():
			w.File(vp, p)
		}
		return nil
	})
}

// kvmError is what qemu prints when KVM cannot run the guest (an
// instruction it fails to emulate, say); qemu then stops the guest and
// waits, and the boot would end only at the deadline.
const kvmError = "KVM internal error"

// kvmWatch collects qemu's output and cancels the boot as soon as it
// shows kvmError.
type kvmWatch struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel func()
	failed atomic.Bool
}

func (w *kvmWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.failed.Load() && bytes.Contains(w.buf.Bytes(), []byte(kvmError)) {
		w.failed.Store(true)
		w.cancel()
	}
	return len(p), nil
}

// firstLine returns the first line of s that contains sub.
func firstLine(s, sub string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			return strings.TrimSpace(line)
		}
	}
	return sub
}

// kvmUsable reports whether qemu may try KVM first (it falls back to TCG).
func kvmUsable() bool {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

var testLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(`)

// parse reads the results port's output: marker lines (see vminit) around
// each binary's output.
func parse(m manifest, results []byte) *Result {
	res := &Result{}
	byName := map[string]*Package{}
	for _, r := range m.Runs {
		p := &Package{ImportPath: r.Name, Status: -1}
		res.Packages = append(res.Packages, p)
		byName[r.Name] = p
	}
	prefix := "@@raceinst:" + m.Nonce + " "
	var cur *Package
	var buf strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(results))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r") // the tty turns \n into \r\n
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			verb, arg, _ := strings.Cut(rest, " ")
			switch verb {
			case "start":
				res.Kernel = arg
			case "begin":
				cur = byName[arg]
				buf.Reset()
			case "end":
				name, st, _ := strings.Cut(arg, " status=")
				if p := byName[name]; p != nil && p == cur {
					p.Ran = true
					p.Status, _ = strconv.Atoi(st)
					p.Output = strings.TrimPrefix(buf.String(), "\n")
				}
				cur = nil
			case "done":
				res.Done = true
			}
			continue
		}
		if cur == nil {
			continue
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		if t := testLine.FindStringSubmatch(line); t != nil {
			cur.Tests = append(cur.Tests, Test{Name: t[2], Outcome: t[1]})
		}
	}
	if cur != nil { // cut off: keep what came
		cur.Output = strings.TrimPrefix(buf.String(), "\n")
	}
	return res
}

// ErrMissing is wrapped by Check's error when qemu or the kernel is absent.
var ErrMissing = errors.New("qemu-system-i386 or the i386 kernel is missing")

// Check reports whether qemu-system-i386 and the kernel are where Run will
// look for them.
func Check() error {
	var missing []string
	if _, err := exec.LookPath("qemu-system-i386"); err != nil {
		missing = append(missing, "qemu-system-i386 not in PATH")
	}
	if _, err := os.Stat(KernelPath()); err != nil {
		missing = append(missing, "no i386 kernel at "+KernelPath()+" ($RACEINST_I386_KERNEL)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissing, strings.Join(missing, "; "))
	}
	return nil
}
