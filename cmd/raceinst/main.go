// Command raceinst builds, tests and runs Go programs with raceinst's race
// detector: selected packages are rewritten with calls into package rt (a
// pure-Go happens-before detector) on their way to the compiler, and rt is
// linked in. It needs no cgo and works on every port Go supports.
//
// Usage:
//
//	raceinst build|test|run|install|vet [-instrument=PATTERNS] [go flags] [packages]
//
// Every go flag keeps its meaning (-o, -run, -v, -count, -json, -tags,
// -trimpath, -ldflags, GOOS/GOARCH cross builds, ...); the exit status is the
// go command's. A race found in a test fails that test; a program in which
// races were found exits with status 66 (GORACE=exitcode=N). -race, -toolexec,
// -buildmode=shared and -linkshared are refused; -pgo is forced off.
//
// By default the packages of the main module (and of every workspace
// module) and the packages named on the command line are instrumented;
// -instrument=PATTERNS (comma-separated package patterns, dependencies
// allowed) replaces that set. The standard library, the packages the
// compiler never instruments, and rt itself never are. A package raceinst
// cannot instrument is compiled as it is, with a one-line warning.
//
// # How
//
// raceinst runs the go command with -toolexec pointing back at itself. The
// toolexec calls add a salt (hash of raceinst, its options and the rt build)
// to each tool's -V=full line, so instrumented results have their own
// entries in the go command's cache; rewrite the selected packages' files
// into the compile action's own directory; and add rt to the compile and
// link import configs. rt is compiled beforehand with the user's build
// flags by go list -export, from a copy of its source embedded in raceinst.
// The user's files and go.mod are never written.
//
// raceinst vet is go vet: instrumentation does not change what vet sees.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/mod/modfile"

	"github.com/raceinst/raceinst/cmd/raceinst/internal/rtsrc"
)

const usage = `usage: raceinst build|test|run|install|vet [-instrument=PATTERNS] [go flags] [packages]

raceinst runs the go command with race instrumentation of the main module's
packages (or those -instrument=PATTERNS selects) and links raceinst's
pure-Go race detector. Go flags keep their meaning; -race is refused.
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == toolexecArg {
		os.Exit(toolexec(os.Args[2:]))
	}
	os.Exit(drive(os.Args[1:]))
}

func drive(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	verb := args[0]
	switch verb {
	case "build", "test", "run", "install", "vet":
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "raceinst: unknown command %q\n%s", verb, usage)
		return 2
	}
	inv, err := parseArgs(verb, args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if inv.chdir != "" {
		if err := os.Chdir(inv.chdir); err != nil {
			fmt.Fprintf(os.Stderr, "raceinst: -C: %v\n", err)
			return 2
		}
	}
	for _, w := range inv.warnings {
		fmt.Fprintln(os.Stderr, "raceinst: warning:", w)
	}
	env, err := readGoEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	if err := checkFlags("GOFLAGS", parseGOFLAGS(env.GOFLAGS)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := checkFlags("raceinst "+verb, inv.flags); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if verb == "vet" {
		// vet reads the original sources; instrumenting would change nothing.
		return runGo(append([]string{"vet"}, inv.goArgs...), nil)
	}
	mods, err := mainModules(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	var memo *memoEnv
	if exe, err := executableHash(); err == nil {
		memo = &memoEnv{env: env, mods: mods, exe: exe}
	}
	prepass := startSkipPrepass(inv, parseGOFLAGS(env.GOFLAGS), "", memo)
	rt, err := buildRT(env, inv, mods)
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	cfg := &config{
		Patterns:    selectPatterns(inv, mods),
		SyncModules: syncModules(mods),
		RT:          rt.Export,
		RTClosure:   rt.Closure,
		GOOS:        env.GOOS,
		GOARCH:      env.GOARCH,
		Tags:        buildTags(parseGOFLAGS(env.GOFLAGS), inv.flags),
		FuncHooks:   true,
		Tests:       true,
		TestHook:    os.Getenv(testHookEnv),
	}
	if cfg.Skip, err = prepass.skips(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "raceinst: warning: following fork-child code across packages: %v\n", err)
	}
	if cfg.Salt, err = saltFor(cfg, rt.BuildID, env.GOVERSION); err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	cfg.PerPackage = perPackageSalt(parseGOFLAGS(env.GOFLAGS), inv.flags)
	cache, err := cacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	cfgPath, err := writeConfig(cache, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst: writing config:", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	goArgs := []string{verb, "-toolexec=" + quoteToolexec(self) + " " + toolexecArg, "-pgo=off"}
	if cfg.PerPackage {
		marked := slices.Concat(cfg.Patterns, cfg.SyncModules)
		slices.Sort(marked) // one salt for all: the order of the entries does not matter
		goArgs = append(goArgs, saltArgs(slices.Compact(marked), cfg.Salt)...)
	}
	goArgs = append(goArgs, inv.goArgs...)
	return runGo(goArgs, []string{configEnv + "=" + cfgPath})
}

// quoteToolexec quotes the executable path for -toolexec, which the go
// command splits like a shell would (quoted strings allowed).
func quoteToolexec(path string) string {
	if strings.ContainsAny(path, " \t'\"") {
		return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
	}
	return path
}

// runGo runs the go command with the user's standard streams and returns
// its exit status. Interrupts go to the whole process group; raceinst
// waits for the go command to handle them.
func runGo(args, extraEnv []string) int {
	signal.Ignore(os.Interrupt)
	cmd := exec.Command("go", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), extraEnv...)
	return exitCode(cmd.Run())
}

// goEnv is the part of go env raceinst needs, as the go command sees it in
// the user's directory (after toolchain switching).
type goEnv struct {
	GOROOT, GOVERSION, GOFLAGS, GOOS, GOARCH, GOMOD, GOWORK, GOEXE, GOMODCACHE string
	// all is the whole of go env -json: every setting that can change how
	// rt compiles, for the key of the memoized rt build.
	all []byte
}

// runGoEnv runs go env -json.
func runGoEnv() (*goEnv, error) {
	goEnvRuns.Add(1)
	cmd := exec.Command("go", "env", "-json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %v\n%s", err, stderr.Bytes())
	}
	return parseGoEnv(workDirRE.ReplaceAll(out, []byte("go-build")))
}

// goEnvRuns counts runGoEnv's go commands, for tests.
var goEnvRuns atomic.Int64

// parseGoEnv parses go env -json's output, kept compacted in env.all, the
// form it has when read back from goEnvMemo.
func parseGoEnv(out []byte) (*goEnv, error) {
	var all bytes.Buffer
	if err := json.Compact(&all, out); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	env := &goEnv{all: all.Bytes()}
	if err := json.Unmarshal(out, env); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	return env, nil
}

// workDirRE matches the go command's per-invocation work directory, which
// go env prints inside GOGCCFLAGS (-ffile-prefix-map=/tmp/go-build123=...):
// left in, it would make every run's memo key new.
var workDirRE = regexp.MustCompile(`go-build[0-9]+`)

// modules are the main modules: the one of go.mod, or every module of
// go.work.
type modules struct {
	paths, dirs []string
	// cwd is the directory relative patterns are relative to.
	cwd string
	// hasRT reports that rt's module is a main module or a requirement of
	// one, so that the program's graph may hold rt already; rtDir is its
	// directory when it is a main module.
	hasRT bool
	rtDir string
	// requires are the module paths the main modules' go.mod files
	// require, in file order, repeats included (syncModules sorts them).
	requires []string
}

func mainModules(env *goEnv) (*modules, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	m := &modules{cwd: cwd}
	var gomods []string
	if env.GOWORK != "" && env.GOWORK != "off" {
		data, err := os.ReadFile(env.GOWORK)
		if err != nil {
			return nil, err
		}
		wf, err := modfile.ParseWork(env.GOWORK, data, nil)
		if err != nil {
			return nil, err
		}
		for _, u := range wf.Use {
			dir := u.Path
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(filepath.Dir(env.GOWORK), dir)
			}
			gomods = append(gomods, filepath.Join(dir, "go.mod"))
		}
	} else if env.GOMOD != "" && env.GOMOD != os.DevNull {
		gomods = append(gomods, env.GOMOD)
	}
	for _, gomod := range gomods {
		data, err := os.ReadFile(gomod)
		if err != nil {
			return nil, err
		}
		f, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			return nil, err
		}
		if f.Module == nil {
			continue
		}
		m.paths = append(m.paths, f.Module.Mod.Path)
		m.dirs = append(m.dirs, filepath.Dir(gomod))
		if f.Module.Mod.Path == rtsrc.ModulePath {
			m.hasRT, m.rtDir = true, filepath.Dir(gomod)
		}
		for _, r := range f.Require {
			if r.Mod.Path == rtsrc.ModulePath {
				m.hasRT = true
			}
			m.requires = append(m.requires, r.Mod.Path)
		}
	}
	return m, nil
}

// selectPatterns returns the import-path patterns of the packages to
// instrument: -instrument's, or the main modules' plus those named on the
// command line. Named packages inside a main module add nothing, so that
// "raceinst build ./a" and "raceinst build ./b" share one salt (and one set
// of cached standard-library compiles).
func selectPatterns(inv *invocation, mods *modules) []string {
	var pats []string
	add := func(p string) {
		for _, q := range pats {
			if q == p || (strings.HasSuffix(q, "/...") && matchPattern(q, p)) {
				return
			}
		}
		pats = append(pats, p)
	}
	if inv.instrument != nil {
		for _, p := range inv.instrument {
			add(resolvePattern(p, mods))
		}
		return pats
	}
	for _, p := range mods.paths {
		add(p + "/...")
	}
	for _, p := range inv.pkgs {
		if strings.HasSuffix(p, ".go") {
			add("command-line-arguments")
			continue
		}
		add(resolvePattern(p, mods))
	}
	return pats
}

// syncModules returns config.SyncModules: a pattern for each main module
// and each module the main modules require. With module graph pruning (go
// 1.17 and later), go.mod lists every module that provides a package the
// main modules' packages import, directly or not; an older go.mod may
// leave some out, and their packages are then built as go build builds
// them. The main modules' packages are selected in full unless
// -instrument says otherwise; those it leaves out are rewritten for their
// synchronisation, as a dependency's are.
func syncModules(mods *modules) []string {
	var pats []string
	for _, p := range slices.Concat(mods.paths, mods.requires) {
		if p == rtsrc.ModulePath {
			continue // rt is never rewritten; its module's other packages need not be
		}
		pats = append(pats, p+"/...")
	}
	slices.Sort(pats)
	return slices.Compact(pats)
}

// resolvePattern turns a relative package pattern (./x/...) into an
// import-path pattern using the main module that holds the directory, and
// drops an @version suffix.
func resolvePattern(p string, mods *modules) string {
	if i := strings.IndexByte(p, '@'); i >= 0 {
		p = p[:i]
	}
	if !(p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")) {
		return p
	}
	abs := filepath.Join(mods.cwd, p)
	for i, dir := range mods.dirs {
		rel, err := filepath.Rel(dir, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if rel == "." {
			return mods.paths[i]
		}
		return mods.paths[i] + "/" + filepath.ToSlash(rel)
	}
	return p
}
