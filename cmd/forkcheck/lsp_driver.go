package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
)

// The language server's analysis driver.
//
// x/tools' checker runs every analyzer on every dependency of the packages
// it is given, on every call; it has no way to be handed the facts of
// packages that did not change. An editor asks again after each save, so the
// server keeps its own state per module instead: package metadata from
// go/packages (go list, with the editor's unsaved buffers as overlay), and,
// per package, the syntax, types, facts and diagnostics of its last
// analysis. A change to a file invalidates the packages that compile it and
// everything that imports them; the next request re-checks and re-analyses
// only those (std and the module cache are checked once). Passes are
// built with go/analysis' public API alone, as checker and unitchecker
// build theirs: same Pass fields, facts visible from all transitive
// dependencies, analyzers that do not RunDespiteErrors skipped on
// ill-typed packages.

// moduleState is the analysis state of one module: every package the
// module's packages (and their tests) import, by go/packages ID.
type moduleState struct {
	dir       string
	analyzers []*analysis.Analyzer // in dependency order (Requires first)
	overlay   func() map[string][]byte
	fset      *token.FileSet
	pkgs      map[string]*pkgState
	byFile    map[string][]*pkgState // absolute file name → packages compiling it
	byTypes   map[*types.Package]*pkgState
	content   map[string][]byte // text of each file as last parsed
	loaded    bool
	loadErr   error
	gen       int // bumped on every analysis, to tell documents what is new
	unknown   map[string]bool
	noReload  bool // set while retrying after a reload
}

// pkgState is one package of a module's import graph.
type pkgState struct {
	meta    *packages.Package
	imports map[string]*pkgState // import path as written → package
	users   []*pkgState          // packages importing this one

	// Results of the last check and analysis, valid while checked/analysed.
	checked     bool
	files       []*ast.File
	types       *types.Package
	info        *types.Info
	typeErrors  []types.Error
	illTyped    bool
	importsSeen map[string]bool // import paths of the parsed files

	analysed bool
	gen      int
	facts    map[factKey]analysis.Fact
	diags    []analysisDiag
	failures []error // analyzers that failed or panicked
}

type factKey struct {
	obj types.Object   // nil for a package fact
	pkg *types.Package // for a package fact
	t   reflect.Type
}

// analysisDiag is a diagnostic of one analyzer, positions in the module's
// FileSet.
type analysisDiag struct {
	analyzer *analysis.Analyzer
	analysis.Diagnostic
}

func newModuleState(dir string, analyzers []*analysis.Analyzer, overlay func() map[string][]byte) *moduleState {
	return &moduleState{dir: dir, analyzers: requiredClosure(analyzers), overlay: overlay}
}

// requiredClosure lists the analyzers and everything they require, each
// after its requirements.
func requiredClosure(roots []*analysis.Analyzer) []*analysis.Analyzer {
	var out []*analysis.Analyzer
	seen := map[*analysis.Analyzer]bool{}
	var visit func(a *analysis.Analyzer)
	visit = func(a *analysis.Analyzer) {
		if seen[a] {
			return
		}
		seen[a] = true
		for _, r := range a.Requires {
			visit(r)
		}
		out = append(out, a)
	}
	for _, a := range roots {
		visit(a)
	}
	return out
}

// load (re)reads the module's metadata with go list, keeping the checked
// and analysed state of every package whose files, imports and
// dependencies are unchanged.
func (m *moduleState) load() error {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
			packages.NeedImports | packages.NeedDeps | packages.NeedModule | packages.NeedTypesSizes,
		Dir:     m.dir,
		Tests:   true,
		Overlay: m.overlay(),
	}
	roots, err := packages.Load(cfg, "./...")
	m.loaded = true
	m.unknown = map[string]bool{}
	if err != nil {
		m.loadErr = fmt.Errorf("go list in %s: %w", m.dir, err)
		return m.loadErr
	}
	m.loadErr = nil
	old := m.pkgs
	if m.fset == nil {
		m.fset = token.NewFileSet()
		m.content = map[string][]byte{}
	}
	m.pkgs = map[string]*pkgState{}
	m.byFile = map[string][]*pkgState{}
	m.byTypes = map[*types.Package]*pkgState{}
	var visit func(lp *packages.Package) *pkgState
	visit = func(lp *packages.Package) *pkgState {
		if p := m.pkgs[lp.ID]; p != nil {
			return p
		}
		p := &pkgState{meta: lp, imports: map[string]*pkgState{}}
		m.pkgs[lp.ID] = p
		reuse := true
		for path, dep := range lp.Imports {
			d := visit(dep)
			p.imports[path] = d
			d.users = append(d.users, p)
			reuse = reuse && d.checked
		}
		if o := old[lp.ID]; o != nil && reuse && o.checked && sameMeta(o, p) {
			p.checked, p.files, p.types, p.info, p.typeErrors, p.illTyped, p.importsSeen =
				o.checked, o.files, o.types, o.info, o.typeErrors, o.illTyped, o.importsSeen
			p.analysed, p.gen, p.facts, p.diags, p.failures = o.analysed, o.gen, o.facts, o.diags, o.failures
		}
		if p.types != nil {
			m.byTypes[p.types] = p
		}
		for _, f := range lp.CompiledGoFiles {
			m.byFile[f] = append(m.byFile[f], p)
		}
		return p
	}
	for _, lp := range roots {
		visit(lp)
	}
	return nil
}

// sameMeta reports whether two loads of a package compile the same files
// against the same dependencies.
func sameMeta(o, p *pkgState) bool {
	if !slices.Equal(o.meta.CompiledGoFiles, p.meta.CompiledGoFiles) ||
		!slices.Equal(o.meta.OtherFiles, p.meta.OtherFiles) || len(o.imports) != len(p.imports) {
		return false
	}
	for path, d := range p.imports {
		if od := o.imports[path]; od == nil || od.meta.ID != d.meta.ID || od.types != d.types {
			return false
		}
	}
	return true
}

// invalidate forgets the results of every package compiling file, and of
// everything importing them.
func (m *moduleState) invalidate(file string) {
	var drop func(p *pkgState)
	drop = func(p *pkgState) {
		if !p.checked && !p.analysed {
			return
		}
		if p.types != nil {
			delete(m.byTypes, p.types)
		}
		*p = pkgState{meta: p.meta, imports: p.imports, users: p.users}
		for _, u := range p.users {
			drop(u)
		}
	}
	for _, p := range m.byFile[file] {
		drop(p)
	}
	delete(m.unknown, file)
}

// packageFor returns the package whose diagnostics are shown for file: the
// smallest package compiling it (the package itself rather than its test
// variant). It reloads the metadata once if no package knows the file.
func (m *moduleState) packageFor(file string) (*pkgState, error) {
	if !m.loaded {
		if err := m.load(); err != nil {
			return nil, err
		}
	}
	if len(m.byFile[file]) == 0 && !m.unknown[file] {
		if err := m.load(); err != nil {
			return nil, err
		}
		if len(m.byFile[file]) == 0 {
			m.unknown[file] = true
		}
	}
	var best *pkgState
	for _, p := range m.byFile[file] {
		if best == nil || len(p.meta.CompiledGoFiles) < len(best.meta.CompiledGoFiles) ||
			len(p.meta.CompiledGoFiles) == len(best.meta.CompiledGoFiles) && p.meta.ID < best.meta.ID {
			best = p
		}
	}
	return best, nil
}

// readFile returns the editor's text for an open file, else the file on disk.
func (m *moduleState) readFile(name string, overlay map[string][]byte) ([]byte, error) {
	if b, ok := overlay[name]; ok {
		return b, nil
	}
	return os.ReadFile(name)
}

// errReload says that a package's imports no longer match its metadata.
var errReload = errors.New("imports changed")

// check parses and type-checks p (and, first, its dependencies).
func (m *moduleState) check(p *pkgState, overlay map[string][]byte) error {
	if p.checked {
		return nil
	}
	for _, d := range sortedDeps(p) {
		if err := m.check(d, overlay); err != nil {
			return err
		}
	}
	p.checked = true
	if p.meta.PkgPath == "unsafe" {
		p.types = types.Unsafe
		m.byTypes[p.types] = p
		return nil
	}
	p.importsSeen = map[string]bool{}
	for _, name := range p.meta.CompiledGoFiles {
		src, err := m.readFile(name, overlay)
		if err != nil {
			p.illTyped = true
			p.failures = append(p.failures, err)
			continue
		}
		m.content[name] = src
		f, err := parser.ParseFile(m.fset, name, src, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			p.illTyped = true
		}
		if f == nil {
			continue
		}
		p.files = append(p.files, f)
		for _, is := range f.Imports {
			if path, err := strconv.Unquote(is.Path.Value); err == nil && path != "C" {
				p.importsSeen[path] = true
			}
		}
	}
	for path := range p.importsSeen {
		if p.imports[path] == nil && !m.noReload {
			*p = pkgState{meta: p.meta, imports: p.imports, users: p.users}
			return errReload
		}
	}
	p.info = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	tc := &types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if d := p.imports[path]; d != nil && d.types != nil {
				return d.types, nil
			}
			return nil, fmt.Errorf("no package for import %q", path)
		}),
		Sizes: p.meta.TypesSizes,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				p.typeErrors = append(p.typeErrors, te)
			}
			p.illTyped = true
		},
	}
	if mod := p.meta.Module; mod != nil && mod.GoVersion != "" {
		tc.GoVersion = "go" + mod.GoVersion
	}
	p.types, _ = tc.Check(p.meta.PkgPath, m.fset, p.files, p.info)
	if len(p.meta.Errors) > 0 {
		p.illTyped = true
	}
	m.byTypes[p.types] = p
	return nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

func sortedDeps(p *pkgState) []*pkgState {
	paths := make([]string, 0, len(p.imports))
	for path := range p.imports {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	deps := make([]*pkgState, len(paths))
	for i, path := range paths {
		deps[i] = p.imports[path]
	}
	return deps
}

// diagnose analyses the package shown for file (see packageFor), after its
// dependencies (for their facts). It reloads the metadata once when an edit
// changed a package's imports; an import that still resolves to nothing is
// then a type error. It returns nil if no package compiles file.
func (m *moduleState) diagnose(file string, overlay map[string][]byte) (*pkgState, error) {
	for attempt := 0; ; attempt++ {
		p, err := m.packageFor(file)
		if p == nil || err != nil {
			return nil, err
		}
		m.noReload = attempt > 0
		err = m.analyseOnce(p, overlay)
		if errors.Is(err, errReload) && attempt == 0 {
			if err := m.load(); err != nil {
				return nil, err
			}
			continue
		}
		return p, err
	}
}

func (m *moduleState) analyseOnce(p *pkgState, overlay map[string][]byte) error {
	if p.analysed {
		return nil
	}
	if err := m.check(p, overlay); err != nil {
		return err
	}
	for _, d := range sortedDeps(p) {
		if err := m.analyseOnce(d, overlay); err != nil {
			return err
		}
	}
	m.gen++
	p.analysed, p.gen = true, m.gen
	p.facts = map[factKey]analysis.Fact{}
	if p.types == types.Unsafe {
		return nil
	}
	results := map[*analysis.Analyzer]any{}
	failed := map[*analysis.Analyzer]bool{}
	for _, a := range m.analyzers {
		skip := p.illTyped && !a.RunDespiteErrors
		for _, r := range a.Requires {
			skip = skip || failed[r]
		}
		if skip {
			failed[a] = true
			continue
		}
		res, err := m.runPass(p, a, results, overlay)
		if err != nil {
			failed[a] = true
			p.failures = append(p.failures, fmt.Errorf("%s on %s: %w", a.Name, p.meta.ID, err))
			continue
		}
		results[a] = res
	}
	return nil
}

// runPass runs one analyzer on one package; a panic in the analyzer is an
// error, never a crash of the server.
func (m *moduleState) runPass(p *pkgState, a *analysis.Analyzer, results map[*analysis.Analyzer]any, overlay map[string][]byte) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	factTypes := map[reflect.Type]bool{}
	for _, f := range a.FactTypes {
		factTypes[reflect.TypeOf(f)] = true
	}
	resultOf := map[*analysis.Analyzer]any{}
	for _, r := range a.Requires {
		resultOf[r] = results[r]
	}
	var module *analysis.Module
	if mod := p.meta.Module; mod != nil {
		module = &analysis.Module{Path: mod.Path, Version: mod.Version, GoVersion: mod.GoVersion}
	}
	importFact := func(key factKey, owner *pkgState, fact analysis.Fact) bool {
		if owner == nil || !factTypes[key.t] {
			return false
		}
		f, ok := owner.facts[key]
		if ok {
			reflect.ValueOf(fact).Elem().Set(reflect.ValueOf(f).Elem())
		}
		return ok
	}
	pass := &analysis.Pass{
		Analyzer:     a,
		Fset:         m.fset,
		Files:        p.files,
		OtherFiles:   p.meta.OtherFiles,
		IgnoredFiles: p.meta.IgnoredFiles,
		Pkg:          p.types,
		TypesInfo:    p.info,
		TypesSizes:   p.meta.TypesSizes,
		TypeErrors:   p.typeErrors,
		Module:       module,
		ResultOf:     resultOf,
		Report: func(d analysis.Diagnostic) {
			p.diags = append(p.diags, analysisDiag{a, d})
		},
		ReadFile: func(name string) ([]byte, error) {
			if !slices.Contains(p.meta.CompiledGoFiles, name) && !slices.Contains(p.meta.OtherFiles, name) &&
				!slices.Contains(p.meta.IgnoredFiles, name) && !slices.Contains(p.meta.GoFiles, name) {
				return nil, fmt.Errorf("ReadFile %s: not a file of package %s", name, p.meta.ID)
			}
			return m.readFile(name, overlay)
		},
		ImportObjectFact: func(obj types.Object, fact analysis.Fact) bool {
			if obj == nil || obj.Pkg() == nil {
				return false
			}
			owner := m.byTypes[obj.Pkg()]
			if owner == nil || !factVisible(obj, owner, p) {
				return false
			}
			return importFact(factKey{obj: obj, t: reflect.TypeOf(fact)}, owner, fact)
		},
		ImportPackageFact: func(pkg *types.Package, fact analysis.Fact) bool {
			return importFact(factKey{pkg: pkg, t: reflect.TypeOf(fact)}, m.byTypes[pkg], fact)
		},
		ExportObjectFact: func(obj types.Object, fact analysis.Fact) {
			if obj.Pkg() != p.types {
				panic(fmt.Sprintf("%s: fact %T on %v, an object of another package", a.Name, fact, obj))
			}
			p.facts[factKey{obj: obj, t: reflect.TypeOf(fact)}] = fact
		},
		ExportPackageFact: func(fact analysis.Fact) {
			p.facts[factKey{pkg: p.types, t: reflect.TypeOf(fact)}] = fact
		},
		AllObjectFacts: func() []analysis.ObjectFact {
			var out []analysis.ObjectFact
			for _, q := range closure(p) {
				for k, f := range q.facts {
					if k.obj != nil && factTypes[k.t] && factVisible(k.obj, q, p) {
						out = append(out, analysis.ObjectFact{Object: k.obj, Fact: f})
					}
				}
			}
			return out
		},
		AllPackageFacts: func() []analysis.PackageFact {
			var out []analysis.PackageFact
			for _, q := range closure(p) {
				for k, f := range q.facts {
					if k.obj == nil && factTypes[k.t] {
						out = append(out, analysis.PackageFact{Package: k.pkg, Fact: f})
					}
				}
			}
			return out
		},
	}
	return a.Run(pass)
}

// factVisible reports whether p sees the fact on obj exported by owner.
// It is checker's rule (exportedFrom, applied at each import edge): a
// function's fact crosses one import only if the function is exported, a
// variable's only if it is a field; methods, types and constants travel
// any distance. Without it the server would see facts go vet does not.
func factVisible(obj types.Object, owner, p *pkgState) bool {
	if owner == p {
		return true
	}
	direct := false
	for _, d := range p.imports {
		direct = direct || d == owner
	}
	switch obj := obj.(type) {
	case *types.Func:
		return obj.Signature().Recv() != nil || direct && obj.Exported()
	case *types.Var:
		return obj.IsField() || direct
	case *types.TypeName, *types.Const:
		return true
	}
	return false
}

// closure lists p and everything it imports, transitively, in a fixed
// order.
func closure(p *pkgState) []*pkgState {
	var out []*pkgState
	seen := map[*pkgState]bool{}
	var visit func(q *pkgState)
	visit = func(q *pkgState) {
		if seen[q] {
			return
		}
		seen[q] = true
		for _, d := range sortedDeps(q) {
			visit(d)
		}
		out = append(out, q)
	}
	visit(p)
	return out
}

// findModule returns the directory of the go.mod governing file, or "".
func findModule(file string) string {
	for dir := filepath.Dir(file); ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
