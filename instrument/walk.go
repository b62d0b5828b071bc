package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/raceinst/raceinst/passes/norace"
)

// A hook is one rt call placed before a statement, at the start of a block,
// or in a hooks closure.
type hook struct {
	text string
	// key identifies the access for redundancy elimination ("" for sync
	// hooks, which are never dropped); write says it is a write.
	key   string
	write bool
	// idents are the identifiers text mentions: they must resolve to the
	// same objects where the hook is placed.
	idents []*ast.Ident
	// universe are predeclared names text uses (a guard's len, nil):
	// they must not be shadowed where the hook is placed.
	universe []string
	pos      token.Pos
	// name is the variable an allocation hook is about.
	name string
}

// A sink collects the hooks of the code evaluated at one point.
type sink struct{ hooks []hook }

func (s *sink) add(h hook) { s.hooks = append(s.hooks, h) }

// funcWalker instruments one function body (declared or literal).
type funcWalker struct {
	fs   *fileState
	info *types.Info
	// isMain is set for the body of package main's main (not its closures):
	// its returns mark a normal exit.
	isMain bool
	// noRewrite lists receives that must stay as they are (select cases);
	// recv2 the comma-ok receives.
	noRewrite map[*ast.UnaryExpr]bool
	recv2     map[*ast.UnaryExpr]bool
	// results are the function's named results: a bare return reads them.
	results *ast.FieldList
	// ctor is the &T{...} or new(T) that a constructor, a declared
	// function whose body is just `return &T{...}`, returns (see newExpr).
	ctor ast.Expr
}

// syncOnly reports that only synchronisation is rewritten
// (Options.SyncOnly): access, allocation, reflect and I/O hooks are not
// made.
func (w *funcWalker) syncOnly() bool { return w.fs.p.opts.SyncOnly }

func (fs *fileState) newWalker() *funcWalker {
	return &funcWalker{
		fs:        fs,
		info:      fs.p.in.Info,
		noRewrite: map[*ast.UnaryExpr]bool{},
		recv2:     map[*ast.UnaryExpr]bool{},
	}
}

// funcDecl instruments a declared function unless norace or Input.Skip
// says it must not be, or it is //go:nosplit (a hook would overflow its
// stack budget).
func (fs *fileState) funcDecl(fd *ast.FuncDecl) {
	p := fs.p
	obj, _ := p.in.Info.Defs[fd.Name].(*types.Func)
	if obj == nil || p.nr.SkipFunc(obj) || p.in.Skip[norace.FuncName(obj)] || p.nr.InChild(fd.Body.Pos()) {
		return
	}
	if d := p.nr.Directives[obj]; d != nil && d.Nosplit {
		p.warn(fd.Pos(), "function "+fd.Name.Name+" not instrumented: //go:nosplit")
		return
	}
	w := fs.newWalker()
	w.ctor = ctorResult(fd.Body)
	var prologue []string
	if p.opts.Tests && fs.isTest && fd.Recv == nil && isTestFunc(fd, obj) {
		params := fd.Type.Params.List
		if len(params[0].Names) == 0 || params[0].Names[0].Name == "_" {
			p.warn(fd.Pos(), "test "+fd.Name.Name+" has no named *testing.T parameter: TestBegin/TestEnd not called")
		} else {
			t := params[0].Names[0].Name
			// t's key + 1 is released when the test's function returns:
			// its parallel subtests' t.Parallel acquires it (testing.go).
			fs.usesUnsafe = true
			prologue = append(prologue, "__rt.TestBegin("+t+"); defer __rt.TestEnd("+t+"); defer __rt.ReleaseMerge(uintptr(__unsafe.Pointer("+t+")) + 1)")
		}
	}
	if isHTTPHandler(obj.Signature()) && !p.opts.SyncOnly {
		prologue = append(prologue, httpHandlerPrologue)
	}
	if p.in.Pkg.Name() == "main" && fd.Recv == nil && fd.Name.Name == "main" {
		// rt.Exit(0) where main returns normally; a panic keeps its exit.
		w.isMain = true
		// A helper, not a closure: main's own closures keep their names
		// (main.main.func1, ...), which programs see in their stacks.
		w.useHelper("__rt_mainExit", mainExitHelper)
		prologue = append(prologue, "__rtMainOK := false; defer __rt_mainExit(&__rtMainOK)")
		if len(fd.Body.List) == 0 {
			// func main() {}: the end is where the prologue goes.
			prologue = append(prologue, "__rtMainOK = true")
		} else {
			fs.buf.insert(fs.off(fd.Body.Rbrace), prioStmt, "; __rtMainOK = true; ")
		}
	}
	// Heap parameters and results are allocated at entry.
	prologue = append(prologue, w.fieldAllocs(fd.Recv, fd.Type.Params, fd.Type.Results)...)
	w.results = fd.Type.Results
	fs.prologue(fd.Body, nil, prologue, func() { w.block(fd.Body) })
}

const mainExitHelper = `func __rt_mainExit(ok *bool) {
	if *ok {
		__rt.Exit(0)
	}
}
`

// prologue walks a function body (walk) and puts first in it the texts of
// lead, FuncEnter/FuncExit if Options.FuncHooks asks for them and the body
// is not a leaf, and rest. A leaf makes no call and got no hook: no access
// can be reported while its frame is on the stack, so the frame is not
// needed, as the compiler drops racefuncenter/racefuncexit from such
// functions under -race (ssa's needRaceCleanup). Without them the function
// stays inlinable (no defer): package-level variables initialised by a call
// of it are still initialised statically, and empty init functions are
// still dropped (test/noinit.go).
func (fs *fileState) prologue(body *ast.BlockStmt, lead, rest []string, walk func()) {
	// The prologue's place is taken before the walk: hooks of the first
	// statement inserted at the same offset must come after it.
	at := len(fs.buf.edits)
	fs.buf.insert(fs.off(body.Lbrace)+1, prioStmt, "")
	walk()
	texts := append([]string(nil), lead...)
	if fs.p.opts.FuncHooks && !fs.leaf(body, at+1) {
		texts = append(texts, "__rt.FuncEnter(0); defer __rt.FuncExit()")
	}
	texts = append(texts, rest...)
	if len(texts) == 0 {
		fs.buf.edits = append(fs.buf.edits[:at], fs.buf.edits[at+1:]...)
		return
	}
	fs.usesRT = true
	fs.buf.edits[at].text = " " + strings.Join(texts, "; ") + "; "
}

// leaf reports whether body, outside the function literals in it, makes
// no call (builtins and conversions aside; a range over a function calls
// it) and got none of the edits made since the from'th.
func (fs *fileState) leaf(body *ast.BlockStmt, from int) bool {
	info := fs.p.in.Info
	leaf := true
	var lits [][2]int
	ast.Inspect(body, func(n ast.Node) bool {
		if !leaf {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			lits = append(lits, [2]int{fs.off(n.Body.Lbrace), fs.off(n.Body.Rbrace)})
			return false
		case *ast.CallExpr:
			if tv, ok := info.Types[n.Fun]; !ok || !tv.IsType() && !tv.IsBuiltin() {
				leaf = false
			}
		case *ast.RangeStmt:
			if t := info.TypeOf(n.X); t == nil {
				leaf = false
			} else if _, ok := t.Underlying().(*types.Signature); ok {
				leaf = false
			}
		}
		return true
	})
	if !leaf {
		return false
	}
edits:
	for _, e := range fs.buf.edits[from:] {
		for _, l := range lits {
			if l[0] <= e.start && e.end <= l[1] {
				continue edits
			}
		}
		return false
	}
	return true
}

// isTestFunc reports whether fd is a TestXxx(t *testing.T), as go test
// recognises it.
func isTestFunc(fd *ast.FuncDecl, fn *types.Func) bool {
	name := fd.Name.Name
	if !strings.HasPrefix(name, "Test") || fd.Type.TypeParams != nil {
		return false
	}
	if len(name) > 4 {
		if c := name[4]; c >= 'a' && c <= 'z' {
			return false
		}
	}
	sig := fn.Signature()
	if sig.Params().Len() != 1 || sig.Results().Len() != 0 {
		return false
	}
	ptr, ok := sig.Params().At(0).Type().(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(ptr.Elem()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "testing" && n.Obj().Name() == "T"
}

// funcLit instruments a function literal's body with its own walker;
// extra is placed first in the body (a new goroutine's Started).
func (w *funcWalker) funcLit(lit *ast.FuncLit, extra string) {
	p := w.fs.p
	if p.nr.SkipLit(lit) || p.nr.InChild(lit.Pos()) {
		return
	}
	lw := w.fs.newWalker()
	var lead, rest []string
	if extra != "" {
		lead = append(lead, extra)
	}
	if sig, ok := w.info.TypeOf(lit).(*types.Signature); ok && isHTTPHandler(sig) && !w.syncOnly() {
		rest = append(rest, httpHandlerPrologue)
	}
	rest = append(rest, lw.fieldAllocs(lit.Type.Params, lit.Type.Results)...)
	lw.results = lit.Type.Results
	w.fs.prologue(lit.Body, lead, rest, func() { lw.block(lit.Body) })
}

func (w *funcWalker) block(b *ast.BlockStmt) {
	if b != nil {
		w.stmtList(b.List)
	}
}

// accessCache remembers the accesses already hooked in a statement list
// since the last statement that could synchronise or change an address.
type accessCache map[string]cacheEntry

type cacheEntry struct {
	write  bool
	idents map[string]bool
	shared bool // some identifier is a shared variable
}

func (w *funcWalker) stmtList(list []ast.Stmt) {
	cache := accessCache{}
	for _, s := range list {
		if w.fs.p.nr.InChild(s.Pos()) {
			clear(cache)
			continue
		}
		pre := &sink{}
		at := s.Pos()
		inner := s
		label := ""
		if ls, ok := s.(*ast.LabeledStmt); ok {
			inner, label = ls.Stmt, ls.Label.Name
			switch inner.(type) {
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				// break/continue need the label on the statement; a goto
				// to it skips the hooks (missed accesses only).
			default:
				at = inner.Pos()
			}
		}
		// The new heap variables it declares are allocated by the
		// statement: rt learns it right after.
		post := w.declAllocs(inner)
		if as, ok := inner.(*ast.AssignStmt); ok {
			w.assignSplit(as, pre, post)
		} else if ds, ok := inner.(*ast.DeclStmt); !ok || label != "" || !w.varGroup(ds, cache) {
			w.stmt(inner, pre, label)
		}
		w.placeBefore(at, pre, cache)
		w.placeAfter(inner, post)
		w.updateCache(inner, cache)
	}
}

// stmt walks one statement. pre collects the hooks that go before it.
func (w *funcWalker) stmt(s ast.Stmt, pre *sink, label string) {
	switch s := s.(type) {
	case *ast.ExprStmt:
		w.expr(s.X, pre)
	case *ast.AssignStmt:
		w.assign(s, pre)
	case *ast.IncDecStmt:
		w.target(s.X, pre, true)
	case *ast.SendStmt:
		w.expr(s.Chan, pre)
		w.expr(s.Value, pre)
		w.useHelper("__rt_chan_Send", chanHelpers["__rt_chan_Send"])
		if ct, ok := w.info.TypeOf(s.Chan).Underlying().(*types.Chan); ok && !types.Identical(w.info.TypeOf(s.Value), ct.Elem()) {
			// The value is only assignable to the element type (an
			// interface, nil, a constant): the helper's type argument
			// comes from the channel alone, the value is converted as the
			// send would.
			w.useHelper("__rt_chan_SendConv", chanHelpers["__rt_chan_SendConv"])
			w.fs.buf.insert(w.fs.off(s.Chan.Pos()), prioOpen, "__rt_chan_SendConv(")
			w.fs.buf.replace(w.fs.off(s.Arrow), w.fs.off(s.Arrow)+2, prioOpen, ").send(")
		} else {
			w.fs.buf.insert(w.fs.off(s.Chan.Pos()), prioOpen, "__rt_chan_Send(")
			w.fs.buf.replace(w.fs.off(s.Arrow), w.fs.off(s.Arrow)+2, prioOpen, ",")
		}
		w.fs.buf.insert(w.fs.off(s.Value.End()), prioClose, ")")
	case *ast.GoStmt:
		w.goStmt(s, pre)
	case *ast.DeferStmt:
		w.expr(s.Call, pre)
	case *ast.ReturnStmt:
		for _, r := range s.Results {
			w.expr(r, pre)
		}
		if len(s.Results) == 0 && w.results != nil {
			// A bare return reads the named results; one a closure
			// captured may be written by another goroutine meanwhile.
			for _, f := range w.results.List {
				for _, name := range f.Names {
					if v, ok := w.info.Defs[name].(*types.Var); ok && w.sharedVar(v) && !w.zeroSize(v.Type()) && !w.syncOnly() {
						w.fs.usesRT, w.fs.usesUnsafe = true, true
						pre.add(hook{text: "__rt.Read(uintptr(__unsafe.Pointer(&" + name.Name + ")))", key: "read:" + name.Name, pos: s.Pos()})
					}
				}
			}
		}
		if w.isMain {
			pre.add(hook{text: "__rtMainOK = true", pos: s.Pos()})
		}
	case *ast.BlockStmt:
		w.block(s)
	case *ast.IfStmt:
		w.ifStmt(s, pre)
	case *ast.ForStmt:
		w.forStmt(s, pre, label)
	case *ast.RangeStmt:
		w.rangeStmt(s, pre, label)
	case *ast.SwitchStmt:
		if s.Init != nil {
			w.stmt(s.Init, pre, "")
		}
		w.expr(s.Tag, pre)
		w.caseClauses(s.Body, w.initAllocs(s.Init), nil, s.Tag == nil)
	case *ast.TypeSwitchStmt:
		if s.Init != nil {
			w.stmt(s.Init, pre, "")
		}
		w.stmt(s.Assign, pre, "")
		v := typeSwitchVar(s)
		allocs := w.initAllocs(s.Init)
		if v != nil {
			// switch x := f(); x := x.(type): in the clauses, x is the
			// type switch's.
			allocs = slices.DeleteFunc(allocs, func(h hook) bool { return h.name == v.Name })
		}
		w.caseClauses(s.Body, allocs, v, false)
	case *ast.SelectStmt:
		w.selectStmt(s, pre, label)
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if len(vs.Names) == 2 && len(vs.Values) == 1 {
					w.markRecv2(vs.Values[0])
				}
				for _, v := range vs.Values {
					w.expr(v, pre)
				}
			}
		}
	case *ast.LabeledStmt:
		w.stmt(s.Stmt, pre, s.Label.Name)
	}
}

// varGroup walks a var declaration of several specs whose later specs
// have hooks, and reports whether it did: those hooks may name the
// variables the specs before declare, which are not in scope before the
// declaration, so the group becomes one declaration per spec, each with
// its hooks before it, as a group means:
//
//	var (          →   var ();
//		a = x              hooks of a; var a = x
//		b = a.f            hooks of b; var b = a.f
//	)
func (w *funcWalker) varGroup(ds *ast.DeclStmt, cache accessCache) bool {
	gd, ok := ds.Decl.(*ast.GenDecl)
	if !ok || gd.Tok != token.VAR || !gd.Lparen.IsValid() || len(gd.Specs) < 2 {
		return false
	}
	sinks := make([]*sink, len(gd.Specs))
	later := false
	for i, spec := range gd.Specs {
		vs := spec.(*ast.ValueSpec)
		sinks[i] = &sink{}
		if len(vs.Names) == 2 && len(vs.Values) == 1 {
			w.markRecv2(vs.Values[0])
		}
		for _, v := range vs.Values {
			w.expr(v, sinks[i])
		}
		later = later || i > 0 && len(sinks[i].hooks) > 0
	}
	if !later {
		w.placeBefore(ds.Pos(), sinks[0], cache)
		return true
	}
	// The group's own var stays on its line, declaring nothing.
	w.fs.buf.replace(w.fs.off(gd.Lparen), w.fs.off(gd.Lparen)+1, prioOpen, "();")
	w.fs.buf.replace(w.fs.off(gd.Rparen), w.fs.off(gd.Rparen)+1, prioOpen, "")
	for i, spec := range gd.Specs {
		if i > 0 {
			// The spec before may have shadowed a variable a cached
			// hook names, or called something that synchronises.
			clear(cache)
		}
		w.placeBefore(spec.Pos(), sinks[i], cache)
		w.fs.buf.insert(w.fs.off(spec.Pos()), prioStmt+1, "var ")
	}
	return true
}

func (w *funcWalker) markRecv2(e ast.Expr) {
	if u, ok := ast.Unparen(e).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
		w.recv2[u] = true
	}
}

func (w *funcWalker) assign(s *ast.AssignStmt, pre *sink) {
	w.assignTo(s, pre, func(ast.Expr) *sink { return pre })
}

// assignTo walks an assignment: the right-hand side's hooks go to pre,
// each target's to targets(target).
func (w *funcWalker) assignTo(s *ast.AssignStmt, pre *sink, targets func(ast.Expr) *sink) {
	if len(s.Lhs) == 2 && len(s.Rhs) == 1 {
		w.markRecv2(s.Rhs[0])
	}
	for _, r := range s.Rhs {
		w.expr(r, pre)
	}
	for _, l := range s.Lhs {
		if s.Tok == token.DEFINE {
			if id, ok := l.(*ast.Ident); ok && w.info.Defs[id] != nil {
				continue // a new variable: nobody else can see it yet
			}
		}
		w.target(l, targets(l), s.Tok != token.ASSIGN && s.Tok != token.DEFINE)
	}
}

// multiAssignsMap reports whether s assigns to several targets, one of
// them a map element.
func (w *funcWalker) multiAssignsMap(s *ast.AssignStmt) bool {
	if len(s.Lhs) < 2 || s.Tok != token.ASSIGN {
		return false
	}
	for _, l := range s.Lhs {
		if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok && isMap(w.info.TypeOf(ix.X)) {
			return true
		}
	}
	return false
}

// assignSplit walks an assignment of a statement list. The targets are
// written after the right-hand side is evaluated; when that evaluation
// calls or receives (which can synchronise), the targets' hooks go after
// the statement (post), so that x = <-c and x = f() (f locking a mutex)
// record the write after the synchronisation, as it happens. The hooks of
// a target whose address mentions a variable the statement assigns (p.f,
// p = ...) stay before it.
func (w *funcWalker) assignSplit(s *ast.AssignStmt, pre, post *sink) {
	quiet := true
	for _, r := range s.Rhs {
		quiet = quiet && w.noSync(r)
	}
	// With several targets, the assignments are made one by one: a target
	// hook that panics (p[1] out of range) must not come before an earlier
	// map assignment (m[2], p[1] = 2, 2), so it goes after.
	if quiet && !w.multiAssignsMap(s) {
		w.assign(s, pre)
		return
	}
	assigned := map[string]bool{}
	for _, l := range s.Lhs {
		if id, ok := ast.Unparen(l).(*ast.Ident); ok {
			assigned[id.Name] = true
		}
	}
	w.assignTo(s, pre, func(l ast.Expr) *sink {
		if _, ok := ast.Unparen(l).(*ast.Ident); ok {
			return post
		}
		moved := true
		ast.Inspect(l, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && assigned[id.Name] {
				moved = false
			}
			return moved
		})
		if moved {
			return post
		}
		return pre
	})
}

// placeAfter inserts hooks right after statement st.
func (w *funcWalker) placeAfter(st ast.Stmt, s *sink) {
	hooks := w.usable(s.hooks, st.End())
	if len(hooks) == 0 {
		return
	}
	var texts []string
	for _, h := range hooks {
		texts = append(texts, h.text)
	}
	w.fs.buf.insert(w.fs.off(st.End()), prioAfter, "; "+strings.Join(texts, "; "))
}

// target walks an assignment target; read is set for op= and ++/--.
func (w *funcWalker) target(e ast.Expr, s *sink, read bool) {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok && id.Name == "_" {
		return
	}
	if ix, ok := e.(*ast.IndexExpr); ok && isMap(w.info.TypeOf(ix.X)) {
		w.expr(ix.X, s)
		w.expr(ix.Index, s)
		w.mapHook(ix.X, s, true)
		return
	}
	switch e.(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.StarExpr:
		if w.location(e, s) {
			if read {
				w.access(e, s, false)
			}
			w.access(e, s, true)
		}
	default:
		w.expr(e, s)
	}
}

func (w *funcWalker) ifStmt(s *ast.IfStmt, pre *sink) {
	if s.Init != nil {
		w.stmt(s.Init, pre, "")
	}
	// The heap variables of the init statement: first in the condition's
	// hooks closure, the first place after the init statement.
	cs := &sink{hooks: w.initAllocs(s.Init)}
	w.expr(s.Cond, cs)
	if len(cs.hooks) > 0 {
		if pre != nil && s.Init == nil {
			pre.hooks = append(pre.hooks, cs.hooks...)
		} else {
			// After the init statement, in its scope.
			w.condClosure(s.Cond, cs, token.LAND)
		}
	}
	w.block(s.Body)
	switch e := s.Else.(type) {
	case *ast.IfStmt:
		if w.fs.p.nr.InChild(e.Pos()) {
			break
		}
		if e.Init == nil {
			w.ifStmt(e, nil)
			break
		}
		// else if init; cond {...}: the hooks of the init statement go
		// in a block made around the if, where they run only when it
		// does: else { hooks; if init; cond {...} }. The block changes no
		// scope, and no goto can jump into the if from outside it.
		pre := &sink{}
		w.ifStmt(e, pre)
		if len(w.usable(pre.hooks, e.Pos())) > 0 {
			w.fs.buf.insert(w.fs.off(e.Pos()), prioBlock, "{ ")
			w.placeBefore(e.Pos(), pre, accessCache{})
			// The block closes before anything else placed there: a loop's
			// tail hooks, when the if ends the body on the same line.
			w.fs.buf.insert(w.fs.off(e.End()), prioBlock, " }")
		}
	case *ast.BlockStmt:
		w.block(e)
	}
}

func (w *funcWalker) forStmt(s *ast.ForStmt, pre *sink, label string) {
	if s.Init != nil {
		w.stmt(s.Init, pre, "")
	}
	// Since Go 1.22 each iteration has its own copy of the variables the
	// init statement declares, made before the post statement: the
	// condition and the post statement work on a copy nobody else has
	// seen yet, and their accesses to it cannot race.
	fresh := map[types.Object]bool{}
	if v := w.info.FileVersions[w.fs.f]; v == "" || version.Compare(v, "go1.22") >= 0 {
		if as, ok := s.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && w.info.Defs[id] != nil {
					fresh[w.info.Defs[id]] = true
				}
			}
		}
	}
	if s.Cond != nil {
		// Evaluated before every iteration: the hooks go inside it.
		cs := &sink{}
		w.expr(s.Cond, cs)
		w.dropFresh(cs, fresh)
		if len(cs.hooks) > 0 {
			w.condClosure(s.Cond, cs, token.LAND)
		}
	}
	if s.Post != nil {
		ps := &sink{}
		w.stmt(s.Post, ps, "")
		w.dropFresh(ps, fresh)
		w.loopTail(s.Body, label, ps)
	}
	if len(fresh) > 0 {
		// Each iteration's heap variables are new: rt learns it first in
		// the body (the condition and post statement's accesses to them
		// are not hooked, see above).
		w.atBlockStart(s.Body, &sink{hooks: w.initAllocs(s.Init)})
	}
	w.block(s.Body)
}

// dropFresh removes the hooks that mention a fresh per-iteration variable.
func (w *funcWalker) dropFresh(s *sink, fresh map[types.Object]bool) {
	if len(fresh) == 0 {
		return
	}
	var kept []hook
	for _, h := range s.hooks {
		mentions := false
		for _, id := range h.idents {
			mentions = mentions || fresh[w.info.Uses[id]]
		}
		if !mentions {
			kept = append(kept, h)
		}
	}
	s.hooks = kept
}

func (w *funcWalker) rangeStmt(s *ast.RangeStmt, pre *sink, label string) {
	start := &sink{} // hooks at the start of each iteration
	tail := &sink{}  // hooks at the end of each iteration
	xt := w.info.TypeOf(s.X)
	hasValue := s.Value != nil && !isBlank(s.Value)
	switch u := xt.Underlying().(type) {
	case *types.Array:
		// Only a range with a value variable evaluates (copies) the array.
		if hasValue {
			w.expr(s.X, pre)
		} else if s.Value != nil || s.Key != nil {
			w.locationOperands(s.X, pre)
		}
	case *types.Slice:
		w.expr(s.X, pre)
		if hasValue {
			// The elements are read one per iteration; hooked as one
			// range read before the loop.
			w.sliceRangeHook(s.X, pre, false, "len")
		}
	case *types.Map:
		w.expr(s.X, pre)
		w.mapHook(s.X, pre, false)
	case *types.Chan:
		w.expr(s.X, pre)
		if a, ok := w.ptrBits(s.X); ok {
			pre.add(hook{text: "__rt.ChanRecv(" + a.text + ")", idents: a.idents, pos: s.X.Pos()})
			start.add(hook{text: "__rt.ChanRecvDoneOK(" + a.text + ", true)", idents: a.idents, pos: s.X.Pos()})
			tail.add(hook{text: "__rt.ChanRecv(" + a.text + ")", idents: a.idents, pos: s.X.Pos()})
			// The loop ends by receiving the close: acquire it after
			// the loop too (after a break, rt finds no receive started
			// and does nothing).
			done := &sink{}
			done.add(hook{text: "__rt.ChanRecvDoneOK(" + a.text + ", false)", idents: a.idents, pos: s.X.Pos()})
			w.placeAfter(s, done)
		}
	default:
		_ = u
		w.expr(s.X, pre)
	}
	if s.Tok == token.DEFINE && w.perIteration() {
		// Each iteration's variables are new.
		var ids []*ast.Ident
		for _, e := range []ast.Expr{s.Key, s.Value} {
			if id, ok := e.(*ast.Ident); ok {
				ids = append(ids, id)
			}
		}
		w.defAllocs(ids, start)
	}
	if s.Tok == token.ASSIGN {
		if s.Key != nil {
			w.target(s.Key, start, false)
		}
		if s.Value != nil {
			w.target(s.Value, start, false)
		}
	}
	w.atBlockStart(s.Body, start)
	if len(tail.hooks) > 0 {
		w.loopTail(s.Body, label, tail)
	}
	w.block(s.Body)
}

// caseHooks puts the hooks of a case expression e of a switch with a tag
// in a closure that a helper evaluates right before e:
//
//	case e:  →  case __rt_case(func() bool { hooks; return true }(), e):
//
// The helper returns e with e's own type, so the comparison with the tag
// is the same, when e has a type of its own: a variable, a field, an
// element, a call. A case expression without one (an untyped comparison,
// an arithmetic expression whose type comes from the tag) stays unhooked.
func (w *funcWalker) caseHooks(e ast.Expr, s *sink) {
	hooks := w.usable(s.hooks, e.Pos())
	if len(hooks) == 0 {
		return
	}
	if !w.ownType(e) {
		w.fs.warn(e.Pos(), "case expression without a type of its own not instrumented")
		return
	}
	var texts []string
	for _, h := range hooks {
		texts = append(texts, h.text)
	}
	w.useHelper("__rt_case", caseHelper)
	w.fs.buf.wrap(w.fs.off(e.Pos()), w.fs.off(e.End()), "__rt_case(func() bool { "+strings.Join(texts, "; ")+"; return true }(), ", ")")
}

// ownType reports whether e's type is its own, not one its context gives
// it (an untyped constant's, a comparison's, a shift of an untyped
// constant's): a variable, a field, an element, a call, a conversion, or
// arithmetic on one of those.
func (w *funcWalker) ownType(e ast.Expr) bool {
	if tv := w.info.Types[e]; tv.Value != nil || tv.Type == nil {
		return false
	} else if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return false
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.IndexListExpr, *ast.StarExpr, *ast.CallExpr, *ast.TypeAssertExpr, *ast.SliceExpr:
		return true
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR) && w.ownType(e.X)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return w.ownType(e.X) || w.ownType(e.Y)
		}
	}
	return false
}

// caseHelper returns its second operand, after its first (a closure of
// hooks) was evaluated.
const caseHelper = `func __rt_case[T any](_ bool, v T) T {
	return v
}
`

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// caseClauses walks the clauses of a switch. Each clause starts with
// allocs (the allocation hooks of the heap variables of the switch's init
// statement: the clause taken is the first place after it that a hook can
// go) and, in a type switch declaring v, the allocation of the clause's v
// when SSA puts it on the heap and the clause uses it.
//
// A case expression is evaluated only when the ones before it did not
// match: its hooks go in a closure that runs right before it, in front of
// it in a switch without a tag (each case is a condition), in a helper's
// first operand otherwise (caseHooks).
func (w *funcWalker) caseClauses(body *ast.BlockStmt, allocs []hook, v *ast.Ident, tagless bool) {
	for _, c := range body.List {
		cc := c.(*ast.CaseClause)
		for _, e := range cc.List {
			if w.info.Types[e].IsType() {
				continue // a type switch's case
			}
			cs := &sink{}
			w.expr(e, cs)
			switch {
			case len(cs.hooks) == 0:
			case tagless:
				w.condClosure(e, cs, token.LAND)
			default:
				w.caseHooks(e, cs)
			}
		}
		start := &sink{hooks: append([]hook(nil), allocs...)}
		if obj, ok := w.info.Implicits[cc].(*types.Var); ok && v != nil && w.heapLocal(obj) && w.mentions(cc.Body, obj) {
			start.add(w.allocHook(v.Name, v.Pos()))
		}
		if len(start.hooks) > 0 {
			w.placeAt(w.fs.off(cc.Colon)+1, cc.Colon, start, " ", ";")
		}
		w.stmtList(cc.Body)
	}
}

// initAllocs returns the allocation hooks of the heap variables an init
// statement declares.
func (w *funcWalker) initAllocs(init ast.Stmt) []hook {
	if init == nil {
		return nil
	}
	return w.declAllocs(init).hooks
}

// typeSwitchVar returns the variable a type switch declares, or nil.
func typeSwitchVar(s *ast.TypeSwitchStmt) *ast.Ident {
	if as, ok := s.Assign.(*ast.AssignStmt); ok && len(as.Lhs) == 1 {
		if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name != "_" {
			return id
		}
	}
	return nil
}

// mentions reports whether a statement of list uses obj.
func (w *funcWalker) mentions(list []ast.Stmt, obj types.Object) bool {
	found := false
	for _, st := range list {
		ast.Inspect(st, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && w.info.Uses[id] == obj {
				found = true
			}
			return !found
		})
	}
	return found
}

// selectStmt: the channel and value operands are evaluated on entry, the
// release hook of every case goes before the select, and the case taken
// starts with its acquire hook and ChanCancel for every other case's
// channel (the operations announced and not made; rt/doc.go).
//
// Each channel operand is captured where select evaluates it, by a helper
// that makes its release hook there and keeps the channel's address (and
// a send's capacity) in variables declared in a block around the select:
//
//	select { case <-f(): }  →  { var __rtS0_0 uintptr; select { case <-__rt_selRecv(&__rtS0_0, f()): __rt.ChanRecvDone(__rtS0_0) } }
//
// so every operand is still evaluated once, in order, a call (<-ctx.Done())
// as well, and the hooks of the case taken do not evaluate an operand
// again after the case's receive assigned to it (case i = <-c: ...
// chs[i] <- v). A labeled select goes into the block with its label,
// unless a goto outside it names the label (it would jump into the
// block): then the hooks evaluate the channel operands again, and a case
// whose channel cannot be evaluated again keeps no hooks, with a warning.
func (w *funcWalker) selectStmt(s *ast.SelectStmt, pre *sink, label string) {
	fs := w.fs
	open := s.Pos()
	if label != "" {
		if ls := labelOf(fs.f, s); ls != nil && !gotoNames(fs.f, label, ls.Pos(), s.End()) {
			open, label = ls.Pos(), ""
		}
	}
	// The channel of each clause with hooks (nil: none, or default), and
	// the variable that captures it, if it is captured.
	chans := make([]*hook, len(s.Body.List))
	capt := make([]string, len(s.Body.List))
	block := ""
	for i, c := range s.Body.List {
		ch, _ := commChan(c.(*ast.CommClause))
		if ch == nil {
			continue
		}
		if label != "" {
			// No block: the channels that can be evaluated again are
			// evaluated again by the hooks.
			if a, ok := w.ptrBits(ch); ok {
				a.pos = ch.Pos()
				chans[i] = &a
			}
			continue
		}
		if block == "" {
			block = "__rtS" + strconv.Itoa(fs.selects) + "_"
			fs.selects++
		}
		capt[i] = block + strconv.Itoa(i)
		chans[i] = &hook{text: capt[i], pos: ch.Pos()}
	}
	var decls []string
	for i, c := range s.Body.List {
		cc := c.(*ast.CommClause)
		start := &sink{}
		ch, send := commChan(cc)
		if ch != nil && capt[i] != "" {
			// Outside any rewrite of the operand itself (prioOpen and
			// prioClose at the same offsets).
			v := capt[i]
			fs.usesRT = true
			if send {
				w.useHelper("__rt_selSend", selectHelpers["__rt_selSend"])
				decls = append(decls, "var "+v+" uintptr; var "+v+"c int; ")
				fs.buf.insert(fs.off(ch.Pos()), prioOpen-1, "__rt_selSend(&"+v+", &"+v+"c, ")
				start.add(hook{text: "__rt.ChanSendDone(" + v + ", " + v + "c)", pos: ch.Pos()})
			} else {
				w.useHelper("__rt_selRecv", selectHelpers["__rt_selRecv"])
				decls = append(decls, "var "+v+" uintptr; ")
				fs.buf.insert(fs.off(ch.Pos()), prioOpen-1, "__rt_selRecv(&"+v+", ")
				start.add(hook{text: "__rt.ChanRecvDone(" + v + ")", pos: ch.Pos()})
			}
			fs.buf.insert(fs.off(ch.End()), prioClose+1, ")")
		}
		switch comm := cc.Comm.(type) {
		case *ast.SendStmt:
			w.expr(comm.Chan, pre)
			w.expr(comm.Value, pre)
		case *ast.ExprStmt, *ast.AssignStmt:
			if ch != nil {
				w.expr(ch, pre)
			}
		}
		if ch != nil && capt[i] == "" {
			if a := chans[i]; a != nil {
				if send {
					txt, _, _ := w.pureText(ch)
					pre.add(hook{text: "__rt.ChanSend(" + a.text + ")", idents: a.idents, pos: ch.Pos()})
					start.add(hook{text: "__rt.ChanSendDone(" + a.text + ", cap(" + txt + "))", idents: a.idents, pos: ch.Pos()})
				} else {
					pre.add(hook{text: "__rt.ChanRecv(" + a.text + ")", idents: a.idents, pos: ch.Pos()})
					start.add(hook{text: "__rt.ChanRecvDone(" + a.text + ")", idents: a.idents, pos: ch.Pos()})
				}
			} else {
				w.fs.warn(ch.Pos(), "select whose label a goto names, with a case channel that is not a side-effect-free expression: its synchronisation is not recorded")
			}
		}
		for j, o := range chans {
			if j != i && o != nil {
				start.add(hook{text: "__rt.ChanCancel(" + o.text + ")", idents: o.idents, pos: o.pos})
			}
		}
		if as, ok := cc.Comm.(*ast.AssignStmt); ok && as.Tok == token.ASSIGN {
			for _, l := range as.Lhs {
				w.target(l, start, false)
			}
		} else if ok {
			start.hooks = append(start.hooks, w.declAllocs(as).hooks...)
		}
		w.placeAt(w.fs.off(cc.Colon)+1, cc.Colon, start, " ", ";")
		w.stmtList(cc.Body)
	}
	if len(decls) > 0 {
		fs.buf.insert(fs.off(open), prioOpen, "{ "+strings.Join(decls, ""))
		fs.buf.insert(fs.off(s.End()), prioClose, " }")
	}
}

// labelOf returns the labeled statement of s in f.
func labelOf(f *ast.File, s ast.Stmt) *ast.LabeledStmt {
	var found *ast.LabeledStmt
	ast.Inspect(f, func(n ast.Node) bool {
		if ls, ok := n.(*ast.LabeledStmt); ok && ls.Stmt == s {
			found = ls
		}
		return found == nil
	})
	return found
}

// gotoNames reports whether a goto statement of f outside [from, to)
// names label (in any function: a label's scope is its function, and a
// false yes only costs hooks). A goto inside the labeled statement itself
// (a select's case retrying it) stays in the block with the label.
func gotoNames(f *ast.File, label string, from, to token.Pos) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if b, ok := n.(*ast.BranchStmt); ok && b.Tok == token.GOTO && b.Label != nil && b.Label.Name == label &&
			(b.Pos() < from || b.Pos() >= to) {
			found = true
		}
		return !found
	})
	return found
}

// commChan returns the channel operand of a select case, and whether the
// case sends; nil for default.
func commChan(cc *ast.CommClause) (ast.Expr, bool) {
	switch comm := cc.Comm.(type) {
	case *ast.SendStmt:
		return comm.Chan, true
	case *ast.ExprStmt:
		if u, ok := ast.Unparen(comm.X).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			return u.X, false
		}
	case *ast.AssignStmt:
		if u, ok := ast.Unparen(comm.Rhs[0]).(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			return u.X, false
		}
	}
	return nil, false
}

// uintptrOfPointer reports whether e is a conversion uintptr(unsafe.Pointer(...)).
func (w *funcWalker) uintptrOfPointer(e ast.Expr) bool {
	c, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(c.Args) != 1 || !w.info.Types[c.Fun].IsType() {
		return false
	}
	b, ok := w.info.TypeOf(c.Fun).Underlying().(*types.Basic)
	if !ok || b.Kind() != types.Uintptr {
		return false
	}
	a, ok := w.info.TypeOf(c.Args[0]).Underlying().(*types.Basic)
	return ok && a.Kind() == types.UnsafePointer
}

// goStmt records goroutine creation: a token from rt.Go in the parent,
// Started and a deferred Finished first in the new goroutine.
//
//	go func(x T) {...}(a)  →  { __rtTok := __rt.Go(); go func(x T) { __rt.Started(__rtTok); defer __rt.Finished(); ...}(a) }
//	go f(a, 1)             →  { __rtTok := __rt.Go(); __rtA0 := a; go func() { __rt.Started(__rtTok); defer __rt.Finished(); f(__rtA0, 1) }() }
//	go x.m(a)              →  { __rtTok := __rt.Go(); __rtF, __rtA0 := x.m, a; go func() { ...; __rtF(__rtA0) }() }
//
// The function value and arguments are still evaluated once, in the
// parent, in their order.
func (w *funcWalker) goStmt(s *ast.GoStmt, pre *sink) {
	fs := w.fs
	call := s.Call
	fun := ast.Unparen(call.Fun)
	if lit, ok := fun.(*ast.FuncLit); ok {
		for _, a := range call.Args {
			w.expr(a, pre)
		}
		if fs.p.nr.SkipLit(lit) {
			return
		}
		w.funcLit(lit, "__rt.Started(__rtTok); defer __rt.Finished()")
		fs.usesRT = true
		fs.buf.insert(fs.off(s.Pos()), prioOpen, "{ __rtTok := __rt.Go(); ")
		fs.buf.insert(fs.off(s.End()), prioClose, " }")
		return
	}
	for _, a := range call.Args {
		if w.uintptrOfPointer(a) {
			// Only in the call itself does uintptr(unsafe.Pointer(p)) keep
			// *p alive (//go:uintptrescapes): it cannot move to a temporary.
			w.expr(call, pre)
			fs.warn(s.Pos(), "go statement with a uintptr(unsafe.Pointer(...)) argument: creation edge not recorded")
			return
		}
	}
	fset := fs.p.in.Fset
	multiline := fset.Position(s.Pos()).Line != fset.Position(s.End()).Line
	// The static callee, if any, is written again inside the closure.
	static := ""
	switch obj := w.calleeObj(fun).(type) {
	case *types.Builtin:
		static = obj.Name()
		if static == "close" {
			w.useHelper("__rt_chan_Close", chanHelpers["__rt_chan_Close"])
			static = "__rt_chan_Close"
		}
	case *types.Func:
		if _, ok := lookupSyncOp(obj); ok {
			w.expr(call, pre) // the helper call; no creation edge
			return
		}
		if isOSExit(obj) {
			w.useHelper("__rt_osExit", osExitHelper)
			static = "__rt_osExit(" + fs.text(fun) + ")"
		} else if sel, ok := fun.(*ast.SelectorExpr); !ok || w.info.Selections[sel] == nil || w.info.Selections[sel].Kind() == types.MethodExpr {
			static = fs.text(fun) // function, instance or method expression
		}
	}
	if multiline || (static != "" && strings.ContainsAny(static, "\n/")) {
		w.expr(call, pre)
		fs.warn(s.Pos(), "go statement spans lines: goroutine creation not recorded")
		return
	}
	type item struct {
		n    ast.Node
		name string
	}
	var kept []item
	var callArgs []string
	if static == "" {
		kept = append(kept, item{fun, "__rtF"})
		w.expr(fun, pre)
	}
	for i, a := range call.Args {
		tv := w.info.Types[a]
		if tv.Value != nil || tv.IsNil() {
			callArgs = append(callArgs, fs.text(a))
			continue
		}
		if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
			// An untyped non-constant (a comparison): its variable would
			// change its type.
			w.expr(call, pre)
			fs.warn(a.Pos(), "go statement with an untyped argument: goroutine creation not recorded")
			return
		}
		name := "__rtA" + strconv.Itoa(i)
		kept = append(kept, item{a, name})
		callArgs = append(callArgs, name)
		w.expr(a, pre)
	}
	callee := static
	if callee == "" {
		callee = "__rtF"
	}
	body := callee + "(" + strings.Join(callArgs, ", ")
	if call.Ellipsis.IsValid() {
		body += "..."
	}
	body += ")"
	tail := "go func() { __rt.Started(__rtTok); defer __rt.Finished(); " + body + " }() }"
	head := "{ __rtTok := __rt.Go(); "
	fs.usesRT = true
	if len(kept) == 0 {
		fs.buf.replace(fs.off(s.Pos()), fs.off(s.End()), prioOpen, head+tail)
		return
	}
	var names []string
	for _, k := range kept {
		names = append(names, k.name)
	}
	head += strings.Join(names, ", ") + " := "
	fs.buf.replace(fs.off(s.Pos()), fs.off(kept[0].n.Pos()), prioOpen, head)
	for i := 1; i < len(kept); i++ {
		fs.buf.replace(fs.off(kept[i-1].n.End()), fs.off(kept[i].n.Pos()), prioOpen, ", ")
	}
	fs.buf.replace(fs.off(kept[len(kept)-1].n.End()), fs.off(s.End()), prioOpen, "; "+tail)
}

func isOSExit(fn *types.Func) bool {
	return fn.Pkg() != nil && fn.Pkg().Path() == "os" && fn.Name() == "Exit"
}

// calleeObj returns the object a call's function expression names, if it
// names one.
func (w *funcWalker) calleeObj(fun ast.Expr) types.Object {
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		return w.info.Uses[f]
	case *ast.SelectorExpr:
		return w.info.Uses[f.Sel]
	case *ast.IndexExpr:
		return w.calleeObj(f.X)
	case *ast.IndexListExpr:
		return w.calleeObj(f.X)
	}
	return nil
}

// updateCache keeps what was hooked across a statement that cannot change
// an address or synchronise: no calls, receives or closures, assignments
// to plain variables only (whose accesses are forgotten).
func (w *funcWalker) updateCache(s ast.Stmt, c accessCache) {
	calm := false
	var assigned []ast.Expr
	switch s := s.(type) {
	case *ast.AssignStmt:
		calm = true
		assigned = s.Lhs
		for _, e := range s.Rhs {
			calm = calm && w.quiet(e)
		}
	case *ast.IncDecStmt:
		calm, assigned = true, []ast.Expr{s.X}
	case *ast.ExprStmt:
		calm = w.quiet(s.X)
	}
	if !calm {
		clear(c)
		return
	}
	for _, l := range assigned {
		id, ok := ast.Unparen(l).(*ast.Ident)
		for k, e := range c {
			// A write to memory can change only shared variables; an
			// assignment to a variable, the addresses that mention it.
			if (!ok && e.shared) || (ok && e.idents[id.Name]) {
				delete(c, k)
			}
		}
	}
}

// quiet reports whether evaluating e cannot synchronise or run other code.
func (w *funcWalker) quiet(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ok = false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		case *ast.CallExpr:
			if tv := w.info.Types[n.Fun]; !tv.IsType() {
				if b, isB := w.calleeObj(n.Fun).(*types.Builtin); !isB || (b.Name() != "len" && b.Name() != "cap") {
					ok = false
				}
			}
		}
		return ok
	})
	return ok
}

// noSync reports whether evaluating e cannot synchronise: no receives,
// and no calls other than conversions and builtins.
func (w *funcWalker) noSync(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // not run here
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		case *ast.CallExpr:
			if tv := w.info.Types[n.Fun]; !tv.IsType() {
				if _, isB := w.calleeObj(n.Fun).(*types.Builtin); !isB {
					ok = false
				}
			}
		}
		return ok
	})
	return ok
}

// readSource reads the file the compiler would read, and checks it is the
// one that was parsed.
func readSource(tf *token.File, name string) ([]byte, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(src) != tf.Size() {
		return nil, os.ErrInvalid
	}
	return src, nil
}
