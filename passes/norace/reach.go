package norace

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// computeReach fills res.NoInstrument, res.NoInstrumentLits and
// res.Reaches: //go:norace functions, child contexts, and everything they
// reach through static references (calls, method values, function values,
// closures), transitively within the package.
func computeReach(pass *analysis.Pass, res *Result, s *scanned) {
	for obj, d := range res.Directives {
		if d.Norace {
			res.NoInstrument[obj] = "//go:norace"
		}
	}
	reaches := make(map[*types.Func]bool)
	type item struct {
		body ast.Node
		why  string
	}
	var work []item
	visit := func(fn *types.Func, why string) {
		fn = fn.Origin()
		if fn.Pkg() != pass.Pkg {
			if fn.Pkg() != nil && !isInterfaceMethod(fn) {
				reaches[fn] = true
			}
			return
		}
		if _, done := res.NoInstrument[fn]; !done {
			res.NoInstrument[fn] = why
		}
		if fd := s.decls[fn]; fd != nil && fd.Body != nil {
			if !s.reached[fd] {
				s.reached[fd] = true
				work = append(work, item{fd.Body, why})
			}
		}
	}
	s.reached = make(map[*ast.FuncDecl]bool)
	for _, c := range res.Contexts {
		via := "reached from " + c.describe(pass.Fset)
		switch {
		case c.Whole:
			res.NoInstrument[c.Func] = "fork-child context: " + c.describe(pass.Fset)
			if !c.Forking {
				s.reached[c.Decl] = true
				work = append(work, item{c.Decl.Body, via})
			}
		case c.Fn != nil:
			instrs := c.Instrs
			if instrs == nil {
				instrs = blockInstrs(c.Blocks)
			}
			for _, instr := range instrs {
				for _, op := range instr.Operands(nil) {
					f, ok := (*op).(*ssa.Function)
					if !ok {
						continue
					}
					if lit, ok := f.Syntax().(*ast.FuncLit); ok {
						res.NoInstrumentLits[lit] = via
						work = append(work, item{lit.Body, via})
					} else if obj, ok := f.Object().(*types.Func); ok {
						visit(obj, via)
					}
				}
				if call, ok := instr.(ssa.CallInstruction); ok {
					if m := call.Common().Method; m != nil && !call.Common().IsInvoke() {
						visit(m, via)
					}
				}
			}
		}
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		ast.Inspect(it.body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				res.NoInstrumentLits[n] = it.why
			case *ast.Ident:
				if fn, ok := pass.TypesInfo.Uses[n].(*types.Func); ok {
					visit(fn, it.why)
				}
			}
			return true
		})
	}
	for fn := range reaches {
		res.Reaches = append(res.Reaches, fn)
	}
	sort.Slice(res.Reaches, func(i, j int) bool { return FuncName(res.Reaches[i]) < FuncName(res.Reaches[j]) })
}

func isInterfaceMethod(fn *types.Func) bool {
	recv := fn.Signature().Recv()
	return recv != nil && types.IsInterface(recv.Type())
}

// exportFacts exports a *Func fact for every function whose fact would say
// something, and the *Package fact when it is not empty.
func exportFacts(pass *analysis.Pass, res *Result, s *scanned) {
	children := make(map[*types.Func]*Context)
	for _, c := range res.Contexts {
		if c.Whole {
			children[c.Func] = c
		}
	}
	for obj, d := range res.Directives {
		f := *d
		if c := children[obj]; c != nil {
			f.Child, f.ChildKind = true, string(c.Kind)
		}
		if why, ok := res.NoInstrument[obj]; ok {
			f.NoInstrument, f.Why = true, why
		}
		if f != (Func{Linkname: f.Linkname, Linknamed: f.Linknamed}) {
			pass.ExportObjectFact(obj, &f)
		}
	}
	pf := &Package{Linknames: s.pushes}
	for _, fn := range res.Reaches {
		pf.Reaches = append(pf.Reaches, FuncName(fn))
	}
	if len(pf.Linknames) > 0 || len(pf.Reaches) > 0 {
		pass.ExportPackageFact(pf)
	}
}

// String summarises a context for debugging and tests.
func (c *Context) String() string {
	return fmt.Sprintf("%s %s", c.Kind, c.Trigger)
}
