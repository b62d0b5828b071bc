package main

import (
	"os"
	"path/filepath"
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
