package norace

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// The recognizers: every rule that makes code a fork-child context, in one
// place, each with the reason beside it.
var (
	// namedChildren are functions that are child code by name.
	namedChildren = []struct{ pkg, name, why string }{
		// The compiler excludes these from race instrumentation (historically
		// isforkfunc in racewalk.c; today //go:norace on them), and the
		// runtime arms stackFork for their duration.
		{"syscall", "forkAndExecInChild", "the compiler's special case: std's child between fork and exec"},
		{"syscall", "forkAndExecInChild1", "the compiler's special case: std's child between fork and exec (Linux)"},
	}

	// rawCallPkgs and rawCallFuncs are the calls that take a trap number as
	// their first argument and return the kernel's result first.
	rawCallPkgs  = []string{"syscall", "golang.org/x/sys/unix"}
	rawCallFuncs = []string{"RawSyscall", "RawSyscall6", "RawSyscallNoError", "Syscall", "Syscall6", "SyscallNoError", "rawVforkSyscall", "rawSyscallNoError"}

	// forkTraps are the trap numbers that create a child which returns 0.
	forkTraps = []string{
		"SYS_FORK",    // BSDs, Linux on some arches
		"SYS_VFORK",   // shares the parent's memory until exec
		"SYS_CLONE",   // Linux
		"SYS_CLONE3",  // Linux 5.3+ (golang.org/x/sys/unix)
		"_SYS_clone3", // Linux, syscall's private name
		"SYS_RFORK",   // Plan 9; std always passes RFPROC
	}

	// forkFuncs fork when called and return 0 in the child, like a raw
	// fork: Solaris' and AIX's libc forkx, reached through linkname.
	forkFuncs = []struct{ pkg, name string }{
		{"syscall", "forkx"},
	}
	// forkTrampolines are libc fork entry points passed by address to
	// syscall's rawSyscall on Darwin and OpenBSD
	// (rawSyscall(abi.FuncPCABI0(libc_fork_trampoline), 0, 0, 0)).
	forkTrampolines = []string{"libc_fork_trampoline", "libc_vfork_trampoline"}

	// beforeForkCalls open the window in which std says "no more
	// allocation": runtime_BeforeFork blocks signals and arms stackFork, so
	// any stack-check prologue until the fork throws. Identified by the
	// linkname target the runtime provides, or by name in package syscall.
	beforeForkTargets = []string{"syscall.runtime_BeforeFork", "runtime.syscall_runtime_BeforeFork"}
	// afterForkTargets close the window in the parent.
	afterForkTargets = []string{"syscall.runtime_AfterFork", "runtime.syscall_runtime_AfterFork"}
	// sigBlockTraps block signals before a fork, the hand-rolled
	// equivalent of runtime_BeforeFork.
	sigBlockTraps = []string{"SYS_RT_SIGPROCMASK", "SYS_SIGPROCMASK"}
)

// isNamedChild reports whether fn is one of namedChildren.
func isNamedChild(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return false
	}
	for _, n := range namedChildren {
		if fn.Pkg().Path() == n.pkg && fn.Name() == n.name {
			return true
		}
	}
	return false
}

func inFlag(fn *types.Func) bool {
	name := FuncName(fn)
	for _, f := range childFlag {
		if f == name {
			return true
		}
	}
	return false
}

// findContexts records the package's fork-child contexts in res.
func findContexts(pass *analysis.Pass, res *Result, s *scanned) {
	for obj, fd := range s.decls {
		kind, trigger := ChildKind(""), ""
		switch {
		case isNamedChild(obj):
			kind, trigger = KindNamed, FuncName(obj)
		case s.annotated[obj] != nil:
			kind, trigger = KindAnnotated, FuncName(obj)
		case inFlag(obj):
			kind, trigger = KindFlag, FuncName(obj)
		}
		if kind != "" {
			res.Contexts = append(res.Contexts, &Context{Kind: kind, Func: obj, Decl: fd, Pos: fd.Name.Pos(), Whole: true, Trigger: trigger})
		}
	}
	for obj, c := range s.annotated {
		if s.decls[obj].Body == nil {
			pass.Report(analysis.Diagnostic{Pos: c.Pos(), End: c.End(), Category: "directive",
				Message: fmt.Sprintf("//forkcheck:child on %s, which has no Go body, has no effect", obj.Name())})
		}
	}
	findRawForks(pass, res, s)
	sort.Slice(res.Contexts, func(i, j int) bool { return res.Contexts[i].Pos < res.Contexts[j].Pos })
}

// trapValues maps the constant values of fork and signal-block trap names,
// as the package sees them for its GOOS/GOARCH, to the names.
type trapValues struct {
	fork, sigblock map[int64]string
}

func lookupTraps(pkg *types.Package) trapValues {
	tv := trapValues{fork: map[int64]string{}, sigblock: map[int64]string{}}
	scopes := []*types.Package{pkg}
	scopes = append(scopes, pkg.Imports()...)
	for _, p := range scopes {
		if !isRawCallPkg(p.Path()) {
			continue
		}
		add := func(names []string, into map[int64]string) {
			for _, n := range names {
				if c, ok := p.Scope().Lookup(n).(*types.Const); ok {
					if v, ok := constant.Int64Val(constant.ToInt(c.Val())); ok {
						into[v] = n
					}
				}
			}
		}
		add(forkTraps, tv.fork)
		add(sigBlockTraps, tv.sigblock)
	}
	return tv
}

func isRawCallPkg(path string) bool {
	for _, p := range rawCallPkgs {
		if p == path {
			return true
		}
	}
	return false
}

func isRawCallFunc(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil || !isRawCallPkg(fn.Pkg().Path()) || fn.Signature().Recv() != nil {
		return false
	}
	for _, n := range rawCallFuncs {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

func hasTarget(fn *types.Func, linkname string, targets []string) bool {
	for _, t := range targets {
		// Compare the name before building FuncName: this runs for every
		// call of a package that may fork.
		if linkname == t || strings.HasSuffix(t, "."+fn.Name()) && FuncName(fn) == t {
			return true
		}
	}
	return false
}

// mayFork reports whether any declaration of the package can fork or open
// a before-fork window by the recognizers above, that is, whether
// forkCallers has anything to find. Each recognizer names what a package
// must see to use it:
//
//   - rawCallFuncs and forkFuncs are functions of rawCallPkgs and of
//     forkFuncs' packages: the package is one of them, or imports one whose
//     function it can name (an exported one). A local body-less declaration
//     linknamed to one of them is not recognised as one (isRawCallFunc and
//     isForkFunc match the callee's package), so it needs no case here.
//   - beforeForkTargets are functions of their packages, or a local
//     declaration whose //go:linkname names one of them.
//   - forkTrampolines are assembly functions passed by address: lower-case,
//     so declared in the package itself.
//   - a call of a whole-function context that forks needs a fork above.
//
// A package for which mayFork is false has no raw-fork or before-fork
// context, and its SSA is not built for them.
func mayFork(pkg *types.Package, res *Result) bool {
	imports := make(map[string]bool, len(pkg.Imports()))
	for _, p := range pkg.Imports() {
		imports[p.Path()] = true
	}
	sees := func(path, name string) bool {
		return pkg.Path() == path || token.IsExported(name) && imports[path]
	}
	for _, p := range rawCallPkgs {
		for _, n := range rawCallFuncs {
			if sees(p, n) {
				return true
			}
		}
	}
	for _, f := range forkFuncs {
		if sees(f.pkg, f.name) {
			return true
		}
	}
	for _, t := range beforeForkTargets {
		i := strings.LastIndexByte(t, '.')
		if sees(t[:i], t[i+1:]) {
			return true
		}
	}
	for obj, d := range res.Directives {
		if d.Linkname != "" && hasTarget(obj, d.Linkname, beforeForkTargets) {
			return true
		}
	}
	for _, t := range forkTrampolines {
		if pkg.Scope().Lookup(t) != nil {
			return true
		}
	}
	return false
}

// astForkCall reports whether call forks: a raw call with a fork trap,
// a fork function, or a libc fork trampoline passed by address.
func astForkCall(info *types.Info, call *ast.CallExpr, fn *types.Func, tv trapValues) bool {
	if fn == nil {
		return false
	}
	if isForkFunc(fn) {
		return true
	}
	if len(call.Args) == 0 {
		return false
	}
	if isRawCallFunc(fn) {
		if v, ok := constInt(info, call.Args[0]); ok {
			_, ok := tv.fork[v]
			return ok
		}
	}
	found := false
	ast.Inspect(call.Args[0], func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && isTrampolineName(id.Name) {
			found = true
		}
		return !found
	})
	return found
}

func isForkFunc(fn *types.Func) bool {
	if fn.Pkg() == nil {
		return false
	}
	for _, f := range forkFuncs {
		if fn.Pkg().Path() == f.pkg && fn.Name() == f.name {
			return true
		}
	}
	return false
}

func isTrampolineName(name string) bool {
	for _, t := range forkTrampolines {
		if name == t {
			return true
		}
	}
	return false
}

// forkCallers is the AST pass, run only in packages that mayFork, that
// decides whether a package needs SSA for forks at all: it returns the declarations that fork (directly, or by calling
// a whole-function context that forks) and those that open a before-fork
// window.
func forkCallers(pass *analysis.Pass, res *Result, s *scanned, tv trapValues) (forks, windows map[*ast.FuncDecl]bool) {
	forks = make(map[*ast.FuncDecl]bool)
	windows = make(map[*ast.FuncDecl]bool)
	calls := make(map[*ast.FuncDecl][]*types.Func)
	for _, fd := range s.decls {
		if fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := calleeFunc(pass.TypesInfo, call)
			if astForkCall(pass.TypesInfo, call, fn, tv) {
				forks[fd] = true
			}
			if fn != nil {
				if d := res.Directives[fn]; d != nil && hasTarget(fn, d.Linkname, beforeForkTargets) || hasTarget(fn, "", beforeForkTargets) {
					windows[fd] = true
				}
				// Only calls of whole-function contexts of this package
				// can carry a fork to the caller (the loop below).
				if s.decls[fn] != nil && isWholeChild(res, fn) {
					calls[fd] = append(calls[fd], fn)
				}
			}
			return true
		})
	}
	// A call of a context function that forks forks too (Linux's
	// forkAndExecInChild calls forkAndExecInChild1).
	for changed := true; changed; {
		changed = false
		for fd, callees := range calls {
			if forks[fd] {
				continue
			}
			for _, fn := range callees {
				if cd := s.decls[fn]; cd != nil && forks[cd] && isWholeChild(res, fn) {
					forks[fd], changed = true, true
					break
				}
			}
		}
	}
	return forks, windows
}

func calleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fun := ast.Unparen(call.Fun)
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

func constInt(info *types.Info, e ast.Expr) (int64, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil {
		return 0, false
	}
	return constant.Int64Val(constant.ToInt(tv.Value))
}

// ssaState builds the package's SSA once, on demand: most packages have no
// raw fork and never pay for it.
type ssaState struct {
	once sync.Once
	pkg  *ssa.Package
	pass *analysis.Pass
}

func (s *ssaState) build() *ssa.Package {
	s.once.Do(func() {
		prog := ssa.NewProgram(s.pass.Fset, ssa.InstantiateGenerics)
		// go/ssa needs a Package for every package whose functions or
		// methods the code may reference, indirect imports included.
		seen := make(map[*types.Package]bool)
		var create func([]*types.Package)
		create = func(pkgs []*types.Package) {
			for _, p := range pkgs {
				if !seen[p] {
					seen[p] = true
					prog.CreatePackage(p, nil, nil, true)
					create(p.Imports())
				}
			}
		}
		create(s.pass.Pkg.Imports())
		s.pkg = prog.CreatePackage(s.pass.Pkg, s.pass.Files, s.pass.TypesInfo, false)
		s.pkg.Build()
	})
	return s.pkg
}

// SSA returns the SSA form of the analysed package, building it the first
// time it is asked for. It returns nil if the package has type errors.
// forksafe and instrument share this program with norace.
func (r *Result) SSA() *ssa.Package {
	if r.ssa == nil || r.ssa.pass.TypeErrors != nil {
		return nil
	}
	return r.ssa.build()
}

// findRawForks finds child branches after raw forks and before-fork
// windows, and marks whole-function contexts that fork inside as Forking.
func findRawForks(pass *analysis.Pass, res *Result, s *scanned) {
	res.ssa = &ssaState{pass: pass}
	if !mayFork(pass.Pkg, res) {
		return
	}
	res.forkScan = true
	tv := lookupTraps(pass.Pkg)
	forks, windows := forkCallers(pass, res, s, tv)
	for _, c := range res.Contexts {
		if c.Whole && forks[c.Decl] {
			c.Forking = true
		}
	}
	if len(forks) == 0 && len(windows) == 0 {
		return
	}
	pkg := res.SSA()
	if pkg == nil {
		return
	}
	var funcs []*ssa.Function
	for obj, fd := range s.decls {
		if fd.Body == nil || !forks[fd] && !windows[fd] {
			continue
		}
		if fn := pkg.Prog.FuncValue(obj); fn != nil {
			funcs = append(funcs, fn)
		}
	}
	sort.Slice(funcs, func(i, j int) bool { return funcs[i].Pos() < funcs[j].Pos() })
	for len(funcs) > 0 {
		fn := funcs[len(funcs)-1]
		funcs = funcs[:len(funcs)-1]
		funcs = append(funcs, fn.AnonFuncs...)
		forkRegions(pass, res, s, fn, tv)
	}
}

// forkRegions adds a context for each raw fork call in fn whose child
// branch it can identify, and for each before-fork window.
func forkRegions(pass *analysis.Pass, res *Result, s *scanned, fn *ssa.Function, tv trapValues) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			callee := call.Call.StaticCallee()
			if callee == nil {
				continue
			}
			obj, _ := callee.Object().(*types.Func)
			if obj != nil && isWholeChild(res, obj) {
				if w := beforeForkWindow(res, s, fn, call, tv); w != nil {
					res.Contexts = append(res.Contexts, w)
				}
				continue
			}
			trigger := ssaForkCall(obj, call, tv)
			if trigger == "" {
				continue
			}
			blocks := childBlocks(fn, call)
			if len(blocks) == 0 {
				continue
			}
			ctx := &Context{
				Kind:    KindRawFork,
				Pos:     call.Pos(),
				Blocks:  blocks,
				Fn:      fn,
				Spans:   regionSpans(fn, blockInstrs(blocks)),
				Trigger: trigger,
			}
			setOwner(ctx, fn)
			res.Contexts = append(res.Contexts, ctx)
			if w := beforeForkWindow(res, s, fn, call, tv); w != nil {
				res.Contexts = append(res.Contexts, w)
			}
		}
	}
}

// ssaForkCall describes call if it forks ("syscall.RawSyscall(SYS_FORK)"),
// or returns "".
func ssaForkCall(obj *types.Func, call *ssa.Call, tv trapValues) string {
	if obj == nil {
		return ""
	}
	name := obj.Pkg().Name() + "." + obj.Name()
	if isForkFunc(obj) {
		return name
	}
	if len(call.Call.Args) == 0 {
		return ""
	}
	arg := call.Call.Args[0]
	if c, ok := arg.(*ssa.Const); ok && c.Value != nil && isRawCallFunc(obj) {
		v, _ := constant.Int64Val(constant.ToInt(c.Value))
		if trap, ok := tv.fork[v]; ok {
			return name + "(" + trap + ")"
		}
		return ""
	}
	// rawSyscall(abi.FuncPCABI0(libc_fork_trampoline), ...)
	if pc, ok := arg.(*ssa.Call); ok && len(pc.Call.Args) == 1 {
		x := pc.Call.Args[0]
		if mi, ok := x.(*ssa.MakeInterface); ok {
			x = mi.X
		}
		if f, ok := x.(*ssa.Function); ok && isTrampolineName(f.Name()) {
			return name + "(" + f.Name() + ")"
		}
	}
	return ""
}

// isWholeChild reports whether calling fn is forking: fn is a whole-function
// child context of this package, or one of namedChildren.
func isWholeChild(res *Result, fn *types.Func) bool {
	if isNamedChild(fn) {
		return true
	}
	for _, c := range res.Contexts {
		if c.Whole && c.Func == fn {
			return true
		}
	}
	return false
}

func setOwner(ctx *Context, fn *ssa.Function) {
	for f := fn; f != nil; f = f.Parent() {
		if lit, ok := f.Syntax().(*ast.FuncLit); ok && ctx.Lit == nil {
			ctx.Lit = lit
		}
		if obj, ok := f.Object().(*types.Func); ok && f.Parent() == nil {
			ctx.Func = obj
			if fd, ok := f.Syntax().(*ast.FuncDecl); ok {
				ctx.Decl = fd
			}
		}
	}
}

// pidValues returns the SSA values that carry the fork's "result is zero in
// the child" value: the first result, its conversions, and phis that merge
// it (std forks in two branches, clone3 and clone).
func pidValues(call *ssa.Call) map[ssa.Value]bool {
	vals := make(map[ssa.Value]bool)
	var work []ssa.Value
	if _, ok := call.Type().(*types.Tuple); ok {
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == 0 {
				work = append(work, ex)
			}
		}
	} else {
		work = append(work, call)
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if vals[v] {
			continue
		}
		vals[v] = true
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.Convert:
				work = append(work, r)
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Phi:
				work = append(work, r)
			}
		}
	}
	return vals
}

func isZero(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil {
		return false
	}
	return constant.Sign(c.Value) == 0
}

// childBlocks returns the blocks that run only in the child: those
// dominated by the successor of an "if pid == 0" (true edge) or
// "if pid != 0" (false edge) branch.
func childBlocks(fn *ssa.Function, call *ssa.Call) []*ssa.BasicBlock {
	pids := pidValues(call)
	var out []*ssa.BasicBlock
	seen := make(map[*ssa.BasicBlock]bool)
	for v := range pids {
		for _, r := range *v.Referrers() {
			bin, ok := r.(*ssa.BinOp)
			if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
				continue
			}
			if !(pids[bin.X] && isZero(bin.Y) || pids[bin.Y] && isZero(bin.X)) {
				continue
			}
			for _, br := range *bin.Referrers() {
				iff, ok := br.(*ssa.If)
				if !ok {
					continue
				}
				succ := iff.Block().Succs[0]
				if bin.Op == token.NEQ {
					succ = iff.Block().Succs[1]
				}
				// The edge dominates succ only if no other path enters it
				// (back edges from inside the region aside).
				entered := false
				for _, p := range succ.Preds {
					if p != iff.Block() && !succ.Dominates(p) {
						entered = true
					}
				}
				if entered {
					continue
				}
				for _, b := range fn.Blocks {
					if succ.Dominates(b) && !seen[b] {
						seen[b] = true
						out = append(out, b)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// regionSpans turns the instructions of a region into source spans: the
// innermost statement around each positioned instruction, so a consumer
// that works on syntax (instrument/) covers the whole statement, callee
// names and operands included, not just the instruction's own token.
func regionSpans(fn *ssa.Function, instrs []ssa.Instruction) []Span {
	owner := fn.Syntax()
	if owner == nil {
		return nil
	}
	var spans []Span
	for _, instr := range instrs {
		p := instr.Pos()
		if !p.IsValid() {
			continue
		}
		var inner ast.Node
		ast.Inspect(owner, func(n ast.Node) bool {
			if n == nil || n.Pos() > p || p >= n.End() {
				return false
			}
			if _, ok := n.(ast.Stmt); ok {
				if _, block := n.(*ast.BlockStmt); !block {
					inner = n
				}
			}
			// Do not descend into nested literals: their statements belong
			// to another function.
			if lit, ok := n.(*ast.FuncLit); ok && lit != owner {
				return false
			}
			return true
		})
		if inner == nil {
			spans = append(spans, Span{p, p + 1})
		} else {
			spans = append(spans, Span{inner.Pos(), inner.End()})
		}
	}
	// Statements with no instruction of their own (a declaration of a
	// closure that captures nothing) lie between region statements: join
	// neighbouring spans unless an instruction outside the region is
	// between them.
	in := make(map[ssa.Instruction]bool, len(instrs))
	for _, instr := range instrs {
		in[instr] = true
	}
	var outside []token.Pos
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if p := instr.Pos(); p.IsValid() && !in[instr] {
				outside = append(outside, p)
			}
		}
	}
	sort.Slice(outside, func(i, j int) bool { return outside[i] < outside[j] })
	sort.Slice(spans, func(i, j int) bool { return spans[i].Pos < spans[j].Pos })
	var merged []Span
	for _, s := range spans {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			i := sort.Search(len(outside), func(i int) bool { return outside[i] >= last.End })
			if s.Pos <= last.End || i == len(outside) || outside[i] >= s.Pos {
				last.End = max(last.End, s.End)
				continue
			}
		}
		merged = append(merged, s)
	}
	return merged
}

func blockInstrs(blocks []*ssa.BasicBlock) []ssa.Instruction {
	var out []ssa.Instruction
	for _, b := range blocks {
		out = append(out, b.Instrs...)
	}
	return out
}

// beforeForkWindow finds a before-fork call in the blocks that lead to the
// fork call and returns the window between them as a context.
func beforeForkWindow(res *Result, s *scanned, fn *ssa.Function, fork *ssa.Call, tv trapValues) *Context {
	// Walk back from the fork within its block and up its dominator chain.
	var window []ssa.Instruction
	var opener *ssa.Call
	for b, idx := fork.Block(), indexOf(fork); b != nil && opener == nil; b = b.Idom() {
		if idx < 0 {
			idx = len(b.Instrs)
		}
		for i := idx - 1; i >= 0; i-- {
			instr := b.Instrs[i]
			if c, ok := instr.(*ssa.Call); ok {
				if isBeforeFork(res, s, c, tv) {
					opener = c
					break
				}
				if isAfterFork(res, c) {
					return nil
				}
			}
			window = append(window, instr)
		}
		idx = -1
	}
	if opener == nil || len(window) == 0 {
		return nil
	}
	spans := regionSpans(fn, window)
	if len(spans) == 0 {
		return nil
	}
	ctx := &Context{
		Kind:    KindBeforeFork,
		Pos:     opener.Pos(),
		Fn:      fn,
		Instrs:  window,
		Spans:   spans,
		Trigger: calleeName(opener),
	}
	setOwner(ctx, fn)
	return ctx
}

func indexOf(instr ssa.Instruction) int {
	for i, x := range instr.Block().Instrs {
		if x == instr {
			return i
		}
	}
	return -1
}

func calleeName(c *ssa.Call) string {
	if f := c.Call.StaticCallee(); f != nil {
		if obj, ok := f.Object().(*types.Func); ok {
			return FuncName(obj)
		}
		return f.String()
	}
	return c.Call.String()
}

func isBeforeFork(res *Result, s *scanned, c *ssa.Call, tv trapValues) bool {
	f := c.Call.StaticCallee()
	if f == nil {
		return false
	}
	obj, _ := f.Object().(*types.Func)
	if obj == nil {
		return false
	}
	if d := res.Directives[obj]; d != nil && hasTarget(obj, d.Linkname, beforeForkTargets) || hasTarget(obj, "", beforeForkTargets) {
		return true
	}
	if isRawCallFunc(obj) && len(c.Call.Args) > 0 {
		if k, ok := c.Call.Args[0].(*ssa.Const); ok && k.Value != nil {
			v, _ := constant.Int64Val(constant.ToInt(k.Value))
			_, ok := tv.sigblock[v]
			return ok
		}
	}
	// x/sys/unix's wrappers for blocking signals.
	if obj.Pkg() != nil && obj.Pkg().Path() == "golang.org/x/sys/unix" && (obj.Name() == "PthreadSigmask" || obj.Name() == "Sigprocmask") {
		return true
	}
	return false
}

func isAfterFork(res *Result, c *ssa.Call) bool {
	f := c.Call.StaticCallee()
	if f == nil {
		return false
	}
	obj, _ := f.Object().(*types.Func)
	if obj == nil {
		return false
	}
	d := res.Directives[obj]
	return d != nil && hasTarget(obj, d.Linkname, afterForkTargets) || hasTarget(obj, "", afterForkTargets)
}

// describe is used in messages: "child branch of fork at exec.go:12".
func (c *Context) describe(fset *token.FileSet) string {
	p := fset.Position(c.Pos)
	return fmt.Sprintf("%s (%s at %s:%d)", c.Kind, c.Trigger, shortFile(p.Filename), p.Line)
}

func shortFile(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}
