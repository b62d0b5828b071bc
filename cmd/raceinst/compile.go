package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/raceinst/raceinst/instrument"
	"github.com/raceinst/raceinst/passes/norace"
)

// testHookEnv holds test hooks, comma-separated, that the driver copies
// into the config (and so into the salt): "instrument:PKG" makes
// instrumenting PKG fail, "compile:PKG" makes the compiler reject PKG's
// instrumented files, "importrt" adds an import of rt to every instrumented
// package. The tests use them to check the fallbacks and rt's link while
// the instrumenter may still leave files unchanged.
const testHookEnv = "RACEINST_TEST_HOOK"

func hasHook(cfg *config, hook string) bool {
	for _, h := range strings.Split(cfg.TestHook, ",") {
		if h == hook {
			return true
		}
	}
	return false
}

// notRewritten are files of the go command's making that are compiled with
// the package but never instrumented: cgo's glue and the test main.
var notRewritten = map[string]bool{
	"_cgo_gotypes.go": true,
	"_cgo_import.go":  true,
	"_testmain.go":    true,
}

// compile handles a compile call: a selected package's files are
// type-checked, instrumented and written to the action's directory, and the
// compiler gets those instead. Whatever goes wrong before the compiler runs
// leaves the package uninstrumented, never the build broken.
func compile(cfg *config, tool string, args []string) int {
	pkg := compiledPackage(args)
	args, salt, err := takeSalt(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raceinst: %s: %v\n", pkg, err)
		return 2
	}
	why := skipReason(cfg, args, pkg)
	syncOnly := syncDep(cfg, why, pkg)
	if syncOnly {
		why = ""
	}
	if why == "" && cfg.PerPackage && salt != cfg.Salt {
		// Selected, but its cache key lacks this build's mark (salt.go):
		// an instrumented object must not be stored under it.
		why = "unmarked"
	}
	if why != "" {
		logAction("compile %s skip %s", pkg, why)
		return runCompiler(tool, args)
	}
	what, notDone := "instrumented", "not instrumented"
	if syncOnly {
		what, notDone = "synconly", "synchronisation not rewritten"
	}
	first := len(args)
	for first > 0 && strings.HasSuffix(args[first-1], ".go") && !strings.HasPrefix(args[first-1], "-") {
		first--
	}
	newArgs, err := instrumentArgs(cfg, args, first, pkg, syncOnly)
	var tcErr *typeError
	switch {
	case errors.As(err, &tcErr):
		// The compiler's own errors, with the user's positions, are the
		// right report; if it accepts what go/types did not, say so.
		out, code := runToolCaptured(tool, compilerArgs(args))
		os.Stdout.Write(out)
		if code == 0 {
			warnf("%s: %s: %v", pkg, notDone, err)
		}
		logAction("compile %s typeerror", pkg)
		return code
	case err != nil:
		warnf("%s: %s: %v", pkg, notDone, err)
		logAction("compile %s failed", pkg)
		return runCompiler(tool, args)
	case newArgs == nil:
		logAction("compile %s unchanged", pkg)
		return runCompiler(tool, args)
	}
	out, code := runToolCaptured(tool, compilerArgs(newArgs))
	if code != 0 {
		// A bug of raceinst's, not the user's: build the package as it is.
		msg, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		warnf("%s: %s: compiler rejected the instrumented code: %s", pkg, notDone, msg)
		logAction("compile %s rejected", pkg)
		return runCompiler(tool, args)
	}
	os.Stdout.Write(out)
	logAction("compile %s %s", pkg, what)
	return 0
}

// runCompiler runs the compiler with args (response files expanded by
// takeSalt), in a response file again if they are long.
func runCompiler(tool string, args []string) int {
	return runTool(tool, compilerArgs(args))
}

// compilerArgs returns args, or a response file holding them next to the
// compile's output if they are too long for a command line.
func compilerArgs(args []string) []string {
	dir := ""
	if o := flagValue(args, "o"); o != "" {
		dir = filepath.Dir(o)
	}
	a, err := responseFileArgs(args, dir)
	if err != nil {
		return args
	}
	return a
}

// warnEnv set to "all" lists every access and operation the instrumenter
// left unhooked (each with its reason); otherwise a package gets one line.
// The go command replays a cached compile's output, so the setting shows in
// the builds that compile the package.
const warnEnv = "RACEINST_WARN"

// reportUnhooked prints the instrumenter's warnings for package base: all
// of them with all, else one line that counts them and shows the first.
func reportUnhooked(base string, warnings []string, all bool) {
	switch {
	case len(warnings) == 0:
	case all || len(warnings) == 1:
		for _, w := range warnings {
			warnf("%s: %s", base, w)
		}
	default:
		warnf("%s: %d accesses or operations not hooked, first %s (%s=all lists them)", base, len(warnings), warnings[0], warnEnv)
	}
}

func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "raceinst: "+format+"\n", args...)
}

// runToolCaptured runs the tool with its output (the compiler reports on
// both streams) collected.
func runToolCaptured(tool string, args []string) ([]byte, int) {
	cmd := exec.Command(tool, args...)
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, &out, &out
	code := exitCode(cmd.Run())
	return out.Bytes(), code
}

// compiledPackage returns the import path of the package being compiled,
// as the go command names it: "example.com/m/a", or for test variants
// "example.com/m/a [example.com/m/a.test]" and
// "example.com/m/a_test [example.com/m/a.test]".
func compiledPackage(args []string) string {
	if p := os.Getenv("TOOLEXEC_IMPORTPATH"); p != "" {
		return p
	}
	return flagValue(args, "p")
}

// basePackage strips a test variant's " [x.test]" suffix, and an external
// test package's "_test", so that selection sees the package under test.
func basePackage(pkg string) (base string, testMain bool) {
	path, variant, ok := strings.Cut(pkg, " [")
	if !ok {
		return path, strings.HasSuffix(path, ".test")
	}
	variant = strings.TrimSuffix(variant, "]")
	if x, ok := strings.CutSuffix(path, "_test"); ok && variant == x+".test" {
		return x, false
	}
	return path, false
}

// skipReason says why the compile call must not be instrumented, or "".
func skipReason(cfg *config, args []string, pkg string) string {
	for _, a := range args {
		if a == "-std" || a == "-std=true" {
			return "std"
		}
		if strings.HasPrefix(a, "@") {
			return "response file"
		}
	}
	base, testMain := basePackage(pkg)
	switch {
	case testMain:
		return "testmain"
	case base == instrument.RTPath || strings.HasPrefix(base, instrument.RTPath+"/"):
		return "rt"
	}
	if _, ok := norace.NeverInstrumented(base); ok {
		return "never"
	}
	for _, p := range cfg.Patterns {
		if matchPattern(p, base) {
			return ""
		}
	}
	return "unselected"
}

// syncDep reports whether the compile of pkg, which skipReason gave why,
// rewrites its synchronisation alone: no pattern selects it ("unselected")
// and it is in a main module or a module the main modules require
// (config.SyncModules). Without that, a dependency's locks, channels and
// goroutines would order nothing, and the accesses of instrumented code
// they order would be reported as races (errgroup.Group.Wait).
func syncDep(cfg *config, why, pkg string) bool {
	if why != "unselected" {
		return false
	}
	base, _ := basePackage(pkg)
	for _, p := range cfg.SyncModules {
		if matchPattern(p, base) {
			return true
		}
	}
	return false
}

// typeError is a package that go/types rejects.
type typeError struct{ err error }

func (e *typeError) Error() string { return "type-checking: " + e.err.Error() }

// instrumentArgs instruments the package whose Go files are args[first:],
// and returns the compiler arguments naming the rewritten files, or nil if
// nothing changed.
func instrumentArgs(cfg *config, args []string, first int, pkg string, syncOnly bool) ([]string, error) {
	base, _ := basePackage(pkg)
	icPath := flagValue(args, "importcfg")
	if icPath == "" {
		return nil, errors.New("no -importcfg")
	}
	ic, err := readImportcfg(icPath)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	names := args[first:]
	files := make([]*ast.File, len(names))
	sources := make([][]byte, len(names))
	for i, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, &typeError{err}
		}
		files[i], sources[i] = f, src
	}
	sizes := types.SizesFor("gc", cfg.GOARCH)
	var errs []error
	tc := &types.Config{
		Importer:  newImporter(fset, ic),
		Sizes:     sizes,
		GoVersion: flagValue(args, "lang"),
		Error:     func(err error) { errs = append(errs, err) },
	}
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		Instances:    map[*ast.Ident]types.Instance{},
		FileVersions: map[*ast.File]string{},
	}
	tpkg, _ := tc.Check(flagValue(args, "p"), fset, files, info)
	if len(errs) > 0 {
		return nil, &typeError{errs[0]}
	}
	in := &instrument.Input{
		Fset:       fset,
		Files:      files,
		Filenames:  names,
		Sources:    sources,
		OtherFiles: asmFiles(cfg, args),
		Pkg:        tpkg,
		Info:       info,
		Sizes:      sizes,
		Skip:       skipSet(cfg.Skip),
	}
	if hasHook(cfg, "instrument:"+base) {
		return nil, errors.New("injected fault (" + testHookEnv + ")")
	}
	res, err := instrument.Package(in, instrument.Options{FuncHooks: cfg.FuncHooks, Tests: cfg.Tests, SyncOnly: syncOnly})
	if err != nil {
		return nil, err
	}
	// A sync-only package's warnings are all synchronisation it could not
	// record, which the user's instrumented code may then report as
	// races: shown as any package's are.
	reportUnhooked(base, res.Warnings, os.Getenv(warnEnv) == "all")
	if len(res.Files) != len(names) {
		return nil, fmt.Errorf("instrumenter returned %d files for %d", len(res.Files), len(names))
	}
	if hasHook(cfg, "importrt") {
		for i, f := range res.Files {
			if f.Src != nil || notRewritten[filepath.Base(names[i])] {
				continue
			}
			// After the package name, on its line: no line moves.
			src := sources[i]
			off := fset.Position(files[i].Name.End()).Offset
			res.Files[i].Src = append(append(src[:off:off], "; import _ \""+instrument.RTPath+"\""...), src[off:]...)
			break
		}
	}
	if hasHook(cfg, "compile:"+base) && len(res.Files) > 0 {
		res.Files[0].Src = append(sources[0][:len(sources[0]):len(sources[0])], "\nfunc raceinstInjectedFault() { undefined() }\n"...)
	}
	outDir := filepath.Join(filepath.Dir(icPath), "raceinst")
	newArgs := append([]string(nil), args...)
	used := map[string]bool{}
	changed := false
	for i, f := range res.Files {
		if f.Src == nil || notRewritten[filepath.Base(names[i])] {
			continue
		}
		if !changed {
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return nil, err
			}
		}
		changed = true
		name := filepath.Base(names[i])
		if used[name] {
			name = strconv.Itoa(i) + "_" + name
		}
		used[name] = true
		dst := filepath.Join(outDir, name)
		if err := os.WriteFile(dst, f.Src, 0o644); err != nil {
			return nil, err
		}
		newArgs[first+i] = dst
	}
	if !changed {
		return nil, nil
	}
	if err := appendImportcfg(icPath, map[string]string{instrument.RTPath: cfg.RT}); err != nil {
		return nil, err
	}
	return newArgs, nil
}

// asmFiles lists the package's assembly files, which the compiler is not
// given but norace reads (NOSPLIT); only packages with assembly get
// -symabis.
func asmFiles(cfg *config, args []string) []string {
	if flagValue(args, "symabis") == "" {
		return nil
	}
	dir, err := os.Getwd() // the go command runs the compiler in the package directory
	if err != nil {
		return nil
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.s"))
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.BuildTags = cfg.GOOS, cfg.GOARCH, cfg.Tags
	var out []string
	for _, m := range matches {
		if ok, err := ctx.MatchFile(dir, filepath.Base(m)); err == nil && ok {
			out = append(out, m)
		}
	}
	return out
}

// newImporter returns a go/types importer reading the export data the
// import config names, as the compiler does.
func newImporter(fset *token.FileSet, ic *importcfg) types.Importer {
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := ic.packageFile[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q in -importcfg", path)
		}
		return os.Open(file)
	}
	return &mappedImporter{importer.ForCompiler(fset, "gc", lookup), ic.importMap}
}

type mappedImporter struct {
	imp types.Importer
	m   map[string]string
}

func (i *mappedImporter) Import(path string) (*types.Package, error) {
	if p, ok := i.m[path]; ok {
		path = p
	}
	return i.imp.Import(path)
}
