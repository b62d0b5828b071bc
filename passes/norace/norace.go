package norace

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Analyzer is the norace analyzer. See the package documentation.
var Analyzer = &analysis.Analyzer{
	Name:             "norace",
	Doc:              "check //go:norace-class directives and find fork-child code that must not be race-instrumented",
	URL:              "https://pkg.go.dev/github.com/raceinst/raceinst/passes/norace",
	Run:              run,
	RunDespiteErrors: true,
	ResultType:       reflect.TypeFor[*Result](),
	FactTypes:        []analysis.Fact{(*Func)(nil), (*Package)(nil)},
}

func init() {
	Analyzer.Flags.Var(&childFlag, "child", "comma-separated functions to treat as fork-child contexts (pkg/path.Func or pkg/path.Type.Method)")
}

// childFlag holds the -child flag. It is the analyzer's only package-level
// state and is set once, before any package is analysed.
var childFlag funcList

type funcList []string

func (l *funcList) String() string { return strings.Join(*l, ",") }
func (l *funcList) Set(s string) error {
	*l = nil
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, ".") {
			return fmt.Errorf("-child %q: want pkg/path.Func or pkg/path.Type.Method", f)
		}
		*l = append(*l, f)
	}
	return nil
}

// Func is an object fact on a function or method of the analysed package.
// It is exported only when some field is set.
type Func struct {
	Norace   bool   // has //go:norace
	Nosplit  bool   // has //go:nosplit
	NoBody   bool   // declared without a body (assembly, or linknamed)
	AsmSplit bool   // NoBody and its assembly TEXT lacks NOSPLIT (false if no TEXT was found)
	AsmFound bool   // NoBody and a TEXT for it was found in the package's .s files
	Linkname string // target of //go:linkname on this function, if any
	// Linknamed is set for either form of //go:linkname naming the
	// function, including the one-argument "may be pulled" form.
	Linknamed bool
	Noescape  bool // has //go:noescape
	// Child is set if the function is itself a fork-child context (named,
	// //forkcheck:child or -child); ChildKind says which.
	Child     bool
	ChildKind string
	// NoInstrument is set if the function must not be race-instrumented:
	// it is //go:norace, a child context, or reachable from one.
	NoInstrument bool
	// Why explains NoInstrument in a phrase ("//go:norace", "fork-child
	// context (//forkcheck:child)", "reached from child context pkg.F").
	Why string
}

func (*Func) AFact() {}

func (f *Func) String() string {
	var parts []string
	add := func(b bool, s string) {
		if b {
			parts = append(parts, s)
		}
	}
	add(f.Norace, "norace")
	add(f.Nosplit, "nosplit")
	add(f.NoBody, "nobody")
	add(f.AsmFound && !f.AsmSplit, "asm-nosplit")
	add(f.AsmFound && f.AsmSplit, "asm-split")
	add(f.Noescape, "noescape")
	if f.Linkname != "" {
		parts = append(parts, "linkname="+f.Linkname)
	}
	if f.Child {
		parts = append(parts, "child("+f.ChildKind+")")
	}
	if f.NoInstrument {
		parts = append(parts, "noinstrument("+f.Why+")")
	}
	return "func:" + strings.Join(parts, ",")
}

// Package is a package fact. Linknames lists the functions this package
// provides to others by a "push" //go:linkname (local name, importpath.name),
// with the directives of the implementation; Reaches lists the functions of
// other packages that this package's child contexts call, which therefore
// must not be instrumented either. Both are sorted, so the fact's encoding is
// deterministic.
type Package struct {
	Linknames []Linkname
	Reaches   []string
}

// Linkname is one push linkname: Target is "importpath.name".
type Linkname struct {
	Target string
	Impl   Func
}

func (*Package) AFact() {}

func (p *Package) String() string {
	var parts []string
	for _, l := range p.Linknames {
		parts = append(parts, l.Target+"="+l.Impl.String())
	}
	if len(p.Reaches) > 0 {
		parts = append(parts, "reaches="+strings.Join(p.Reaches, ";"))
	}
	return "pkg:" + strings.Join(parts, " ")
}

// LookupLinkname finds the implementation of a body-less function declared
// in one package and provided by another through a push //go:linkname,
// searching the package facts of all dependencies. It is how forksafe judges
// std's runtime_AfterForkInChild by the runtime's own directives. (Facts
// belong to the analyzer that exported them, so dependent analyzers read
// norace's facts through its Result.)
func (r *Result) LookupLinkname(fn *types.Func) (Func, bool) {
	target := FuncName(fn)
	for _, pf := range r.pass.AllPackageFacts() {
		p, ok := pf.Fact.(*Package)
		if !ok {
			continue
		}
		i := sort.Search(len(p.Linknames), func(i int) bool { return p.Linknames[i].Target >= target })
		if i < len(p.Linknames) && p.Linknames[i].Target == target {
			return p.Linknames[i].Impl, true
		}
	}
	return Func{}, false
}

// FuncFact returns what norace knows of fn: for a function of this package
// its directives and whether it must not be instrumented, for one of a
// dependency the *Func fact that package exported. ok is false when there is
// nothing to know (no directives, body in Go, instrumentable).
func (r *Result) FuncFact(fn *types.Func) (f Func, ok bool) {
	fn = fn.Origin()
	if fn.Pkg() == r.pass.Pkg {
		if d := r.Directives[fn]; d != nil {
			f = *d
		}
		if why, skip := r.NoInstrument[fn]; skip {
			f.NoInstrument, f.Why = true, why
		}
		return f, f != (Func{})
	}
	var fact Func
	if r.pass.ImportObjectFact(fn, &fact) {
		return fact, true
	}
	return Func{}, false
}

// ChildKind names how a child context was recognised.
type ChildKind string

const (
	KindNamed      ChildKind = "std fork child"       // syscall.forkAndExecInChild{,1}
	KindAnnotated  ChildKind = "//forkcheck:child"    // marked by the user
	KindFlag       ChildKind = "-child flag"          // named on the command line
	KindRawFork    ChildKind = "child branch of fork" // region after a raw fork
	KindBeforeFork ChildKind = "before-fork window"   // after runtime_BeforeFork, before the fork
)

// Context is one fork-child context of the analysed package.
type Context struct {
	Kind ChildKind
	// Func is the declared function holding the context. Lit is set instead
	// of (or as well as) Func when the context is inside a function literal.
	Func *types.Func
	Decl *ast.FuncDecl
	Lit  *ast.FuncLit
	// Pos is where the context starts: the function name, or the fork call.
	Pos token.Pos
	// Whole is true if the entire function body is child code. Otherwise
	// Spans lists the source ranges of the child region.
	Whole bool
	Spans []Span
	// Forking is set on a whole-function context that itself forks (std's
	// forkAndExecInChild): its code before the fork runs in the parent, so
	// only its child branch and before-fork window (separate contexts) are
	// child code. It is still excluded from instrumentation as a whole.
	Forking bool
	// Trigger describes what made it a context ("syscall.RawSyscall(SYS_FORK)").
	Trigger string
	// For regions found in SSA (KindRawFork, KindBeforeFork): the function
	// holding the region, and its blocks (child branch) or instructions
	// (before-fork window), from the program Result.SSA returns.
	Fn     *ssa.Function
	Blocks []*ssa.BasicBlock
	Instrs []ssa.Instruction
}

// Span is a half-open source range [Pos, End).
type Span struct{ Pos, End token.Pos }

// Contains reports whether the span holds pos.
func (s Span) Contains(pos token.Pos) bool { return s.Pos <= pos && pos < s.End }

// Result is the norace analyzer's result: what instrument/ must leave alone
// in this package, and the child contexts forksafe checks.
type Result struct {
	// Contexts are the package's fork-child contexts, in source order.
	Contexts []*Context
	// NoInstrument maps each function of this package that must not be
	// instrumented to the reason.
	NoInstrument map[*types.Func]string
	// NoInstrumentLits maps function literals that must not be
	// instrumented (closures reached from child code) to the reason.
	NoInstrumentLits map[*ast.FuncLit]string
	// Reaches are functions of other packages reached from child contexts.
	Reaches []*types.Func
	// Directives holds the parsed directives of each function declared
	// in the package.
	Directives map[*types.Func]*Func

	ssa  *ssaState
	pass *analysis.Pass
	// forkScan is set when the package may fork (mayFork) and its
	// functions were searched for fork calls.
	forkScan bool
}

// SkipFunc reports whether a declared function must not be instrumented.
func (r *Result) SkipFunc(fn *types.Func) bool {
	_, ok := r.NoInstrument[fn]
	return ok
}

// SkipLit reports whether a function literal must not be instrumented.
func (r *Result) SkipLit(lit *ast.FuncLit) bool {
	_, ok := r.NoInstrumentLits[lit]
	return ok
}

// InChild reports whether pos lies in a child region (or before-fork
// window) that is part of an otherwise instrumentable function.
func (r *Result) InChild(pos token.Pos) bool {
	for _, c := range r.Contexts {
		for _, s := range c.Spans {
			if s.Contains(pos) {
				return true
			}
		}
	}
	return false
}

// FuncName is the name used in facts, flags and messages: "pkg/path.Func"
// or "pkg/path.Type.Method".
func FuncName(fn *types.Func) string {
	if fn.Pkg() == nil {
		return fn.Name()
	}
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			return fn.Pkg().Path() + "." + n.Obj().Name() + "." + fn.Name()
		}
	}
	return fn.Pkg().Path() + "." + fn.Name()
}

// ShortName is the name used in messages, as go vet spells callees:
// package name rather than path ("byteorder.LEUint16", "exec.Cmd.Start").
func ShortName(fn *types.Func) string {
	if fn.Pkg() == nil {
		return fn.Name()
	}
	full, path := FuncName(fn), fn.Pkg().Path()
	return fn.Pkg().Name() + strings.TrimPrefix(full, path)
}

func run(pass *analysis.Pass) (any, error) {
	res := &Result{
		NoInstrument:     make(map[*types.Func]string),
		NoInstrumentLits: make(map[*ast.FuncLit]string),
		Directives:       make(map[*types.Func]*Func),
		pass:             pass,
	}
	d := scanDirectives(pass, res)
	findContexts(pass, res, d)
	computeReach(pass, res, d)
	exportFacts(pass, res, d)
	return res, nil
}
