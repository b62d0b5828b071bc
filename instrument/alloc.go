package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
)

// Allocations. rt forgets the history of memory an instrumented function
// allocates on the heap (rt.Alloc), as -race's racemalloc does, so that
// accesses to an object the collector freed cannot race with accesses to
// a new object the allocator put at the same address. The allocations are
// the Allocs SSA marks Heap (heapVars' positions):
//
//	&T{...}, new(T)     __rt_new(&T{...}), __rt_new(new(T))
//	var x T; x := e     var x T; __rt.Alloc(uintptr(__unsafe.Pointer(&x)), __unsafe.Sizeof(x))
//
// A declared variable's hook goes right after its declaration, before any
// access hook of it; parameters and named results at the top of the body.

// newHelper records the allocation of *p and returns p.
const newHelper = `func __rt_new[T any](p *T) *T {
	__rt.Alloc(uintptr(__unsafe.Pointer(p)), __unsafe.Sizeof(*p))
	return p
}
`

// newExpr wraps e, an &T{...} or new(...) whose Alloc SSA puts on the heap
// at pos, in __rt_new: the call runs right after the allocation, in the
// expression's place, so evaluation order is unchanged.
//
// A constructor's result is left alone: the compiler inlines a function
// whose body is `return &T{...}` and initialises a package variable set
// from it statically, with no init function (Go's test/noinit.go checks
// that), which a call to rt.Alloc would prevent. Under -race the
// allocation hook is inside the runtime's allocator, out of the
// compiler's sight. Reuse of such an object's memory is still caught by
// rt's check of the object at its first slow path (rt/heapobj.go).
func (w *funcWalker) newExpr(e ast.Expr, pos token.Pos) {
	if !w.fs.p.heap[pos] || e == w.ctor {
		return
	}
	t, ok := w.info.TypeOf(e).Underlying().(*types.Pointer)
	if !ok || w.zeroSize(t.Elem()) {
		return
	}
	w.useHelper("__rt_new", newHelper)
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	w.fs.buf.insert(w.fs.off(e.Pos()), prioOpen, "__rt_new(")
	w.fs.buf.insert(w.fs.off(e.End()), prioClose, ")")
}

// heapLocal reports whether v is a local variable (parameter, result)
// that SSA allocates on the heap and that has a size.
func (w *funcWalker) heapLocal(v *types.Var) bool {
	if v == nil || v.IsField() || v.Name() == "_" || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() {
		return false
	}
	return w.fs.p.heap[v.Pos()] && !w.zeroSize(v.Type())
}

// allocHook returns the hook that tells rt about the allocation of the
// variable name.
func (w *funcWalker) allocHook(name string, pos token.Pos) hook {
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	return hook{text: "__rt.Alloc(uintptr(__unsafe.Pointer(&" + name + ")), __unsafe.Sizeof(" + name + "))", pos: pos, name: name}
}

// defAllocs adds to s the allocation hooks of the heap variables that the
// identifiers ids declare (new variables only: := may assign old ones).
func (w *funcWalker) defAllocs(ids []*ast.Ident, s *sink) {
	for _, id := range ids {
		if v, ok := w.info.Defs[id].(*types.Var); ok && w.heapLocal(v) {
			s.add(w.allocHook(id.Name, id.Pos()))
		}
	}
}

// declAllocs returns the allocation hooks of the heap variables statement
// st declares (var or :=), placed right after it.
func (w *funcWalker) declAllocs(st ast.Stmt) *sink {
	s := &sink{}
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			var ids []*ast.Ident
			for _, l := range st.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					ids = append(ids, id)
				}
			}
			w.defAllocs(ids, s)
		}
	case *ast.DeclStmt:
		if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, spec := range gd.Specs {
				w.defAllocs(spec.(*ast.ValueSpec).Names, s)
			}
		}
	}
	return s
}

// fieldAllocs returns the allocation hooks of the heap parameters,
// receiver and named results of a function: SSA allocates them at entry
// (the body starts with them).
func (w *funcWalker) fieldAllocs(lists ...*ast.FieldList) []string {
	var out []string
	for _, fl := range lists {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, name := range f.Names {
				if v, ok := w.info.Defs[name].(*types.Var); ok && w.heapLocal(v) {
					out = append(out, w.allocHook(name.Name, name.Pos()).text)
				}
			}
		}
	}
	return out
}

// perIteration reports whether the variables a for or range statement
// declares are new in each iteration (Go 1.22 and later): their
// allocation hook goes first in the body. Before, they are allocated once
// with the loop, where no hook can go, and get none.
func (w *funcWalker) perIteration() bool {
	v := w.info.FileVersions[w.fs.f]
	return v == "" || version.Compare(v, "go1.22") >= 0
}

// ctorResult returns the &T{...} or new(T) that body does nothing but
// return, or nil.
func ctorResult(body *ast.BlockStmt) ast.Expr {
	if body == nil || len(body.List) != 1 {
		return nil
	}
	ret, ok := body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	switch e := ast.Unparen(ret.Results[0]).(type) {
	case *ast.UnaryExpr:
		if _, ok := ast.Unparen(e.X).(*ast.CompositeLit); ok && e.Op == token.AND {
			return e
		}
	case *ast.CallExpr:
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok && id.Name == "new" {
			return e
		}
	}
	return nil
}
