//go:build linux

// Command vminit is the /init of the initramfs that package linux386 boots
// in qemu-system-i386. It is built for GOARCH=386 and runs as PID 1: it
// mounts /proc, /sys and /dev, runs every test binary named in
// /manifest.json in its package directory, writes their output between
// marker lines to the results port, and powers the machine off.
//
// The marker lines, each on a line of its own, are
//
//	@@raceinst:NONCE start SYSNAME RELEASE MACHINE
//	@@raceinst:NONCE begin NAME
//	@@raceinst:NONCE end NAME status=N
//	@@raceinst:NONCE done
//
// where N is the exit status (128+signal for a binary killed by a signal,
// -1 for one that could not be started). The host parses them; see
// ../linux386.go, which also writes the manifest.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// manifest mirrors linux386.manifest.
type manifest struct {
	Nonce   string `json:"nonce"`
	Results string `json:"results"` // device the markers and output go to
	Runs    []struct {
		Name    string   `json:"name"`
		Bin     string   `json:"bin"`
		Dir     string   `json:"dir"`
		Args    []string `json:"args"`
		Env     []string `json:"env"`
		Timeout int      `json:"timeout_sec"`
	} `json:"runs"`
}

func main() {
	// Kernel messages and this program's own complaints go to the console
	// (fd 1 and 2, which the kernel opened on /dev/console).
	for _, m := range []struct{ src, dir, fstype string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
	} {
		os.MkdirAll(m.dir, 0o755)
		if err := syscall.Mount(m.src, m.dir, m.fstype, 0, ""); err != nil && !errors.Is(err, syscall.EBUSY) {
			fmt.Fprintf(os.Stderr, "vminit: mount %s on %s: %v\n", m.fstype, m.dir, err)
		}
	}
	// /tmp stays on the initramfs (itself a tmpfs): a tmpfs mounted there
	// would hide the package directories of a module under /tmp.
	os.MkdirAll("/tmp", 0o1777)
	os.Chmod("/tmp", 0o1777)

	err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vminit: %v\n", err)
	}
	powerOff()
}

func run() error {
	b, err := os.ReadFile("/manifest.json")
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("/manifest.json: %v", err)
	}
	var out io.Writer = os.Stdout
	if m.Results != "" {
		f, err := os.OpenFile(m.Results, os.O_WRONLY, 0)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vminit: %v; writing results to the console\n", err)
		} else {
			defer f.Close()
			out = f
		}
	}
	mark := func(format string, args ...any) {
		fmt.Fprintf(out, "\n@@raceinst:%s %s\n", m.Nonce, fmt.Sprintf(format, args...))
	}
	var u syscall.Utsname
	syscall.Uname(&u)
	mark("start %s %s %s", utsString(u.Sysname[:]), utsString(u.Release[:]), utsString(u.Machine[:]))
	for _, r := range m.Runs {
		mark("begin %s", r.Name)
		cmd := exec.Command(r.Bin, r.Args...)
		cmd.Dir = r.Dir
		cmd.Env = r.Env
		cmd.Stdout = out
		cmd.Stderr = out
		// Its own process group, so that a timeout also ends the children a
		// test starts (rt's report tests re-execute the test binary).
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		status := -1
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(out, "vminit: %v\n", err)
		} else {
			var timer *time.Timer
			if r.Timeout > 0 {
				timer = time.AfterFunc(time.Duration(r.Timeout)*time.Second, func() {
					fmt.Fprintf(out, "\nvminit: %s still running after %ds; killing it\n", r.Name, r.Timeout)
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				})
			}
			err := cmd.Wait()
			if timer != nil {
				timer.Stop()
			}
			status = exitStatus(cmd.ProcessState)
			if err != nil && cmd.ProcessState == nil {
				fmt.Fprintf(out, "vminit: %v\n", err)
			}
		}
		mark("end %s status=%d", r.Name, status)
	}
	mark("done")
	return nil
}

func utsString[T int8 | uint8](f []T) string { // Utsname holds int8 or uint8, by GOARCH
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func exitStatus(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// powerOff ends the virtual machine. Should the power-off call fail,
// returning from PID 1 panics the kernel, and with panic=-1 on the command
// line and qemu's -no-reboot that ends it too.
func powerOff() {
	syscall.Sync()
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Fprintf(os.Stderr, "vminit: power off: %v\n", err)
	}
	os.Exit(1)
}
