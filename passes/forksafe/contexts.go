package forksafe

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/raceinst/raceinst/passes/norace"
)

// checkContexts reports every unsafe site of every child context.
func (c *checker) checkContexts() {
	forks := c.forkingFuncs()
	for _, ctx := range c.nr.Contexts {
		fn := c.contextFunc(ctx)
		if fn == nil {
			continue
		}
		name := contextName(ctx)
		var instrs []ssa.Instruction
		switch {
		case ctx.Whole:
			if ctx.Forking || forks[fn] {
				continue
			}
			c.checkSelf(ctx, name)
			for _, b := range fn.Blocks {
				instrs = append(instrs, b.Instrs...)
			}
		case len(ctx.Blocks) > 0:
			if ctx.Kind == norace.KindRawFork && c.regionInstrumented(ctx.Blocks) {
				c.checkSelf(ctx, name)
			}
			for _, b := range ctx.Blocks {
				instrs = append(instrs, b.Instrs...)
			}
		case len(ctx.Instrs) > 0:
			instrs = ctx.Instrs
		default:
			for _, b := range fn.Blocks {
				for _, in := range b.Instrs {
					if inSpans(ctx.Spans, sitePos(in)) {
						instrs = append(instrs, in)
					}
				}
			}
		}
		for _, in := range instrs {
			ks := c.instrCauses(in)
			if len(ks) == 0 {
				continue
			}
			site := sitePos(in)
			for _, k := range ks {
				c.report(name, site, k)
			}
		}
	}
}

// forkingFuncs returns the functions that fork: those holding a raw fork's
// child branch, and those whose whole-function context calls one of them.
// Such a function runs in the parent up to its fork (and, for a caller of
// a forking function, entirely: the child never returns from the callee),
// so its whole-function context gives way to the fork's regions.
func (c *checker) forkingFuncs() map[*ssa.Function]bool {
	forks := make(map[*ssa.Function]bool)
	for _, ctx := range c.nr.Contexts {
		if ctx.Kind == norace.KindRawFork && ctx.Fn != nil {
			forks[ctx.Fn] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, ctx := range c.nr.Contexts {
			fn := c.contextFunc(ctx)
			if !ctx.Whole || fn == nil || forks[fn] {
				continue
			}
			for _, b := range fn.Blocks {
				for _, in := range b.Instrs {
					if call, ok := in.(*ssa.Call); ok && forks[call.Call.StaticCallee()] {
						forks[fn], changed = true, true
					}
				}
			}
		}
	}
	return forks
}

// regionInstrumented reports whether -race would put instrumentation in a
// child branch: a load or store of memory that is not a local of the
// frame, or a return (racefuncexit). The enclosing function's racefuncenter
// ran before the fork, in the parent.
func (c *checker) regionInstrumented(blocks []*ssa.BasicBlock) bool {
	for _, b := range blocks {
		for _, in := range b.Instrs {
			switch in := in.(type) {
			case *ssa.Return:
				return true
			case *ssa.UnOp:
				if in.Op == token.MUL && !stackAddr(in.X) {
					return true
				}
			case *ssa.Store:
				if !stackAddr(in.Addr) {
					return true
				}
			case *ssa.MapUpdate, *ssa.Lookup:
				return true
			}
		}
	}
	return false
}

// stackAddr reports whether addr points into a local of the frame that
// does not live on the heap; -race does not instrument those.
func stackAddr(addr ssa.Value) bool {
	for {
		switch a := addr.(type) {
		case *ssa.Alloc:
			return !a.Heap
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			if _, ok := a.X.Type().Underlying().(*types.Pointer); !ok {
				return false // element of a slice
			}
			addr = a.X
		default:
			return false
		}
	}
}

func inSpans(spans []norace.Span, pos token.Pos) bool {
	for _, s := range spans {
		if s.Contains(pos) {
			return true
		}
	}
	return false
}

// checkSelf reports the context's own function when its code runs in the
// child and it lacks a directive: a function entered in the child
// (//forkcheck:child, -child) needs //go:nosplit; any function holding child
// code needs //go:norace, since -race instruments its body.
func (c *checker) checkSelf(ctx *norace.Context, name string) {
	if ctx.Func == nil || ctx.Lit != nil {
		return
	}
	d := c.directives(ctx.Func)
	leaf := c.isLeaf(ctx.Func)
	if (ctx.Kind == norace.KindAnnotated || ctx.Kind == norace.KindFlag) && !d.Nosplit && !leaf {
		c.report(name, ctx.Pos, cause{class: classStack, what: fmt.Sprintf("%s is entered in the child and has a stack-check prologue (not //go:nosplit)", name)})
	}
	if c.racePort && !d.Norace && !leaf && !neverInstrumented(c.pass.Pkg.Path()) {
		pos := ctx.Pos
		if fd := c.decls[ctx.Func]; fd != nil {
			pos = fd.Name.Pos()
		}
		c.report(name, pos, cause{class: classRace, what: fmt.Sprintf("%s holds fork-child code, which go build -race instruments (not //go:norace)", name), fix: c.decls[ctx.Func]})
	}
}

func (c *checker) contextFunc(ctx *norace.Context) *ssa.Function {
	if ctx.Fn != nil {
		return ctx.Fn
	}
	if ctx.Func == nil {
		return nil
	}
	fn := c.pkg.Prog.FuncValue(ctx.Func)
	if fn == nil || ctx.Lit == nil {
		return fn
	}
	var find func(f *ssa.Function) *ssa.Function
	find = func(f *ssa.Function) *ssa.Function {
		if f.Syntax() == ctx.Lit {
			return f
		}
		for _, a := range f.AnonFuncs {
			if r := find(a); r != nil {
				return r
			}
		}
		return nil
	}
	return find(fn)
}

func contextName(ctx *norace.Context) string {
	if ctx.Func == nil {
		return "func literal"
	}
	if ctx.Lit != nil {
		return "func literal in " + norace.ShortName(ctx.Func)
	}
	return norace.ShortName(ctx.Func)
}

// report reports one cause at site, once per (site, class), unless a
// //forkcheck:ignore covers the site.
func (c *checker) report(ctxName string, site token.Pos, k cause) {
	key := siteKey{site, k.class}
	if c.reported[key] {
		return
	}
	c.reported[key] = true
	if c.ign.suppress(site) {
		return
	}
	var names []string
	for _, h := range k.path {
		names = append(names, h.name)
	}
	msg := fmt.Sprintf("%s in fork child (%s): ", k.class, ctxName)
	if len(names) > 0 {
		msg += strings.Join(names, " → ") + ": "
	}
	msg += k.what
	d := analysis.Diagnostic{Pos: site, Category: k.class, Message: msg}
	if e := c.exprAt(site); e != nil {
		d.Pos, d.End = e.Pos(), e.End()
	}
	for _, h := range k.path {
		if h.pos.IsValid() {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: h.pos, Message: "calls " + h.name})
		}
	}
	switch {
	case k.pos.IsValid() && len(k.path) > 0:
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: k.pos, Message: k.what})
	case k.at != "":
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: site, Message: fmt.Sprintf("in %s at %s: %s", names[len(names)-1], k.at, k.what)})
	}
	if k.fix != nil && k.class == classRace {
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   "add //go:norace to " + k.fix.Name.Name,
			TextEdits: []analysis.TextEdit{{Pos: k.fix.Type.Func, End: k.fix.Type.Func, NewText: []byte("//go:norace\n")}},
		}}
	}
	c.pass.Report(d)
}

// exprAt returns the expression an SSA position belongs to: a call's
// '(' , an operator, a literal's '{'.
func (c *checker) exprAt(pos token.Pos) ast.Node {
	if c.exprs == nil {
		c.exprs = make(map[token.Pos]ast.Node)
		for _, f := range c.pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					c.exprs[n.Lparen] = n
				case *ast.BinaryExpr:
					c.exprs[n.OpPos] = n
				case *ast.UnaryExpr:
					c.exprs[n.OpPos] = n
				case *ast.CompositeLit:
					c.exprs[n.Lbrace] = n
				case *ast.TypeAssertExpr:
					c.exprs[n.Lparen] = n
				case *ast.SendStmt:
					c.exprs[n.Arrow] = n
				case *ast.FuncLit:
					c.exprs[n.Type.Func] = n
				case *ast.IndexExpr:
					c.exprs[n.Lbrack] = n
				case *ast.SelectorExpr:
					if _, ok := c.exprs[n.Sel.Pos()]; !ok {
						c.exprs[n.Sel.Pos()] = n
					}
				}
				return true
			})
		}
	}
	return c.exprs[pos]
}
