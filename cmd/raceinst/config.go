package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// configEnv names the environment variable through which the driver hands
// the toolexec calls their configuration. The environment is not part of
// the go command's cache key, so everything in the config that changes
// what gets compiled is also hashed into Salt, which is.
const configEnv = "RACEINST_CONFIG"

// logEnv, if set, names a file to which every toolexec compile and link call
// appends one line ("compile <pkg> <what>"); the tests count them to see what
// the go command's cache served.
const logEnv = "RACEINST_TOOLEXEC_LOG"

// config is what the driver tells its toolexec calls.
type config struct {
	// Salt is appended to each tool's -V=full line, and so enters every
	// compile and link action ID: a different raceinst, other options or
	// another rt build invalidate the go command's cached results.
	Salt string
	// Patterns select the packages to instrument (go package patterns over
	// import paths; relative patterns already resolved).
	Patterns []string
	// RT is the export data of package rt, for the importcfg of every
	// instrumented package.
	RT string
	// RTClosure maps each package of rt's closure (rt itself, rt/internal/...,
	// the standard library packages it needs) to its export data, for the
	// link.
	RTClosure map[string]string
	// GOOS, GOARCH and Tags select the files of a package that the compiler
	// does not see (assembly, for norace's NOSPLIT checks) and the sizes.
	GOOS, GOARCH string
	Tags         []string
	// SyncModules select, among the packages Patterns leave out, those
	// whose synchronisation alone is rewritten (instrument.Options.SyncOnly):
	// "path/..." for each main module and each module the main modules
	// require. Standard, never-instrumented and rt packages are not among
	// them.
	SyncModules []string `json:",omitempty"`
	// FuncHooks and Tests are instrument.Options.
	FuncHooks, Tests bool
	// PerPackage says the instrumented packages are marked with Salt through
	// -gcflags and only link -V=full is salted (see salt.go); otherwise
	// every tool's -V=full is.
	PerPackage bool `json:",omitempty"`
	// TestHook is RACEINST_TEST_HOOK's value (see compile.go).
	TestHook string `json:",omitempty"`
	// Skip names the functions of instrumented packages that fork-child
	// code of other packages reaches ("pkg/path.Func",
	// "pkg/path.Type.Method"), for instrument.Input.Skip (see skip.go).
	Skip []string `json:",omitempty"`
}

// writeConfig stores c in dir under a name derived from its content, so
// that concurrent raceinst runs with different configs never share a file
// and identical ones may.
func writeConfig(dir string, c *config) (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	path := filepath.Join(dir, "config-"+hex.EncodeToString(sum[:12])+".json")
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return path, nil
	}
	if err := writeFileAtomic(path, data); err != nil {
		return "", err
	}
	return path, nil
}

func readConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := new(config)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so that a concurrent reader sees the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// saltFor hashes what must invalidate cached compile and link results: the
// raceinst executable (its instrumenter), the options, the rt build and the
// toolchain. The result has no spaces or slashes (the go command splits
// -V=full output on spaces).
func saltFor(c *config, rtBuildID, goVersion string) (string, error) {
	exeHash, err := executableHash()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(exeHash))
	opts, _ := json.Marshal(struct {
		Patterns         []string
		FuncHooks, Tests bool
		TestHook         string
		Skip             []string `json:",omitempty"` // so most programs share one salt
		SyncModules      []string `json:",omitempty"`
	}{c.Patterns, c.FuncHooks, c.Tests, c.TestHook, c.Skip, c.SyncModules})
	fmt.Fprintf(h, "\x00%s\x00%s\x00%s", opts, rtBuildID, goVersion)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// executableHash returns a hash of the running raceinst executable,
// remembered in the cache by path, size and modification time (hashing
// ~10 MB costs more than the rest of a cached build's overhead).
func executableHash() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	st, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	stamp := fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
	var memo string
	if cache, err := cacheDir(); err == nil {
		sum := sha256.Sum256([]byte(exe))
		memo = filepath.Join(cache, "exe-"+hex.EncodeToString(sum[:12]))
		if data, err := os.ReadFile(memo); err == nil {
			if s, hash, ok := strings.Cut(string(data), "\n"); ok && s == stamp {
				return hash, nil
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	hash := hex.EncodeToString(h.Sum(nil))
	if memo != "" {
		writeFileAtomic(memo, []byte(stamp+"\n"+hash)) // only a cache
	}
	return hash, nil
}

// matchPattern reports whether the import path matches the go package
// pattern: "all" and "..." match everything, "x/..." matches x and every
// path below it, and "..." elsewhere matches any string.
func matchPattern(pattern, path string) bool {
	if pattern == "all" || pattern == "..." {
		return true
	}
	if !strings.Contains(pattern, "...") {
		return pattern == path
	}
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(re, `\.\.\.`, `.*`)
	if strings.HasSuffix(re, "/.*") {
		re = strings.TrimSuffix(re, "/.*") + "(/.*)?"
	}
	ok, _ := regexp.MatchString("^"+re+"$", path)
	return ok
}
