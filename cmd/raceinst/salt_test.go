package main

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestTakeSalt(t *testing.T) {
	dir := t.TempDir()
	rsp := filepath.Join(dir, "args.rsp")
	// As cmd/go writes them: one argument a line, \\ and \n escaped.
	if err := os.WriteFile(rsp, []byte("-p\nexample.com/p\n"+saltFlag+"=abc\n-D\nx\\\\y\\nz\na.go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args, want []string
		salt       string
	}{
		{[]string{"-o", "x.a", "-p", "q", "q.go"}, []string{"-o", "x.a", "-p", "q", "q.go"}, ""},
		{[]string{"-o", "x.a", saltFlag + "=s1", "-p", "q", "q.go"}, []string{"-o", "x.a", "-p", "q", "q.go"}, "s1"},
		{[]string{"-o", "x.a", "@" + rsp}, []string{"-o", "x.a", "-p", "example.com/p", "-D", "x\\y\nz", "a.go"}, "abc"},
	} {
		got, salt, err := takeSalt(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) || salt != tc.salt {
			t.Errorf("takeSalt(%q) = %q, %q; want %q, %q", tc.args, got, salt, tc.want, tc.salt)
		}
	}
}

func TestResponseFileArgs(t *testing.T) {
	dir := t.TempDir()
	short := []string{"-o", "x.a", "a.go"}
	if got, _ := responseFileArgs(short, dir); !slices.Equal(got, short) {
		t.Errorf("short args: %q", got)
	}
	long := []string{"-D", "a\\b\nc"}
	for i := 0; i < 20000; i++ {
		long = append(long, "file_with_a_long_name.go")
	}
	got, err := responseFileArgs(long, dir)
	if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "@") {
		t.Fatalf("long args: %q, %v", got[:min(3, len(got))], err)
	}
	back, err := readResponseFile(got[0][1:])
	if err != nil || !slices.Equal(back, long) {
		t.Errorf("response file does not round-trip (%v)", err)
	}
}

func TestPerPackageSalt(t *testing.T) {
	if !perPackageSalt(parseGOFLAGS("-mod=mod -tags=x"), nil) {
		t.Error("no -gcflags: want per-package salt")
	}
	if perPackageSalt(parseGOFLAGS("-gcflags=all=-N"), nil) {
		t.Error("-gcflags in GOFLAGS: want the salt in -V=full")
	}
	inv, err := parseArgs("build", []string{"-gcflags", "-N", "."})
	if err != nil {
		t.Fatal(err)
	}
	if perPackageSalt(nil, inv.flags) {
		t.Error("-gcflags on the command line: want the salt in -V=full")
	}
	if got := saltArgs([]string{"example.com/m/..."}, "s"); !slices.Equal(got, []string{"-gcflags=example.com/m/...=" + saltFlag + "=s"}) {
		t.Errorf("saltArgs = %q", got)
	}
}

// TestToolVersionMemo checks that a tool's -V=full line is remembered
// while the tool's executable stays as it was, asked again when it
// changes, and not remembered from an executable that has just changed.
func TestToolVersionMemo(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the fake tool is a shell script")
	}
	dir := t.TempDir()
	t.Setenv("RACEINST_CACHE", t.TempDir())
	tool, count := filepath.Join(dir, "compile"), filepath.Join(dir, "count")
	write := func(version string) {
		t.Helper()
		script := "#!/bin/sh\necho x >>" + count + "\necho compile version " + version + "\n"
		if err := os.WriteFile(tool, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runs := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	ask := func(what, want string, wantRuns int) {
		t.Helper()
		before := runs()
		line, err := toolVersionLine(tool)
		if err != nil {
			t.Fatal(err)
		}
		if line != want {
			t.Errorf("%s: %q, want %q", what, line, want)
		}
		if n := runs() - before; n != wantRuns {
			t.Errorf("%s: the tool ran %d times, want %d", what, n, wantRuns)
		}
	}
	write("go1.99")
	ask("just written", "compile version go1.99", 1)
	ask("just written, again", "compile version go1.99", 1)
	settle(t, false, tool)
	ask("settled", "compile version go1.99", 1)
	ask("remembered", "compile version go1.99", 0)
	write("go1.100")
	settle(t, false, tool)
	ask("changed", "compile version go1.100", 1)
	ask("changed, remembered", "compile version go1.100", 0)
}
