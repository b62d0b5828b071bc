package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/raceinst/raceinst/cmd/raceinst/internal/rtsrc"
	"github.com/raceinst/raceinst/instrument"
)

// rtBuild is package rt compiled with the user's build flags.
type rtBuild struct {
	Export  string            // rt's export data
	BuildID string            // rt's build ID
	Closure map[string]string // import path -> export data, rt's whole closure
}

// syntheticMain is the module path of the tiny main module from which
// raceinst builds rt.
const syntheticMain = "raceinst.invalid/rtmain"

// cacheDir returns raceinst's per-user cache directory.
func cacheDir() (string, error) {
	if d := os.Getenv("RACEINST_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set RACEINST_CACHE): %v", err)
	}
	return filepath.Join(d, "raceinst"), nil
}

// rtModuleDir extracts the embedded rt source, once per content, into the
// cache, together with a main module that requires it through a replace
// directive and imports it, and returns that main module's directory.
func rtModuleDir(cache string) (string, error) {
	dir := filepath.Join(cache, "rt-"+rtsrc.Hash()[:24])
	mainDir := filepath.Join(dir, "main")
	if _, err := os.Stat(filepath.Join(mainDir, "main.go")); err == nil {
		return mainDir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, ".rt-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := rtsrc.Extract(filepath.Join(tmp, "mod")); err != nil {
		return "", err
	}
	files := map[string]string{
		"main/go.mod": "module " + syntheticMain + "\n\ngo 1.25\n\nrequire " + rtsrc.ModulePath +
			" v0.0.0\n\nreplace " + rtsrc.ModulePath + " => ../mod\n",
		"main/main.go": "// Command main exists so that go list -export builds rt as the\n" +
			"// dependency it is in an instrumented program.\npackage main\n\nimport _ \"" +
			instrument.RTPath + "\"\n\nfunc main() {}\n",
	}
	for name, data := range files {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another raceinst won the race to create it.
		if _, serr := os.Stat(filepath.Join(mainDir, "main.go")); serr != nil {
			return "", err
		}
	}
	return mainDir, nil
}

// listedPackage is the part of go list -json output raceinst reads.
type listedPackage struct {
	ImportPath string
	Export     string
	BuildID    string
	Error      *struct{ Err string }
}

// buildRT compiles rt and its closure with the user's build flags through
// go list -export, which runs no toolexec, so rt is never instrumented and
// its build is cached by the go command like any other.
//
// By default rt comes from the embedded copy, built as a dependency of a
// synthetic main module. If the user's own module graph holds rt's module
// (this repository, or a program that imports rt), rt is listed there
// instead, so that the program links one rt.
func buildRT(env *goEnv, inv *invocation, mods *modules) (*rtBuild, error) {
	flags := rtBuildFlags(parseGOFLAGS(env.GOFLAGS), inv.flags)
	src := rtsrc.Hash()
	if mods.rtDir != "" {
		h, err := rtsrc.HashTree(os.DirFS(mods.rtDir))
		if err != nil {
			return listRT(env, inv, flags, true)
		}
		src = "tree:" + mods.rtDir + ":" + h
	} else if mods.hasRT {
		// rt comes from a module the user requires: ask the go command.
		return listRT(env, inv, flags, true)
	}
	// go list costs half a second even when everything is cached; remember
	// its answer for the same rt source, go env and flags, for as long as
	// the export files are in the go command's cache (they are named by
	// their content, so a file that exists is the right one).
	cache, err := cacheDir()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00%q", src, env.all, flags, modFlags(inv))
	memo := filepath.Join(cache, "rtbuild-"+hex.EncodeToString(h.Sum(nil)[:12])+".json")
	if data, err := os.ReadFile(memo); err == nil {
		rt := new(rtBuild)
		if json.Unmarshal(data, rt) == nil && rt.valid() {
			return rt, nil
		}
	}
	rt, err := listRT(env, inv, flags, mods.hasRT)
	if err != nil {
		return nil, err
	}
	if data, err := json.Marshal(rt); err == nil {
		writeFileAtomic(memo, data) // only a cache: failing to write is fine
	}
	return rt, nil
}

// valid reports whether every export file is still there.
func (rt *rtBuild) valid() bool {
	if rt.Export == "" || len(rt.Closure) == 0 {
		return false
	}
	for _, f := range rt.Closure {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}

// listRT runs go list -export for rt.
func listRT(env *goEnv, inv *invocation, flags []string, inGraph bool) (*rtBuild, error) {
	args := []string{"list", "-export", "-deps", "-json=ImportPath,Export,BuildID,Error", "-pgo=off"}
	args = append(args, flags...)
	cmd := exec.Command(filepath.Join(env.GOROOT, "bin", "go"+env.GOEXE))
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if inGraph {
		args = append(args, modFlags(inv)...)
		args = append(args, instrument.RTPath)
	} else {
		cache, err := cacheDir()
		if err != nil {
			return nil, err
		}
		dir, err := rtModuleDir(cache)
		if err != nil {
			return nil, fmt.Errorf("extracting rt: %v", err)
		}
		cmd.Dir = dir
		cmd.Env = append(cmd.Env, "GOWORK=off", "GOFLAGS=-mod=mod")
		args = append(args, ".")
	}
	cmd.Args = append(cmd.Args, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building rt: go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	rt := &rtBuild{Closure: map[string]string{}}
	dec := json.NewDecoder(&stdout)
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("building rt: reading go list output: %v", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("building rt: %s: %s", p.ImportPath, p.Error.Err)
		}
		if p.ImportPath == syntheticMain || p.Export == "" {
			continue
		}
		rt.Closure[p.ImportPath] = p.Export
		if p.ImportPath == instrument.RTPath {
			rt.Export, rt.BuildID = p.Export, p.BuildID
		}
	}
	if rt.Export == "" {
		return nil, fmt.Errorf("building rt: go list reported no export data for %s", instrument.RTPath)
	}
	return rt, nil
}

// modFlags are the flags that change how the user's module graph loads.
func modFlags(inv *invocation) []string {
	var out []string
	for _, f := range inv.flags {
		if f.name == "mod" || f.name == "modfile" {
			out = append(out, f.args...)
		}
	}
	return out
}
