package main

// The cross-package "must not instrument" set.
//
// Each compile sees one package, and a package is compiled before the
// packages that import it, so when package B is instrumented nothing yet
// says that child code of package A (A imports B) calls B.F: norace's
// Result.Reaches for A is only known at A's compile. Before it runs the go
// command, the driver therefore lists the build graph, finds the packages
// that may hold child code by a byte scan for norace.ChildMarkers,
// type-checks those (usually none), and asks norace what their child code
// reaches in other packages; each such package is analysed again with the
// reached functions as extra child contexts (norace.AnalyzeWith), until
// nothing new is reached. The reached functions of instrumented packages
// become config.Skip, and so instrument.Input.Skip at every compile.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raceinst/raceinst/passes/norace"
)

// skipPrepass is the pre-pass of one raceinst run. The go list it needs
// starts at once, in parallel with the driver's other preparations.
type skipPrepass struct {
	dir   string   // where the go command runs ("" for the current directory)
	flags []string // build flags for both go list runs
	tests bool     // the graph includes test packages (raceinst test)
	// overlay is -overlay's Replace map, absolute paths, or nil;
	// overlayFile is the -overlay file's absolute path.
	overlay     map[string]string
	overlayFile string
	args        []string // the package arguments
	memo        *prepassMemo
	memoEnv     *memoEnv
	listOnce    sync.Once
	listStart   time.Time
	done        chan struct{}
	pkgs        []*listedPkg // the build graph, in dependency order
	err         error
}

// listedPkg is the part of go list -deps -json output the pre-pass reads.
// ImportPath is the go command's ID: "p", "p [p.test]", "p_test [p.test]".
type listedPkg struct {
	ImportPath, Dir, ForTest string
	Standard                 bool
	GoFiles, CgoFiles        []string
	Imports                  []string
	Error                    *struct{ Err string }
}

// startSkipPrepass starts listing the packages the go command will build
// for inv (goflags are GOFLAGS', which may name an -overlay), unless the
// memo (when m is not nil) holds the answer. It returns nil when there is
// nothing to list.
func startSkipPrepass(inv *invocation, goflags []goFlag, dir string, m *memoEnv) *skipPrepass {
	switch inv.verb {
	case "build", "test", "run", "install":
	default:
		return nil
	}
	p := &skipPrepass{dir: dir, flags: prepassFlags(inv), tests: inv.verb == "test", args: inv.pkgs, memoEnv: m, done: make(chan struct{})}
	fail := func(err error) *skipPrepass {
		p.err = err
		p.listOnce.Do(func() { close(p.done) })
		return p
	}
	for _, pkg := range p.args {
		if strings.Contains(pkg, "@") {
			// go list cannot list pkg@version outside go install.
			return fail(fmt.Errorf("%s: cannot list a package at a version", pkg))
		}
	}
	var err error
	if p.overlay, p.overlayFile, err = readOverlay(dir, append(append([]goFlag(nil), goflags...), inv.flags...)); err != nil {
		return fail(err)
	}
	p.memo = openPrepassMemo(p, m)
	if !p.memo.hasValid() {
		p.list()
	}
	return p
}

// list starts the go list of the build graph, once.
func (p *skipPrepass) list() {
	p.listOnce.Do(func() {
		p.listStart = time.Now()
		go func() {
			defer close(p.done)
			p.pkgs, p.err = listBuildGraph(p.dir, p.flags, p.tests, p.args)
		}()
	})
}

// prepassFlags are the go flags that change which packages and files the
// build has (tags, -mod, -modfile, -overlay) or how the export data the
// type-checker reads is compiled (the flags rt is built with, so that the
// two share the go command's cache).
func prepassFlags(inv *invocation) []string {
	flags := append(rtBuildFlags(nil, inv.flags), modFlags(inv)...)
	for _, f := range inv.flags {
		if f.name == "overlay" {
			flags = append(flags, "-overlay="+f.value)
		}
	}
	return append(flags, "-pgo=off")
}

// readOverlay reads the last -overlay file among flags: the candidates'
// files are read through it, as the go command reads them. It returns the
// Replace map and the file's absolute path.
func readOverlay(dir string, flags []goFlag) (map[string]string, string, error) {
	file := ""
	for _, f := range flags {
		if f.name == "overlay" {
			file = f.value
		}
	}
	if file == "" {
		return nil, "", nil
	}
	abs := func(p string) (string, error) {
		if p == "" || filepath.IsAbs(p) {
			return p, nil
		}
		if dir != "" {
			return filepath.Join(dir, p), nil
		}
		return filepath.Abs(p)
	}
	path, err := abs(file)
	if err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("-overlay: %v", err)
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, "", fmt.Errorf("-overlay %s: %v", file, err)
	}
	m := make(map[string]string, len(o.Replace))
	for from, to := range o.Replace {
		a, err := abs(from)
		if err != nil {
			return nil, "", err
		}
		if m[a], err = abs(to); err != nil {
			return nil, "", err
		}
	}
	return m, path, nil
}

// listBuildGraph runs go list -deps over the packages (with -test for
// raceinst test). The go command's GOFLAGS, GOOS, GOARCH and CGO_ENABLED
// come from the environment, as for the build itself.
func listBuildGraph(dir string, flags []string, tests bool, pkgs []string) ([]*listedPkg, error) {
	listRuns.Add(1)
	args := []string{"list", "-e", "-deps", "-json=ImportPath,Dir,ForTest,Standard,GoFiles,CgoFiles,Imports,Error"}
	if tests {
		args = append(args, "-test")
	}
	args = append(append(args, flags...), pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var out []*listedPkg
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listedPkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// listRuns counts listBuildGraph's go commands, for tests.
var listRuns atomic.Int64

// skips waits for the listing and returns the functions that child code
// of other packages reaches in the packages cfg selects, sorted. On an
// error it returns what it found before it.
func (p *skipPrepass) skips(cfg *config) ([]string, error) {
	if p == nil {
		return nil, nil
	}
	// The answer depends on which packages are rewritten at all.
	sel := append(append(append([]string(nil), cfg.Patterns...), "\x01sync"), cfg.SyncModules...)
	if skips, ok := p.memo.lookup(sel); ok {
		return skips, nil
	}
	p.list()
	<-p.done
	if p.err != nil {
		return nil, p.err
	}
	skips, err := p.compute(cfg)
	if err == nil {
		p.memo.store(p, sel, skips)
	}
	return skips, err
}

// compute finds the skip set in the listing.
func (p *skipPrepass) compute(cfg *config) ([]string, error) {
	g := newPkgGraph(p.pkgs, cfg)
	cands, err := g.candidates(norace.ChildMarkers(), p.overlay)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	l := &childLoader{
		dir: p.dir, flags: p.flags, goarch: cfg.GOARCH, overlay: p.overlay, g: g, cands: cands,
		checked: map[string]*checkedPkg{}, base: map[string]map[string]bool{},
	}
	return propagate(g, cands, l.analyze)
}

// pkgGraph is the listed build graph with what the pre-pass asks of it.
type pkgGraph struct {
	byID  map[string]*listedPkg
	order []string        // IDs, dependencies first
	instr map[string]bool // the package is instrumented
	below map[string]bool // it imports an instrumented package, directly or not
	// deps memoizes resolve: per ID, the ID of each import path in its
	// dependencies.
	deps map[string]map[string]string
}

func newPkgGraph(pkgs []*listedPkg, cfg *config) *pkgGraph {
	g := &pkgGraph{
		byID:  map[string]*listedPkg{},
		instr: map[string]bool{},
		below: map[string]bool{},
		deps:  map[string]map[string]string{},
	}
	for _, p := range pkgs {
		g.byID[p.ImportPath] = p
		g.order = append(g.order, p.ImportPath)
		// The compile's own rule (-std packages are never instrumented).
		why := skipReason(cfg, nil, p.ImportPath)
		g.instr[p.ImportPath] = !p.Standard && (why == "" || syncDep(cfg, why, p.ImportPath))
	}
	// go list -deps prints dependencies first.
	for _, id := range g.order {
		for _, imp := range g.byID[id].Imports {
			if g.instr[imp] || g.below[imp] {
				g.below[id] = true
				break
			}
		}
	}
	return g
}

// follow reports whether child code reaching into the package matters:
// the package is instrumented, or its calls may reach one that is.
func (g *pkgGraph) follow(id string) bool { return g.instr[id] || g.below[id] }

// candidates returns the packages whose child code, if any, could reach
// an instrumented package other than themselves (their own child code
// their compile handles) and whose files contain a marker.
func (g *pkgGraph) candidates(markers []string, overlay map[string]string) ([]string, error) {
	var out []string
	for _, id := range g.order {
		p := g.byID[id]
		if p.Standard || !g.below[id] {
			continue
		}
		if _, testMain := basePackage(id); testMain {
			continue
		}
		for _, name := range append(append([]string(nil), p.GoFiles...), p.CgoFiles...) {
			if !filepath.IsAbs(name) {
				name = filepath.Join(p.Dir, name)
			}
			if o, ok := overlay[name]; ok {
				name = o
			}
			src, err := os.ReadFile(name)
			if err != nil {
				return out, err
			}
			if hasMarker(src, markers) {
				out = append(out, id)
				break
			}
		}
	}
	return out, nil
}

func hasMarker(src []byte, markers []string) bool {
	for _, m := range markers {
		if bytes.Contains(src, []byte(m)) {
			return true
		}
	}
	return false
}

// resolve returns the ID of the package with import path path among the
// dependencies of package from: the variant its code calls.
func (g *pkgGraph) resolve(from, path string) string {
	m, ok := g.deps[from]
	if !ok {
		m = map[string]string{}
		var walk func(id string)
		walk = func(id string) {
			p := g.byID[id]
			if p == nil {
				return
			}
			for _, imp := range p.Imports {
				path, _, _ := strings.Cut(imp, " [")
				if _, seen := m[path]; !seen {
					m[path] = imp
					walk(imp)
				}
			}
		}
		walk(from)
		g.deps[from] = m
	}
	if id, ok := m[path]; ok {
		return id
	}
	return path
}

// childAnalysis is what norace says of one package, given the functions
// of it that child code of other packages calls.
type childAnalysis struct {
	// kept are the package's functions that must not be instrumented
	// because of those calls: them and what they reach in the package.
	kept []string
	// reaches are the functions of other packages the package's child
	// code (its own and the calls) reaches.
	reaches []reachedFunc
}

type reachedFunc struct{ path, name string }

// analyzeFunc analyses a batch of packages, each (by ID) with the
// functions other packages' child code calls in it. It may return results
// for part of the batch together with an error.
type analyzeFunc func(batch map[string][]string) (map[string]childAnalysis, error)

// propagate runs norace over the candidates, then over every package their
// child code reaches, with the reached functions as child contexts, and so
// on until nothing new is reached. It returns the reached functions of
// instrumented packages, sorted.
func propagate(g *pkgGraph, candidates []string, analyze analyzeFunc) ([]string, error) {
	children := map[string]map[string]bool{}
	pending := map[string]bool{}
	for _, id := range candidates {
		pending[id] = true
	}
	skip := map[string]bool{}
	var firstErr error
	for len(pending) > 0 {
		batch := map[string][]string{}
		for id := range pending {
			batch[id] = sortedSet(children[id])
		}
		pending = map[string]bool{}
		results, err := analyze(batch)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		for _, id := range sortedMapKeys(results) {
			r := results[id]
			if g.instr[id] {
				for _, name := range r.kept {
					skip[name] = true
				}
			}
			for _, f := range r.reaches {
				target := g.resolve(id, f.path)
				if g.instr[target] {
					skip[f.name] = true
				}
				if !g.follow(target) || children[target][f.name] {
					continue
				}
				if children[target] == nil {
					children[target] = map[string]bool{}
				}
				children[target][f.name] = true
				pending[target] = true
			}
		}
	}
	return sortedSet(skip), firstErr
}

// childLoader type-checks packages from source, their imports from
// export data (the go command's, listed once for the candidates and
// everything they depend on), and runs norace on them.
type childLoader struct {
	dir     string
	flags   []string
	goarch  string
	overlay map[string]string
	g       *pkgGraph
	cands   []string
	export  map[string]*exportedPkg // by ID; nil until listed
	checked map[string]*checkedPkg  // by ID; nil: failed
	// base holds, per package, what norace skips without extra children:
	// the package's own compile skips that already.
	base map[string]map[string]bool
}

// exportedPkg is the part of go list -export -compiled output the loader
// reads.
type exportedPkg struct {
	ImportPath, Dir, Export string
	CompiledGoFiles, SFiles []string
	ImportMap               map[string]string
	Module                  *struct{ GoVersion string }
}

type checkedPkg struct {
	fset  *token.FileSet
	files []*ast.File
	other []string
	pkg   *types.Package
	info  *types.Info
	sizes types.Sizes
}

// listExports runs go list -export over the candidates, which compiles
// (or finds in the go command's cache) the export data of every package
// they depend on, with the flags rt is built with.
func (l *childLoader) listExports() error {
	args := []string{"list", "-e", "-deps", "-export", "-compiled", "-json=ImportPath,Dir,Export,CompiledGoFiles,SFiles,ImportMap,Module"}
	var patterns []string
	seen := map[string]bool{}
	tests := false
	for _, id := range l.cands {
		pattern := id
		if p := l.g.byID[id]; p != nil && p.ForTest != "" {
			pattern, tests = p.ForTest, true
		}
		if !seen[pattern] {
			seen[pattern] = true
			patterns = append(patterns, pattern)
		}
	}
	if tests {
		args = append(args, "-test")
	}
	args = append(append(args, l.flags...), patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = l.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go list -export: %v\n%s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	l.export = map[string]*exportedPkg{}
	dec := json.NewDecoder(&stdout)
	for {
		p := new(exportedPkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("reading go list -export output: %v", err)
		}
		l.export[p.ImportPath] = p
	}
	return nil
}

// check type-checks the package with the given ID, as its compile will.
func (l *childLoader) check(id string) *checkedPkg {
	if c, ok := l.checked[id]; ok {
		return c
	}
	l.checked[id] = nil
	e := l.export[id]
	if e == nil {
		return nil
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range e.CompiledGoFiles {
		if !filepath.IsAbs(name) {
			name = filepath.Join(e.Dir, name)
		}
		src := name
		if o, ok := l.overlay[name]; ok {
			src = o
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil
		}
		f, err := parser.ParseFile(fset, name, data, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil
		}
		files = append(files, f)
	}
	// Imports by the path the export data names them: the variant this
	// package is built against, from the graph.
	lookup := func(path string) (io.ReadCloser, error) {
		x := l.export[l.g.resolve(id, path)]
		if x == nil || x.Export == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(x.Export)
	}
	sizes := types.SizesFor("gc", l.goarch)
	tc := &types.Config{
		Importer: &mappedImporter{importer.ForCompiler(fset, "gc", lookup), e.ImportMap},
		Sizes:    sizes,
		Error:    func(error) {},
	}
	if e.Module != nil && e.Module.GoVersion != "" {
		tc.GoVersion = "go" + e.Module.GoVersion
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
	path, _, _ := strings.Cut(id, " [")
	pkg, err := tc.Check(path, fset, files, info)
	if err != nil {
		// The build will report it.
		return nil
	}
	var other []string
	for _, name := range e.SFiles {
		other = append(other, filepath.Join(e.Dir, name))
	}
	c := &checkedPkg{fset, files, other, pkg, info, sizes}
	l.checked[id] = c
	return c
}

func (l *childLoader) analyze(batch map[string][]string) (map[string]childAnalysis, error) {
	if l.export == nil {
		if err := l.listExports(); err != nil {
			return nil, err
		}
	}
	out := map[string]childAnalysis{}
	var errs []error
	for _, id := range sortedMapKeys(batch) {
		c := l.check(id)
		if c == nil {
			continue
		}
		r, err := l.analyzeOne(id, c, batch[id])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[id] = r
	}
	return out, errors.Join(errs...)
}

func (l *childLoader) analyzeOne(id string, c *checkedPkg, children []string) (childAnalysis, error) {
	var r childAnalysis
	if l.base[id] == nil {
		res, err := norace.Analyze(c.fset, c.files, c.other, c.pkg, c.info, c.sizes)
		if err != nil {
			return r, err
		}
		l.base[id] = map[string]bool{}
		for fn := range res.NoInstrument {
			l.base[id][norace.FuncName(fn)] = true
		}
		if len(children) == 0 {
			r.reaches = reachedFuncs(res)
			return r, nil
		}
	}
	res, err := norace.AnalyzeWith(c.fset, c.files, c.other, c.pkg, c.info, c.sizes, children)
	if err != nil {
		return r, err
	}
	for fn := range res.NoInstrument {
		if name := norace.FuncName(fn); !l.base[id][name] {
			r.kept = append(r.kept, name)
		}
	}
	sort.Strings(r.kept)
	r.reaches = reachedFuncs(res)
	return r, nil
}

func reachedFuncs(res *norace.Result) []reachedFunc {
	var out []reachedFunc
	for _, fn := range res.Reaches {
		out = append(out, reachedFunc{fn.Pkg().Path(), norace.FuncName(fn)})
	}
	return out
}

// skipSet is config.Skip as instrument.Input.Skip wants it.
func skipSet(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
