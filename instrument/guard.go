package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Hooks that cannot panic.
//
// An access hook goes before its statement and evaluates the address
// again, so an index out of range or a nil dereference there panics in
// the hook. gc evaluates a statement's calls before such operands:
//
//	return count() + s[i] + count()
//
// calls count twice and then panics; a hook that panicked first would
// lose both calls, which a program that recovers can see. So a hook
// whose address can panic runs only when its address is valid (the
// checks the access makes, in evaluation order), and the statement
// panics in its own place:
//
//	if uint64(i) < uint64(len(s)) { __rt.Read(uintptr(__unsafe.Pointer(&s[i]))) }

// guard returns the condition under which evaluating es, in order,
// cannot panic ("" if it never does), and false if rt's hook must go
// unguarded: an operand has an operation guard does not know (a division,
// a shift), or len, cap, uint64 or nil do not mean the predeclared ones
// where the first is.
func (w *funcWalker) guard(es ...ast.Expr) (string, bool) {
	var conds []string
	for _, e := range es {
		if !w.guards(e, &conds) {
			return "", false
		}
	}
	if len(conds) == 0 {
		return "", true
	}
	if !w.universal(guardNames, es[0].Pos()) {
		return "", false
	}
	return strings.Join(conds, " && "), true
}

// guardHook returns a hook's text under the guard of the operands it
// evaluates (unguarded if guard cannot make one), and the predeclared
// names the guard needs where the hook is placed (hook.universe).
func (w *funcWalker) guardHook(text string, es ...ast.Expr) (string, []string) {
	cond, ok := w.guard(es...)
	if !ok || cond == "" {
		return text, nil
	}
	return "if " + cond + " { " + text + " }", guardNames
}

// guardNames are the predeclared names a guard's text may use; a hook
// with a guard is placed only where they are the predeclared ones
// (hook.universe, inScope): a loop's post statement, say, is hooked at
// the end of its body, where the body may have declared its own len.
var guardNames = []string{"len", "cap", "uint64", "nil"}

// universal reports whether names denote the predeclared objects at pos.
func (w *funcWalker) universal(names []string, pos token.Pos) bool {
	scope := w.fs.p.in.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	for _, name := range names {
		if _, obj := scope.LookupParent(name, pos); obj != types.Universe.Lookup(name) {
			return false
		}
	}
	return true
}

// isHelper is the guard of a type assertion x.(T): x's dynamic type is T
// (or implements it).
const isHelper = `func __rt_is[T any](x any) bool {
	_, ok := x.(T)
	return ok
}
`

// guards appends the checks that evaluating e makes, innermost first.
func (w *funcWalker) guards(e ast.Expr, conds *[]string) bool {
	if tv, ok := w.info.Types[e]; ok && (tv.Value != nil || tv.IsType()) {
		return true
	}
	text := func(x ast.Expr) string { return paren(x, w.fs.text(x)) }
	switch e := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return w.guards(e.X, conds)
	case *ast.StarExpr:
		if !w.guards(e.X, conds) {
			return false
		}
		*conds = append(*conds, text(e.X)+" != nil")
		return true
	case *ast.SelectorExpr:
		sel := w.info.Selections[e]
		if sel == nil {
			return true // a package's name
		}
		if sel.Kind() != types.FieldVal || !w.guards(e.X, conds) {
			return false
		}
		// Each pointer on the path to the field, the embedded ones
		// included, is dereferenced.
		path := text(e.X)
		t := w.info.TypeOf(e.X)
		for k, i := range sel.Index() {
			p, isPtr := t.Underlying().(*types.Pointer)
			if isPtr {
				*conds = append(*conds, path+" != nil")
				t = p.Elem()
			}
			st, ok := t.Underlying().(*types.Struct)
			if !ok {
				return false
			}
			f := st.Field(i)
			if k < len(sel.Index())-1 {
				if !f.Exported() && f.Pkg() != w.fs.p.in.Pkg {
					return false
				}
				path += "." + f.Name()
			}
			t = f.Type()
		}
		return true
	case *ast.IndexExpr:
		if !w.guards(e.X, conds) || !w.guards(e.Index, conds) {
			return false
		}
		x := text(e.X)
		switch u := types.Unalias(w.info.TypeOf(e.X)).Underlying().(type) {
		case *types.Map:
			// An interface key whose dynamic type is not hashable
			// panics.
			return !hasInterface(u.Key())
		case *types.Array:
			if c := w.info.Types[e.Index].Value; c != nil {
				return true // checked by the compiler
			}
		case *types.Pointer:
			if _, ok := u.Elem().Underlying().(*types.Array); !ok {
				return false
			}
			*conds = append(*conds, x+" != nil")
			if w.info.Types[e.Index].Value != nil {
				return true
			}
		case *types.Slice, *types.Basic:
		default:
			return false // a type parameter
		}
		*conds = append(*conds, "uint64("+w.fs.text(e.Index)+") < uint64(len("+x+"))")
		return true
	case *ast.SliceExpr:
		if !w.guards(e.X, conds) {
			return false
		}
		for _, b := range []ast.Expr{e.Low, e.High, e.Max} {
			if b != nil && !w.guards(b, conds) {
				return false
			}
		}
		x := text(e.X)
		top := "cap(" + x + ")"
		switch u := types.Unalias(w.info.TypeOf(e.X)).Underlying().(type) {
		case *types.Basic:
			top = "len(" + x + ")"
		case *types.Slice, *types.Array:
		case *types.Pointer:
			if _, ok := u.Elem().Underlying().(*types.Array); !ok {
				return false
			}
			*conds = append(*conds, x+" != nil")
		default:
			return false
		}
		// 0 <= low <= high <= max <= cap: high is len(x) if omitted, and
		// then bounds only low; a negative bound is a large uint.
		var seq []ast.Expr
		for _, b := range []ast.Expr{e.Low, e.High, e.Max} {
			if b != nil {
				seq = append(seq, b)
			}
		}
		texts := make([]string, len(seq))
		for i, b := range seq {
			texts[i] = w.fs.text(b)
		}
		if e.High == nil {
			top = "len(" + x + ")"
		}
		texts = append(texts, top)
		for i := 0; i+1 < len(texts); i++ {
			if i+1 < len(seq) && w.info.Types[seq[i]].Value != nil && w.info.Types[seq[i+1]].Value != nil {
				continue // checked by the compiler
			}
			*conds = append(*conds, "uint64("+texts[i]+") <= uint64("+texts[i+1]+")")
		}
		return true
	case *ast.TypeAssertExpr:
		if e.Type == nil || !w.guards(e.X, conds) {
			return false
		}
		w.useHelper("__rt_is", isHelper)
		*conds = append(*conds, "__rt_is["+w.fs.text(e.Type)+"]("+w.fs.text(e.X)+")")
		return true
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && w.guards(e.X, conds)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.QUO, token.REM, token.SHL, token.SHR:
			if w.info.Types[e.Y].Value == nil {
				return false // a division by zero, a negative shift
			}
		case token.EQL, token.NEQ:
			if types.IsInterface(w.info.TypeOf(e.X)) || types.IsInterface(w.info.TypeOf(e.Y)) {
				return false // a dynamic type that is not comparable
			}
		}
		if !w.guards(e.X, conds) {
			return false
		}
		var right []string
		if !w.guards(e.Y, &right) {
			return false
		}
		if len(right) > 0 {
			// Y is evaluated only if X does not decide: its checks
			// apply only then.
			r := "(" + strings.Join(right, " && ") + ")"
			switch e.Op {
			case token.LAND:
				r = "(!(" + w.fs.text(e.X) + ") || " + r + ")"
			case token.LOR:
				r = "((" + w.fs.text(e.X) + ") || " + r + ")"
			}
			*conds = append(*conds, r)
		}
		return true
	case *ast.CallExpr:
		// A conversion, len or cap (pure): of a value whose evaluation
		// may panic. A slice converted to an array or an array pointer
		// panics if it is too short.
		if tv := w.info.Types[e.Fun]; tv.IsType() && len(e.Args) == 1 {
			if _, ok := w.info.TypeOf(e.Args[0]).Underlying().(*types.Slice); ok {
				switch u := tv.Type.Underlying().(type) {
				case *types.Array:
					return false
				case *types.Pointer:
					if _, ok := u.Elem().Underlying().(*types.Array); ok {
						return false
					}
				}
			}
		}
		for _, a := range e.Args {
			if !w.guards(a, conds) {
				return false
			}
		}
		return true
	}
	return false
}

// hasInterface reports whether values of t hold an interface (t is one, or
// has one among its fields or elements).
func hasInterface(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Interface:
		return true
	case *types.Struct:
		for i := range u.NumFields() {
			if hasInterface(u.Field(i).Type()) {
				return true
			}
		}
	case *types.Array:
		return hasInterface(u.Elem())
	}
	return false
}
