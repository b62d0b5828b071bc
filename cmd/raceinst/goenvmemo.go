package main

// Remembering go env.
//
// go env -json costs 25 ms (a process, and a C compiler's for GOGCCFLAGS),
// a tenth of a cached build. Its answer is a function of the environment
// variables, the working directory, the go command found in PATH (its
// GOROOT and version), the go env file (go env -w), GOROOT/go.env, the
// go.mod and go.work files the go command finds from the working
// directory up (modules, workspaces, toolchain switching), and whether a
// C compiler is in PATH (CGO_ENABLED's default). The memo is keyed by the
// first three and holds stamps of the files; a run whose stamps all match
// takes the remembered output. As for the pre-pass memo, an output is not
// remembered while one of the files is younger than racyWindow.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

type goEnvMemo struct {
	Paths []string
	Stamp []fileStamp
	Out   json.RawMessage
}

// readGoEnv returns go env, remembered when the files it depends on have
// not changed.
func readGoEnv() (*goEnv, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return runGoEnv()
	}
	cache, err := cacheDir()
	if err != nil {
		return runGoEnv()
	}
	environ := os.Environ()
	slices.Sort(environ)
	found := map[string]string{}
	for _, name := range []string{"go", "gcc", "clang", os.Getenv("CC")} {
		if name != "" {
			found[name], _ = exec.LookPath(name)
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "goenv 1\x00%q\x00%s\x00%v", environ, cwd, found)
	memo := filepath.Join(cache, "goenv-"+hex.EncodeToString(h.Sum(nil)[:12])+".json")
	if data, err := os.ReadFile(memo); err == nil {
		var m goEnvMemo
		if json.Unmarshal(data, &m) == nil && len(m.Out) > 0 {
			if st, err := stamps(nil, m.Paths, nil); err == nil && slices.Equal(st, m.Stamp) {
				if env, err := parseGoEnv(m.Out); err == nil {
					return env, nil
				}
			}
		}
	}
	start := time.Now()
	env, err := runGoEnv()
	if err != nil {
		return nil, err
	}
	paths := goEnvPaths(cwd, found, env)
	st, err := stamps(nil, paths, nil)
	if err != nil {
		return env, nil
	}
	limit := start.Add(-racyWindow).UnixNano()
	for _, s := range st {
		if s.MTime > limit {
			return env, nil
		}
	}
	if data, err := json.Marshal(&goEnvMemo{Paths: paths, Stamp: st, Out: env.all}); err == nil {
		writeFileAtomic(memo, data) // only a cache
	}
	return env, nil
}

// goEnvPaths lists the files go env's answer depends on besides the
// environment: the executables found in PATH, the go env files, and
// go.mod and go.work in the working directory and every directory above.
func goEnvPaths(cwd string, found map[string]string, env *goEnv) []string {
	var paths []string
	for _, name := range sortedMapKeys(found) {
		if p := found[name]; p != "" {
			paths = append(paths, p)
			if real, err := filepath.EvalSymlinks(p); err == nil && real != p {
				paths = append(paths, real)
			}
		}
	}
	if f := os.Getenv("GOENV"); f != "" && f != "off" {
		paths = append(paths, f)
	} else if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "go", "env"))
	}
	paths = append(paths, filepath.Join(env.GOROOT, "go.env"))
	for dir := cwd; ; {
		paths = append(paths, filepath.Join(dir, "go.mod"), filepath.Join(dir, "go.work"))
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	for _, f := range []string{env.GOMOD, env.GOWORK} {
		if f != "" && f != "off" && f != os.DevNull && !slices.Contains(paths, f) {
			paths = append(paths, f)
		}
	}
	return paths
}
