package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGoEnvMemo checks that go env's answer is taken from the memo only
// while the environment, the go env file and the go.mod and go.work
// files stay as they were, and is never remembered from a file that has
// just changed.
func TestGoEnvMemo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "goenv")
	if err := os.WriteFile(envFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	settle(t, true, dir)
	t.Setenv("RACEINST_CACHE", t.TempDir())
	t.Setenv("GOENV", envFile)
	t.Setenv("GOWORK", "")
	t.Chdir(dir)
	var last *goEnv
	read := func(what string, wantRuns int64) *goEnv {
		t.Helper()
		before := goEnvRuns.Load()
		env, err := readGoEnv()
		if err != nil {
			t.Fatal(err)
		}
		if n := goEnvRuns.Load() - before; n != wantRuns {
			t.Errorf("%s: %d go env runs, want %d", what, n, wantRuns)
		}
		if wantRuns == 0 && last != nil && !bytes.Equal(env.all, last.all) {
			t.Errorf("%s: remembered go env differs from the last one", what)
		}
		last = env
		return env
	}
	if env := read("first", 1); env.GOMOD != filepath.Join(dir, "go.mod") {
		t.Errorf("GOMOD = %q", env.GOMOD)
	}
	read("second", 0)

	t.Setenv("GOFLAGS", "-tags=fromenv")
	if env := read("GOFLAGS set", 1); env.GOFLAGS != "-tags=fromenv" {
		t.Errorf("GOFLAGS = %q, want the environment's", env.GOFLAGS)
	}
	read("GOFLAGS set, again", 0)
	t.Setenv("GOFLAGS", "")

	if err := os.WriteFile(envFile, []byte("GOFLAGS=-tags=fromfile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if env := read("go env file, just written", 1); env.GOFLAGS != "-tags=fromfile" {
		t.Errorf("GOFLAGS = %q, want the go env file's", env.GOFLAGS)
	}
	read("go env file, still young", 1)
	settle(t, false, envFile)
	read("go env file, settled", 1)
	read("go env file, remembered", 0)

	work := filepath.Join(dir, "go.work")
	if err := os.WriteFile(work, []byte("go 1.24\n\nuse .\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	settle(t, false, work)
	if env := read("go.work added", 1); env.GOWORK != work {
		t.Errorf("GOWORK = %q, want %q", env.GOWORK, work)
	}
	read("go.work added, again", 0)
	if err := os.Remove(work); err != nil {
		t.Fatal(err)
	}
	if env := read("go.work removed", 1); env.GOWORK != "" {
		t.Errorf("GOWORK = %q after its removal", env.GOWORK)
	}
}
