package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		verb, args       string
		pkgs, rest, pass []string
		instrument       []string
	}{
		{verb: "build", args: "-o out -v ./a ./b", pkgs: []string{"./a", "./b"}, pass: []string{"-o", "out", "-v", "./a", "./b"}},
		{verb: "build", args: "-instrument=x/...,y -tags t .", pkgs: []string{"."}, pass: []string{"-tags", "t", "."}, instrument: []string{"x/...", "y"}},
		{verb: "build", args: "-instrument x -pgo=auto .", pkgs: []string{"."}, pass: []string{"."}, instrument: []string{"x"}},
		{verb: "run", args: "-v . -tags x", pkgs: []string{"."}, rest: []string{"-tags", "x"}, pass: []string{"-v", ".", "-tags", "x"}},
		{verb: "run", args: "a.go b.go arg", pkgs: []string{"a.go", "b.go"}, rest: []string{"arg"}, pass: []string{"a.go", "b.go", "arg"}},
		{verb: "test", args: "-run X ./a ./b -count 1 -v", pkgs: []string{"./a", "./b"}, pass: []string{"-run", "X", "./a", "./b", "-count", "1", "-v"}},
		// After the package list, a non-flag starts the test binary's arguments.
		{verb: "test", args: "./a -count 1 ./b -v", pkgs: []string{"./a"}, rest: []string{"./b", "-v"}, pass: []string{"./a", "-count", "1", "./b", "-v"}},
		// After an unknown flag, a non-flag may be its value.
		{verb: "test", args: "./a -myflag x -v", pkgs: []string{"./a"}, rest: []string{"x"}, pass: []string{"./a", "-myflag", "x", "-v"}},
		{verb: "test", args: "./a -args -run X", pkgs: []string{"./a"}, rest: []string{"-args", "-run", "X"}, pass: []string{"./a", "-args", "-run", "X"}},
	} {
		inv, err := parseArgs(tc.verb, strings.Fields(tc.args))
		if err != nil {
			t.Errorf("%s %s: %v", tc.verb, tc.args, err)
			continue
		}
		got := []any{inv.pkgs, inv.rest, inv.goArgs, inv.instrument}
		want := []any{tc.pkgs, tc.rest, tc.pass, tc.instrument}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s: (pkgs, rest, goArgs, instrument) (-want +got):\n%s", tc.verb, tc.args, diff)
		}
	}
}

func TestCheckFlags(t *testing.T) {
	for _, tc := range []struct {
		flags string
		ok    bool
	}{
		{"-v -trimpath -tags=a,b", true},
		{"-race", false},
		{"-race=false", true},
		{"-toolexec=x", false},
		{"-buildmode=shared", false},
		{"-buildmode=pie", true},
		{"-linkshared", false},
		{"-compiler=gccgo", false},
	} {
		err := checkFlags("test", parseGOFLAGS(tc.flags))
		if (err == nil) != tc.ok {
			t.Errorf("checkFlags(%s) = %v, want ok=%v", tc.flags, err, tc.ok)
		}
	}
}

func TestRTBuildFlags(t *testing.T) {
	inv, err := parseArgs("test", []string{"-run", "X", "-tags", "a", "-gcflags=all=-N -l", "-trimpath", "-ldflags=-s", "."})
	if err != nil {
		t.Fatal(err)
	}
	got := rtBuildFlags(parseGOFLAGS("-tags=g -asan=false -mod=mod"), inv.flags)
	want := []string{"-tags=g", "-asan=false", "-tags=a", "-gcflags=all=-N -l", "-trimpath"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rtBuildFlags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a"}, buildTags(parseGOFLAGS("-tags=g"), inv.flags)); diff != "" {
		t.Errorf("buildTags (-want +got):\n%s", diff)
	}
}

func TestMatchPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"example.com/m/...", "example.com/m", true},
		{"example.com/m/...", "example.com/m/a/b", true},
		{"example.com/m/...", "example.com/mx", false},
		{"example.com/m", "example.com/m/a", false},
		{"example.com/.../a", "example.com/x/y/a", true},
		{"all", "fmt", true},
		{"command-line-arguments", "command-line-arguments", true},
	} {
		if got := matchPattern(tc.pattern, tc.path); got != tc.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestBasePackage(t *testing.T) {
	for _, tc := range []struct {
		pkg, base string
		testMain  bool
	}{
		{"example.com/m/a", "example.com/m/a", false},
		{"example.com/m/a [example.com/m/a.test]", "example.com/m/a", false},
		{"example.com/m/a_test [example.com/m/a.test]", "example.com/m/a", false},
		{"example.com/m/b [example.com/m/a.test]", "example.com/m/b", false},
		{"example.com/m/a.test", "example.com/m/a.test", true},
	} {
		base, testMain := basePackage(tc.pkg)
		if base != tc.base || testMain != tc.testMain {
			t.Errorf("basePackage(%q) = %q, %v, want %q, %v", tc.pkg, base, testMain, tc.base, tc.testMain)
		}
	}
}

func TestSkipReason(t *testing.T) {
	cfg := &config{Patterns: []string{"example.com/m/...", "golang.org/x/dep"}}
	for _, tc := range []struct {
		pkg  string
		args []string
		want string
	}{
		{"example.com/m/a [example.com/m/a.test]", nil, ""},
		{"golang.org/x/dep", nil, ""},
		{"golang.org/x/other", nil, "unselected"},
		{"fmt", []string{"-std"}, "std"},
		{"runtime", nil, "never"},
		{"github.com/raceinst/raceinst/rt", nil, "rt"},
		{"github.com/raceinst/raceinst/rt/internal/goid", nil, "rt"},
		{"example.com/m/a.test", nil, "testmain"},
	} {
		if got := skipReason(cfg, tc.args, tc.pkg); got != tc.want {
			t.Errorf("skipReason(%q) = %q, want %q", tc.pkg, got, tc.want)
		}
	}
}

func TestSelectPatterns(t *testing.T) {
	mods := &modules{paths: []string{"example.com/m"}, dirs: []string{"/src/m"}, cwd: "/src/m"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"./..."}, []string{"example.com/m/..."}},
		{[]string{"example.com/m/a", "golang.org/x/tools/cmd/stringer@v0.1.0"}, []string{"example.com/m/...", "golang.org/x/tools/cmd/stringer"}},
		{[]string{"main.go"}, []string{"example.com/m/...", "command-line-arguments"}},
		{[]string{"-instrument=golang.org/x/...,example.com/m/a", "."}, []string{"golang.org/x/...", "example.com/m/a"}},
	} {
		inv, err := parseArgs("build", tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, selectPatterns(inv, mods)); diff != "" {
			t.Errorf("selectPatterns(%v) (-want +got):\n%s", tc.args, diff)
		}
	}
}

// TestGoEnvStable checks that what keys the memoized rt build is the same
// from one run to the next: go env prints the go command's temporary work
// directory inside GOGCCFLAGS, new at every run.
func TestGoEnvStable(t *testing.T) {
	a, err := runGoEnv()
	if err != nil {
		t.Fatal(err)
	}
	b, err := runGoEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.all, b.all) {
		t.Errorf("go env differs between two runs:\n%s\n%s", a.all, b.all)
	}
}
