package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// expr walks e, evaluated for its value, adding the hooks of the accesses
// it makes to s and rewriting the synchronising operations in it.
func (w *funcWalker) expr(e ast.Expr, s *sink) {
	if e == nil {
		return
	}
	if tv, ok := w.info.Types[e]; ok && (tv.Value != nil || tv.IsType()) {
		return // constants and types evaluate nothing
	}
	switch e := e.(type) {
	case *ast.Ident:
		if obj := w.info.Uses[e]; obj != nil {
			if fn, ok := obj.(*types.Func); ok && isOSExit(fn) {
				w.osExit(e)
			}
		}
		if w.location(e, s) {
			w.access(e, s, false)
		}
	case *ast.FuncLit:
		w.funcLit(e, "")
	case *ast.CompositeLit:
		isStruct := false
		if t := w.info.TypeOf(e); t != nil {
			_, isStruct = t.Underlying().(*types.Struct)
		}
		for _, elt := range e.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if !isStruct {
					w.expr(kv.Key, s)
				}
				w.expr(kv.Value, s)
			} else {
				w.expr(elt, s)
			}
		}
	case *ast.ParenExpr:
		w.expr(e.X, s)
	case *ast.SelectorExpr:
		sel := w.info.Selections[e]
		if sel == nil { // qualified identifier
			if fn, ok := w.info.Uses[e.Sel].(*types.Func); ok && isOSExit(fn) {
				w.osExit(e)
				return
			}
			if w.location(e, s) {
				w.access(e, s, false)
			}
			return
		}
		switch sel.Kind() {
		case types.FieldVal:
			if w.location(e, s) {
				w.access(e, s, false)
			}
		case types.MethodVal:
			w.receiver(e, sel, s)
		}
	case *ast.IndexExpr:
		xt := w.info.TypeOf(e.X)
		if _, isFunc := xt.Underlying().(*types.Signature); isFunc {
			w.expr(e.X, s) // an instantiation
			return
		}
		switch xt.Underlying().(type) {
		case *types.Map:
			w.expr(e.X, s)
			w.expr(e.Index, s)
			w.mapHook(e.X, s, false)
			return
		case *types.Basic: // string bytes are immutable
			w.expr(e.X, s)
			w.expr(e.Index, s)
			return
		}
		if w.location(e, s) {
			w.access(e, s, false)
		}
	case *ast.IndexListExpr:
		w.expr(e.X, s)
	case *ast.SliceExpr:
		if _, ok := w.info.TypeOf(e.X).Underlying().(*types.Array); ok {
			w.locationOperands(e.X, s)
		} else {
			w.expr(e.X, s)
		}
		w.expr(e.Low, s)
		w.expr(e.High, s)
		w.expr(e.Max, s)
	case *ast.StarExpr:
		if w.location(e, s) {
			w.access(e, s, false)
		}
	case *ast.UnaryExpr:
		switch e.Op {
		case token.AND:
			w.locationOperands(e.X, s)
			if lit, ok := ast.Unparen(e.X).(*ast.CompositeLit); ok {
				w.newExpr(e, lit.Lbrace)
			}
		case token.ARROW:
			w.expr(e.X, s)
			if !w.noRewrite[e] {
				name := "__rt_chan_Recv"
				if w.recv2[e] {
					name = "__rt_chan_Recv2"
				}
				w.useHelper(name, chanHelpers[name])
				w.fs.buf.replace(w.fs.off(e.OpPos), w.fs.off(e.OpPos)+2, prioOpen, name+"(")
				w.fs.buf.insert(w.fs.off(e.End()), prioClose, ")")
			}
		default:
			w.expr(e.X, s)
		}
	case *ast.BinaryExpr:
		w.expr(e.X, s)
		if e.Op == token.LAND || e.Op == token.LOR {
			// The right operand runs only sometimes: its hooks run with
			// it, in a closure in front of it.
			ys := &sink{}
			w.expr(e.Y, ys)
			if len(ys.hooks) > 0 {
				w.condClosure(e.Y, ys, e.Op)
			}
			return
		}
		w.expr(e.Y, s)
	case *ast.CallExpr:
		w.call(e, s)
	case *ast.TypeAssertExpr:
		w.expr(e.X, s)
	case *ast.KeyValueExpr:
		w.expr(e.Key, s)
		w.expr(e.Value, s)
	}
}

// osExit turns a reference to os.Exit into rt.Exit, which prints the race
// summary first; os.Exit stays mentioned so its import stays used:
//
//	os.Exit(2)  →  __rt_osExit(os.Exit)(2)
func (w *funcWalker) osExit(e ast.Expr) {
	w.fs.usesRT = true
	w.useHelper("__rt_osExit", osExitHelper)
	w.fs.buf.insert(w.fs.off(e.Pos()), prioOpen, "__rt_osExit(")
	w.fs.buf.insert(w.fs.off(e.End()), prioClose, ")")
}

const osExitHelper = `func __rt_osExit(func(int)) func(int) {
	return __rt.Exit
}
`

// location walks the operands of the addressable expression e (not e's
// own memory) and reports whether e's memory can be reached by another
// goroutine: a global, a variable SSA puts on the heap, or anything
// reached through a pointer, slice or map value.
func (w *funcWalker) location(e ast.Expr, s *sink) bool {
	switch e := e.(type) {
	case *ast.Ident:
		v, ok := w.info.Uses[e].(*types.Var)
		return ok && w.sharedVar(v)
	case *ast.ParenExpr:
		return w.location(e.X, s)
	case *ast.SelectorExpr:
		sel := w.info.Selections[e]
		if sel == nil {
			v, ok := w.info.Uses[e.Sel].(*types.Var)
			return ok && w.sharedVar(v)
		}
		if sel.Kind() != types.FieldVal {
			w.expr(e, s)
			return false
		}
		if isPointer(w.info.TypeOf(e.X)) {
			w.expr(e.X, s)
			return true
		}
		if sel.Indirect() { // through an embedded pointer
			w.locationOperands(e.X, s)
			return true
		}
		if w.addressable(e.X) {
			return w.location(e.X, s)
		}
		w.expr(e.X, s)
		return false
	case *ast.IndexExpr:
		switch xt := w.info.TypeOf(e.X).Underlying().(type) {
		case *types.Slice, *types.Pointer:
			w.expr(e.X, s)
			w.expr(e.Index, s)
			return true
		case *types.Array:
			shared := false
			if w.addressable(e.X) {
				shared = w.location(e.X, s)
			} else {
				w.expr(e.X, s)
			}
			w.expr(e.Index, s)
			return shared
		default:
			_ = xt
			w.expr(e.X, s)
			w.expr(e.Index, s)
			return false
		}
	case *ast.StarExpr:
		w.expr(e.X, s)
		return true
	}
	w.expr(e, s)
	return false
}

// locationOperands walks the operands of &e.
func (w *funcWalker) locationOperands(e ast.Expr, s *sink) {
	e = ast.Unparen(e)
	if _, ok := e.(*ast.CompositeLit); ok {
		w.expr(e, s)
		return
	}
	w.location(e, s)
}

func (w *funcWalker) addressable(e ast.Expr) bool {
	tv, ok := w.info.Types[e]
	return ok && tv.Addressable()
}

// sharedVar reports whether v may be accessed by more than one goroutine:
// a package-level variable, or a local that SSA allocates on the heap
// (captured by a closure, or its address taken). Locals in registers or
// in non-escaping frame slots cannot race.
func (w *funcWalker) sharedVar(v *types.Var) bool {
	if v.IsField() || v.Name() == "_" {
		return false
	}
	if v.Pkg() != nil && v.Parent() == v.Pkg().Scope() {
		return true
	}
	return w.fs.p.heap[v.Pos()]
}

// receiver walks the receiver of a method value or call x.m.
func (w *funcWalker) receiver(e *ast.SelectorExpr, sel *types.Selection, s *sink) {
	fn := sel.Obj().(*types.Func)
	xt := w.info.TypeOf(e.X)
	if types.IsInterface(xt) {
		w.expr(e.X, s)
		return
	}
	_, ptrRecv := fn.Signature().Recv().Type().(*types.Pointer)
	switch {
	case isPointer(xt):
		w.expr(e.X, s)
		if !ptrRecv && len(sel.Index()) == 1 {
			// x.m with a value receiver copies *x.
			w.derefCopy(e.X, s)
		}
	case ptrRecv || len(sel.Index()) > 1:
		w.locationOperands(e.X, s)
	default:
		w.expr(e.X, s) // a copy of x
	}
}

// derefCopy hooks the read of all of *p.
func (w *funcWalker) derefCopy(p ast.Expr, s *sink) {
	if w.syncOnly() {
		return
	}
	pt, ok := w.info.TypeOf(p).Underlying().(*types.Pointer)
	if !ok || w.zeroSize(pt.Elem()) {
		return
	}
	txt, idents, ok := w.pureText(p)
	if !ok {
		w.fs.warn(p.Pos(), "receiver has side effects: copy not hooked")
		return
	}
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	text := "__rt.ReadRange(uintptr(__unsafe.Pointer(" + txt + ")), __unsafe.Sizeof(*" + paren(p, txt) + "))"
	// *p is read: p must not be nil.
	text, universe := w.guardHook(text, &ast.StarExpr{Star: p.Pos(), X: p})
	s.add(hook{
		text:     text,
		universe: universe,
		key:      "range:" + txt,
		idents:   idents,
		pos:      p.Pos(),
	})
}

// access adds the hook of one read or write of e's memory. A struct, array
// or type-parameter value is a range (a copy); any other value is checked
// by its first byte.
func (w *funcWalker) access(e ast.Expr, s *sink, write bool) {
	if w.syncOnly() {
		return
	}
	t := w.info.TypeOf(e)
	if t == nil || w.zeroSize(t) {
		return
	}
	var ptr string
	var idents []*ast.Ident
	var ok bool
	val := ""
	// A type assertion on the way is evaluated again only under its
	// guard.
	asserts := w.pureAsserting(e, true)
	if asserts && !w.pure(e) {
		if _, ok := w.guard(e); !ok {
			asserts = false
		}
	}
	if st, isStar := ast.Unparen(e).(*ast.StarExpr); isStar && asserts {
		ptr, idents, ok = w.textOf(st.X)
		val = "*" + paren(st.X, ptr)
	} else if asserts {
		var txt string
		txt, idents, ok = w.textOf(e)
		ptr, val = "&"+txt, txt
	}
	if !ok {
		if !w.hookThrough(e, write) {
			w.fs.warn(e.Pos(), "address has side effects or spans lines: access not hooked")
		}
		return
	}
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	kind := "Read"
	if write {
		kind = "Write"
	}
	var text, key string
	if isComposite(t) {
		text = "__rt." + kind + "Range(uintptr(__unsafe.Pointer(" + ptr + ")), __unsafe.Sizeof(" + val + "))"
		key = "range:" + ptr
	} else {
		text = "__rt." + kind + "(uintptr(__unsafe.Pointer(" + ptr + ")))"
		key = "word:" + ptr
	}
	text, universe := w.guardHook(text, e)
	s.add(hook{text: text, key: key, write: write, idents: idents, universe: universe, pos: e.Pos()})
}

// hookThrough hooks an access through a pointer that an operand with side
// effects yields (f().x, n.(*T).x, *f()) where that operand is evaluated,
// and reports whether it did: a helper takes the pointer, records the
// access at the field's offset (unsafe.Offsetof and Sizeof do not evaluate
// their operand) unless the pointer is nil, and returns it.
//
//	f().x   →   __rt_readAt(f(), __unsafe.Offsetof(f().x), __unsafe.Sizeof(f().x)).x
//	*f()    →   *__rt_readAt(f(), 0, __unsafe.Sizeof(*f()))
func (w *funcWalker) hookThrough(e ast.Expr, write bool) bool {
	var x ast.Expr // the pointer operand
	var off, size string
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		sel := w.info.Selections[e]
		if sel == nil || sel.Kind() != types.FieldVal || !isPointer(w.info.TypeOf(e.X)) || !directField(w.info.TypeOf(e.X), sel) {
			return false
		}
		txt, _, ok := w.textOf(e.X)
		if !ok {
			return false
		}
		fx := paren(e.X, txt) + "." + e.Sel.Name
		x, off, size = e.X, "__unsafe.Offsetof("+fx+")", "__unsafe.Sizeof("+fx+")"
	case *ast.StarExpr:
		if !isPointer(w.info.TypeOf(e.X)) {
			return false
		}
		txt, _, ok := w.textOf(e.X)
		if !ok {
			return false
		}
		x, off, size = e.X, "0", "__unsafe.Sizeof(*"+paren(e.X, txt)+")"
	default:
		return false
	}
	kind := "Read"
	if write {
		kind = "Write"
	}
	name := "__rt_" + strings.ToLower(kind) + "At"
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	w.useHelper(name, "func "+name+"[P ~*E, E any](p P, off, size uintptr) P {\n\tif p != nil {\n\t\t__rt."+kind+"Range(uintptr(__unsafe.Pointer(p))+off, size)\n\t}\n\treturn p\n}\n")
	w.fs.buf.wrap(w.fs.off(x.Pos()), w.fs.off(x.End()), name+"(", ", "+off+", "+size+")")
	return true
}

// directField reports whether the field sel selects from a value of
// pointer type pt is in the struct pt points to, or promoted through
// fields embedded by value: unsafe.Offsetof takes no other.
func directField(pt types.Type, sel *types.Selection) bool {
	t := pt.Underlying().(*types.Pointer).Elem()
	path := sel.Index()
	for _, i := range path[:len(path)-1] {
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return false
		}
		t = st.Field(i).Type()
		if isPointer(t) {
			return false
		}
	}
	return true
}

// ptrBits returns an expression for the bits of a map or channel value
// (what rt keys the map's accesses or the channel's synchronisation on),
// if e can be evaluated again.
func (w *funcWalker) ptrBits(e ast.Expr) (hook, bool) {
	txt, idents, ok := w.pureText(e)
	if !ok {
		return hook{}, false
	}
	w.useHelper("__rt_ptr", ptrHelper)
	w.fs.usesRT = true
	return hook{text: "__rt_ptr(" + txt + ")", idents: idents}, true
}

// ptrHelper returns the pointer a map or channel value is.
const ptrHelper = `func __rt_ptr[P any](p P) uintptr {
	return *(*uintptr)(__unsafe.Pointer(&p))
}
`

// mapHook adds the hook of a map access: a read or write of the map's
// header address, so that map writes race with concurrent reads and
// writes, as under -race. A map operand that cannot be evaluated again
// (len(f()), f()[k] = v) is wrapped in a helper that makes the access
// where the operand is evaluated.
func (w *funcWalker) mapHook(m ast.Expr, s *sink, write bool) {
	if w.syncOnly() {
		return
	}
	if _, lit := ast.Unparen(m).(*ast.CompositeLit); lit {
		return // a new map nobody else sees
	}
	kind := "Read"
	if write {
		kind = "Write"
	}
	a, ok := w.ptrBits(m)
	if !ok {
		// m cannot be evaluated again (a call, a receive): hook the map
		// where it is evaluated, by passing it through a helper.
		name := "__rt_map" + kind
		w.useHelper("__rt_ptr", ptrHelper)
		w.fs.usesRT = true
		w.useHelper(name, "func "+name+"[M any](m M) M {\n\t__rt."+kind+"(__rt_ptr(m))\n\treturn m\n}\n")
		w.fs.buf.wrap(w.fs.off(m.Pos()), w.fs.off(m.End()), name+"(", ")")
		return
	}
	text, universe := w.guardHook("__rt."+kind+"("+a.text+")", m)
	s.add(hook{text: text, key: "map:" + a.text, write: write, idents: a.idents, universe: universe, pos: m.Pos()})
}

// sliceRangeHook adds a range hook over the elements of slice x; n is the
// element count expression with x as its argument ("len", or "min" text).
func (w *funcWalker) sliceRangeHook(x ast.Expr, s *sink, write bool, n string) {
	if w.syncOnly() {
		return
	}
	// Where len is not the predeclared one (a result named len), the
	// hook could not be placed: the helper names none.
	if n == "len" && w.sliceWrap(x, write, !w.universal(rangeNames, x.Pos())) {
		return
	}
	w.sliceRange(x, s, write, func(txt string) string { return n + "(" + txt + ")" }, nil)
}

// rangeNames are the predeclared names of a range hook's text.
var rangeNames = []string{"len", "min", "uintptr"}

// sliceWrap hooks the elements of a slice operand x that cannot be
// evaluated again (string(f()), append(s, f()...), range f()), or any x
// if always, where it is evaluated, by passing it through a helper, as
// mapHook does for a map; it reports whether it did. The walk of x made
// the rewrites inside it already: the helper's call goes around them.
func (w *funcWalker) sliceWrap(x ast.Expr, write, always bool) bool {
	if _, ok := w.info.TypeOf(x).Underlying().(*types.Slice); !ok {
		return false
	}
	if _, lit := ast.Unparen(x).(*ast.CompositeLit); lit || w.pure(x) && !always {
		return false
	}
	kind := "ReadRange"
	if write {
		kind = "WriteRange"
	}
	name := "__rt_slice" + kind
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	w.useHelper(name, "func "+name+"[S ~[]E, E any](s S) S {\n\tif len(s) > 0 {\n\t\t__rt."+kind+"(uintptr(__unsafe.Pointer(__unsafe.SliceData(s))), uintptr(len(s))*__unsafe.Sizeof(s[0]))\n\t}\n\treturn s\n}\n")
	w.fs.buf.wrap(w.fs.off(x.Pos()), w.fs.off(x.End()), name+"(", ")")
	return true
}

// The hook's count may evaluate others too (copy's other operand): its
// guard covers them.
func (w *funcWalker) sliceRange(x ast.Expr, s *sink, write bool, count func(string) string, extra []*ast.Ident, others ...ast.Expr) {
	if w.syncOnly() {
		return
	}
	if _, ok := w.info.TypeOf(x).Underlying().(*types.Slice); !ok {
		return
	}
	if _, lit := ast.Unparen(x).(*ast.CompositeLit); lit {
		return // a new slice nobody else sees
	}
	txt, idents, ok := w.pureText(x)
	if !ok {
		w.fs.warn(x.Pos(), "slice operand has side effects: element range not hooked")
		return
	}
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	kind := "ReadRange"
	if write {
		kind = "WriteRange"
	}
	text := "__rt." + kind + "(uintptr(__unsafe.Pointer(__unsafe.SliceData(" + txt + "))), uintptr(" + count(txt) + ")*__unsafe.Sizeof(" + paren(x, txt) + "[0]))"
	text, universe := w.guardHook(text, append([]ast.Expr{x}, others...)...)
	s.add(hook{
		text:     text,
		universe: universe,
		key:      "slice:" + kind + count(txt) + ":" + txt,
		write:    write,
		idents:   append(idents, extra...),
		pos:      x.Pos(),
	})
}

// call walks a call: conversions, builtins, synchronising operations
// (rewritten to helpers), os.Exit (rewritten to rt.Exit), and ordinary
// calls.
func (w *funcWalker) call(e *ast.CallExpr, s *sink) {
	fun := ast.Unparen(e.Fun)
	if tv := w.info.Types[fun]; tv.IsType() {
		for _, a := range e.Args {
			w.expr(a, s)
		}
		// string(b) reads b's elements.
		if len(e.Args) == 1 && isString(tv.Type) {
			if _, ok := w.info.TypeOf(e.Args[0]).Underlying().(*types.Slice); ok {
				w.sliceRangeHook(e.Args[0], s, false, "len")
			}
		}
		return
	}
	switch obj := w.calleeObj(fun).(type) {
	case *types.Builtin:
		w.builtin(e, obj, s)
		return
	case *types.Func:
		if op, ok := lookupSyncOp(obj); ok {
			w.syncCall(e, op, s)
			return
		}
		if op, ok := lookupTestingOp(obj); ok {
			w.useHelper("__rt_testing_parents", testingParentsHelper)
			w.syncCall(e, op, s)
			return
		}
		// f(g()) with a multi-value g has no place for the receiver.
		if op, ok := lookupReflectOp(obj); ok && !w.syncOnly() && len(e.Args) == op.fn.Signature().Params().Len() {
			if op.fn.Signature().Recv() == nil {
				w.reflectCopy(e, op, s)
			} else {
				w.fs.usesRT = true
				w.syncCall(e, op, s)
			}
			return
		}
		if !w.syncOnly() {
			w.ioCall(e, obj)
		}
		w.timerReset(fun, obj, s)
	}
	if sel, ok := fun.(*ast.SelectorExpr); ok {
		w.promotedRecv(sel, s)
	}
	w.expr(fun, s)
	for _, a := range e.Args {
		w.expr(a, s)
	}
}

// timerReset: the runtime sends on a time.Timer's or Ticker's channel
// after Reset (-race: Reset releases, the timer firing acquires, the
// runtime's send and the user's receive are an edge). The send is not
// hooked, so Reset is rt.ChanBroadcast on the channel: every receive of
// t.C that completes after it acquires it.
func (w *funcWalker) timerReset(fun ast.Expr, fn *types.Func, s *sink) {
	if fn.Name() != "Reset" || fn.Pkg() == nil || fn.Pkg().Path() != "time" {
		return
	}
	recv := fn.Signature().Recv()
	sel, ok := fun.(*ast.SelectorExpr)
	if recv == nil || !ok {
		return
	}
	if p, ok := recv.Type().(*types.Pointer); !ok || !isNamed(p.Elem(), "time", "Timer", "Ticker") {
		return
	}
	if sl := w.info.Selections[sel]; sl == nil || len(sl.Index()) != 1 {
		return // promoted through an embedding: keep it simple
	}
	txt, idents, ok := w.pureText(sel.X)
	if !ok {
		return
	}
	w.useHelper("__rt_ptr", ptrHelper)
	w.fs.usesRT = true
	s.add(hook{text: "__rt.ChanBroadcast(__rt_ptr((" + txt + ").C))", idents: idents, pos: sel.Pos()})
}

// promotedRecv adds the reads a call of a method promoted through
// embedded fields makes to get its receiver: the embedded pointer it
// follows, and the value a value receiver copies.
func (w *funcWalker) promotedRecv(sel *ast.SelectorExpr, s *sink) {
	if w.syncOnly() {
		return
	}
	sl := w.info.Selections[sel]
	if sl == nil || sl.Kind() != types.MethodVal || len(sl.Index()) < 2 {
		return
	}
	fn, ok := sl.Obj().(*types.Func)
	if !ok || fn.Signature().Recv() == nil {
		return
	}
	xt := w.info.TypeOf(sel.X)
	addressable := false
	if _, ok := xt.Underlying().(*types.Pointer); ok {
		addressable = true
	} else if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
		_, addressable = w.info.Uses[id].(*types.Var)
	}
	if !addressable {
		return
	}
	txt, idents, ok := w.pureText(sel.X)
	if !ok {
		return
	}
	path := paren(sel.X, txt)
	t := xt
	for _, i := range sl.Index()[:len(sl.Index())-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return
		}
		f := st.Field(i)
		if !f.Exported() && f.Pkg() != w.fs.p.in.Pkg {
			return
		}
		path += "." + f.Name()
		t = f.Type()
	}
	_, ptrRecv := fn.Signature().Recv().Type().Underlying().(*types.Pointer)
	read := func(ptr string, t types.Type, val string) {
		if w.zeroSize(t) {
			return
		}
		text := "__rt.Read(uintptr(__unsafe.Pointer(" + ptr + ")))"
		if isComposite(t) {
			text = "__rt.ReadRange(uintptr(__unsafe.Pointer(" + ptr + ")), __unsafe.Sizeof(" + val + "))"
		}
		w.fs.usesRT, w.fs.usesUnsafe = true, true
		s.add(hook{text: text, key: "recv:" + text, idents: idents, pos: sel.Pos()})
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		read("&"+path, t, path)
		if !ptrRecv {
			read(path, p.Elem(), "*"+path)
		}
	} else if !ptrRecv {
		if _, iface := t.Underlying().(*types.Interface); !iface {
			read("&"+path, t, path)
		}
	}
}

func isNamed(t types.Type, pkg string, names ...string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != pkg {
		return false
	}
	for _, name := range names {
		if n.Obj().Name() == name {
			return true
		}
	}
	return false
}

func (w *funcWalker) builtin(e *ast.CallExpr, b *types.Builtin, s *sink) {
	switch b.Name() {
	case "Sizeof", "Alignof", "Offsetof": // unsafe: operands not evaluated
		return
	}
	for i, a := range e.Args {
		if i == 0 && b.Name() == "make" {
			continue // a type
		}
		w.expr(a, s) // new(T), or new(e) since Go 1.26
	}
	if b.Name() == "new" {
		// SSA's Alloc of new is at the call's Lparen (its documentation
		// says Rparen).
		pos := e.Lparen
		if !w.fs.p.heap[pos] {
			pos = e.Rparen
		}
		w.newExpr(e, pos)
		return
	}
	if len(e.Args) == 1 && !e.Ellipsis.IsValid() {
		if _, multi := w.info.TypeOf(e.Args[0]).(*types.Tuple); multi {
			// copy(f()), delete(g()), append(h()): the operands are
			// results, not expressions the hooks could name.
			return
		}
	}
	switch b.Name() {
	case "close":
		w.useHelper("__rt_chan_Close", chanHelpers["__rt_chan_Close"])
		w.fs.buf.replace(w.fs.off(e.Fun.Pos()), w.fs.off(e.Fun.End()), prioOpen, "__rt_chan_Close")
	case "delete":
		w.mapHook(e.Args[0], s, true)
	case "len":
		// A map's length is read from its header (-race: a read of the map).
		if isMap(w.info.TypeOf(e.Args[0])) {
			w.mapHook(e.Args[0], s, false)
		}
	case "clear":
		if isMap(w.info.TypeOf(e.Args[0])) {
			w.mapHook(e.Args[0], s, true)
		} else {
			w.sliceRangeHook(e.Args[0], s, true, "len")
		}
	case "copy":
		if w.syncOnly() {
			return
		}
		dst, src := e.Args[0], e.Args[1]
		if !w.pure(dst) || !w.pure(src) || !w.universal(rangeNames, e.Pos()) {
			w.copyHelper(e)
			return
		}
		srcTxt, srcIdents, _ := w.pureText(src)
		w.sliceRange(dst, s, true, func(d string) string { return "min(len(" + d + "), len(" + srcTxt + "))" }, srcIdents, src)
		dstTxt, dstIdents, ok := w.pureText(dst)
		if ok {
			w.sliceRange(src, s, false, func(x string) string { return "min(len(" + dstTxt + "), len(" + x + "))" }, dstIdents, dst)
		}
	case "append":
		if e.Ellipsis.IsValid() && len(e.Args) == 2 {
			w.sliceRangeHook(e.Args[1], s, false, "len")
		}
		w.appendHook(e, s)
	}
}

// copyHelper hooks a copy with an operand that cannot be evaluated again
// (copy(dst, f()), copy(g(), src)), or where the hooks' min or len is not
// the predeclared one, by calling a helper in its place, which
// hooks the bytes copied once both operands are evaluated and then
// copies: copy(dst, f()) → __rt_copy(dst, f()).
func (w *funcWalker) copyHelper(e *ast.CallExpr) {
	dt, ok := w.info.TypeOf(e.Args[0]).Underlying().(*types.Slice)
	if !ok {
		w.fs.warn(e.Pos(), "copy of a type-parameter operand with side effects not hooked")
		return
	}
	name := "__rt_copy"
	text := copySliceHelper
	switch st := w.info.TypeOf(e.Args[1]).Underlying().(type) {
	case *types.Slice:
	case *types.Basic:
		if st.Info()&types.IsString == 0 || !types.Identical(dt.Elem(), types.Typ[types.Byte]) {
			return // not a valid copy: the type checker said so
		}
		name, text = "__rt_copyString", copyStringHelper
	default:
		w.fs.warn(e.Pos(), "copy of a type-parameter operand with side effects not hooked")
		return
	}
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	w.useHelper(name, text)
	w.fs.buf.replace(w.fs.off(e.Fun.Pos()), w.fs.off(e.Fun.End()), prioOpen, name)
}

// copySliceHelper and copyStringHelper are copy with its hooks: a write of
// the elements of dst that it copies to, and a read of those of src.
const (
	copySliceHelper = `func __rt_copy[D ~[]E, S ~[]E, E any](dst D, src S) int {
	if n := min(len(dst), len(src)); n > 0 {
		size := __unsafe.Sizeof(dst[0])
		__rt.WriteRange(uintptr(__unsafe.Pointer(__unsafe.SliceData(dst))), uintptr(n)*size)
		__rt.ReadRange(uintptr(__unsafe.Pointer(__unsafe.SliceData(src))), uintptr(n)*size)
	}
	return copy(dst, src)
}
`
	copyStringHelper = `func __rt_copyString[D ~[]byte, S ~string](dst D, src S) int {
	if n := min(len(dst), len(src)); n > 0 {
		__rt.WriteRange(uintptr(__unsafe.Pointer(__unsafe.SliceData(dst))), uintptr(n))
	}
	return copy(dst, src)
}
`
)

// appendHook adds the access append makes to its first operand's array:
// when the result fits in its capacity, a write of the elements past its
// length; otherwise a read of its elements (growslice copies them).
func (w *funcWalker) appendHook(e *ast.CallExpr, s *sink) {
	if len(e.Args) < 2 || w.syncOnly() {
		return
	}
	x := e.Args[0]
	if _, ok := w.info.TypeOf(x).Underlying().(*types.Slice); !ok {
		return
	}
	if _, lit := ast.Unparen(x).(*ast.CompositeLit); lit {
		return // fresh memory
	}
	txt, idents, ok := w.pureText(x)
	if !ok {
		return
	}
	n := strconv.Itoa(len(e.Args) - 1)
	if e.Ellipsis.IsValid() {
		ntxt, nidents, ok := w.pureText(e.Args[1])
		if !ok {
			return
		}
		n = "len(" + ntxt + ")"
		idents = append(idents, nidents...)
	}
	w.useHelper("__rt_append", appendHelper)
	w.fs.usesRT, w.fs.usesUnsafe = true, true
	text := "__rt_append(" + txt + ", " + n + ")"
	key := "append:" + text
	operands := []ast.Expr{x}
	if e.Ellipsis.IsValid() {
		operands = append(operands, e.Args[1])
	}
	text, universe := w.guardHook(text, operands...)
	s.add(hook{text: text, key: key, write: true, idents: idents, universe: universe, pos: x.Pos()})
}

// appendHelper records append's access to s's array, for n more elements.
const appendHelper = `func __rt_append[S ~[]E, E any](s S, n int) {
	var z E
	size := __unsafe.Sizeof(z)
	if size == 0 || n == 0 && len(s) == 0 {
		return
	}
	p := uintptr(__unsafe.Pointer(__unsafe.SliceData(s)))
	if len(s)+n > cap(s) {
		if len(s) > 0 {
			__rt.ReadRange(p, uintptr(len(s))*size)
		}
	} else if n > 0 {
		__rt.WriteRange(p+uintptr(len(s))*size, uintptr(n)*size)
	}
}
`

// syncCall rewrites a call of a synchronising function or method into a
// call of its helper, keeping the receiver and arguments where they are:
//
//	x.mu.Lock()         →  __rt_sync_Mutex_Lock(&x.mu)
//	s.Lock()  (embedded) →  __rt_sync_Mutex_Lock(&s.Mutex)
//	p.Load()  (*atomic.Int64)  →  __rt_atomic_Int64_Load(p)
//	atomic.AddInt64(&n, 1)     →  __rt_atomic_AddInt64(&n, 1)
func (w *funcWalker) syncCall(e *ast.CallExpr, op *syncOp, s *sink) {
	fs := w.fs
	fun := ast.Unparen(e.Fun)
	for _, a := range e.Args {
		w.expr(a, s)
	}
	if op.fn.Signature().Recv() == nil {
		w.useHelper(op.helper, op.helperText())
		fs.buf.replace(fs.off(fun.Pos()), fs.off(fun.End()), prioOpen, op.helper)
		if sel, ok := fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if pn, ok := w.info.Uses[id].(*types.PkgName); ok {
					typ := map[string]string{"sync": "Mutex", "sync/atomic": "Value"}[pn.Imported().Path()]
					if typ != "" {
						if fs.keepImports == nil {
							fs.keepImports = map[string]string{}
						}
						fs.keepImports[id.Name] = typ
					}
				}
			}
		}
		return
	}
	sel, ok := fun.(*ast.SelectorExpr)
	selection := w.info.Selections[sel]
	if !ok || selection == nil || selection.Kind() != types.MethodVal {
		w.expr(fun, s)
		fs.warn(e.Pos(), "method expression of "+op.fn.FullName()+": synchronisation not recorded")
		return
	}
	xt := w.info.TypeOf(sel.X)
	// The receiver is walked after the helper's opening text is placed,
	// so that a rewrite inside it (x.Elem().SetInt(1)) nests inside.
	walkRecv := func() {
		if op.byValue {
			w.receiver(sel, selection, s) // x.m's copy of the receiver
		} else if op.iface || isPointer(xt) {
			w.expr(sel.X, s)
		} else {
			w.locationOperands(sel.X, s)
		}
	}
	// The embedded fields between x and the method's receiver.
	path := ""
	t := xt
	idx := selection.Index()
	for _, i := range idx[:len(idx)-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			walkRecv()
			fs.warn(e.Pos(), "cannot follow embedded fields: synchronisation not recorded")
			return
		}
		f := st.Field(i)
		path += "." + f.Name()
		t = f.Type()
	}
	gap := string(fs.buf.src[fs.off(sel.X.End()):fs.off(e.Lparen)])
	if strings.ContainsAny(gap, "\n/") {
		walkRecv()
		fs.warn(e.Pos(), "method call spans lines: synchronisation not recorded")
		return
	}
	amp := ""
	switch {
	case op.byValue:
		if isPointer(t) {
			amp = "*"
		}
	case !op.iface && !isPointer(t) && !types.IsInterface(t):
		amp = "&"
	}
	w.useHelper(op.helper, op.helperText())
	args := ""
	if op.spec.custom == "waitGroupGo" {
		fs.usesRT = true
		args = ", __rt.Go()"
	}
	if op.spec.custom == "testingRun" && len(e.Args) == 2 {
		// After the arguments, so the subtest sees their effects.
		fs.usesRT = true
		fs.buf.insert(fs.off(e.Args[1].End()), prioAfter, ", __rt.Go()")
	}
	if len(e.Args) > 0 {
		args += ", "
	}
	fs.buf.insert(fs.off(sel.X.Pos()), prioOpen, op.helper+"("+amp)
	fs.buf.replace(fs.off(sel.X.End()), fs.off(e.Lparen)+1, prioOpen, path+args)
	walkRecv()
}

// useHelper records that the package needs a helper.
func (w *funcWalker) useHelper(name, text string) {
	w.fs.p.helpers[name] = text
}

// pureText returns e's source if e can be evaluated again before or after
// its own evaluation with the same result and no effect: variables,
// constants, field selections, indexing, dereferences, conversions and
// len/cap of such; on one line, without comments.
func (w *funcWalker) pureText(e ast.Expr) (string, []*ast.Ident, bool) {
	if !w.pure(e) {
		return "", nil, false
	}
	return w.textOf(e)
}

// textOf is pureText's text and identifiers of e, on one line, without
// comments.
func (w *funcWalker) textOf(e ast.Expr) (string, []*ast.Ident, bool) {
	txt := w.fs.text(e)
	if strings.ContainsAny(txt, "\n") || strings.Contains(txt, "//") || strings.Contains(txt, "/*") {
		return "", nil, false
	}
	var idents []*ast.Ident
	// Selected names (x.f, pkg.V) are not looked up in scopes.
	var collect func(e ast.Expr)
	collect = func(e ast.Expr) {
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				collect(n.X)
				return false
			case *ast.Ident:
				if w.info.Uses[n] != nil {
					idents = append(idents, n)
				}
			}
			return true
		})
	}
	collect(e)
	return txt, idents, true
}

func (w *funcWalker) pure(e ast.Expr) bool { return w.pureAsserting(e, false) }

// pureAsserting is pure, and with asserts, type assertions are pure too:
// evaluating one again cannot change anything, but it panics if it
// fails, so its hook needs a guard (guard.go).
func (w *funcWalker) pureAsserting(e ast.Expr, asserts bool) bool {
	if tv, ok := w.info.Types[e]; ok && (tv.Value != nil || tv.IsType()) {
		return true
	}
	pure := func(x ast.Expr) bool { return w.pureAsserting(x, asserts) }
	switch e := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return pure(e.X)
	case *ast.SelectorExpr:
		if sel := w.info.Selections[e]; sel != nil && sel.Kind() != types.FieldVal {
			return false
		}
		return pure(e.X)
	case *ast.IndexExpr:
		return pure(e.X) && pure(e.Index)
	case *ast.StarExpr:
		return pure(e.X)
	case *ast.TypeAssertExpr:
		return asserts && e.Type != nil && pure(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && pure(e.X)
	case *ast.BinaryExpr:
		return pure(e.X) && pure(e.Y)
	case *ast.SliceExpr:
		return pure(e.X) && (e.Low == nil || pure(e.Low)) && (e.High == nil || pure(e.High)) && (e.Max == nil || pure(e.Max))
	case *ast.CallExpr:
		if tv := w.info.Types[e.Fun]; tv.IsType() {
			return len(e.Args) == 1 && pure(e.Args[0])
		}
		if b, ok := w.calleeObj(e.Fun).(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
			return pure(e.Args[0])
		}
	}
	return false
}

// paren returns txt, parenthesised unless e is a primary expression.
func paren(e ast.Expr, txt string) string {
	switch ast.Unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.CallExpr, *ast.BasicLit:
		return txt
	}
	return "(" + txt + ")"
}

// Placing hooks.

// inScope reports whether every identifier of h resolves at pos to the
// object it denotes where the access is.
func (w *funcWalker) inScope(h hook, pos token.Pos) bool {
	if len(h.universe) > 0 && !w.universal(h.universe, pos) {
		return false
	}
	names, ok := w.predeclaredIn(h)
	if !ok || !w.universal(names, pos) {
		return false
	}
	scope := w.fs.p.in.Pkg.Scope().Innermost(pos)
	for _, id := range h.idents {
		want := w.info.Uses[id]
		if want == nil {
			continue
		}
		if _, isPkg := want.(*types.PkgName); isPkg {
			if scope == nil {
				return false
			}
		}
		if scope == nil {
			return false
		}
		if _, got := scope.LookupParent(id.Name, pos); got != want {
			return false
		}
	}
	return true
}

// predeclaredIn returns the predeclared names h's text uses (len, min,
// uintptr, nil, ...) other than the user's identifiers it copies: the hook
// can go only where they denote the predeclared objects (a function whose
// result is named len, a block declaring min, keep a hook that uses them
// out). It reports false if the text calls a name that one of the user's
// identifiers in it also has (a variable named uintptr in the address of
// a hook that converts with uintptr): no place has both.
func (w *funcWalker) predeclaredIn(h hook) ([]string, bool) {
	var names []string
	text := h.text
	for i := 0; i < len(text); {
		c := text[i]
		if !isIdentByte(c) || c >= '0' && c <= '9' {
			i++
			continue
		}
		j := i
		for j < len(text) && isIdentByte(text[j]) {
			j++
		}
		name := text[i:j]
		if (i == 0 || text[i-1] != '.') && types.Universe.Lookup(name) != nil {
			switch {
			case !w.userNamed(h, name):
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			case j < len(text) && text[j] == '(':
				return nil, false
			}
		}
		i = j
	}
	return names, true
}

// userNamed reports whether one of h's identifiers, or the variable of an
// allocation hook, is name and denotes an object of the user's, not a
// predeclared one.
func (w *funcWalker) userNamed(h hook, name string) bool {
	if name == h.name {
		return true // an allocation hook's variable
	}
	for _, id := range h.idents {
		if obj := w.info.Uses[id]; id.Name == name && obj != nil && obj.Parent() != types.Universe {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// usable filters hooks that can be placed at pos, warning about the rest.
func (w *funcWalker) usable(hooks []hook, pos token.Pos) []hook {
	var out []hook
	for _, h := range hooks {
		if w.inScope(h, pos) {
			out = append(out, h)
		} else {
			w.fs.warn(h.pos, "an operand is not in scope where the hook must go: access not hooked")
		}
	}
	return out
}

// placeBefore inserts the hooks before the statement at pos, dropping
// those made redundant by an earlier hook of the same list (cache) or of
// the same statement.
func (w *funcWalker) placeBefore(pos token.Pos, s *sink, cache accessCache) {
	hooks := w.usable(s.hooks, pos)
	if len(hooks) == 0 {
		return
	}
	hasSync := false
	for _, h := range hooks {
		if h.key == "" {
			hasSync = true
		}
	}
	// Within the statement: a read followed by a write of the same address
	// is covered by the write.
	writes := map[string]bool{}
	if !hasSync {
		for _, h := range hooks {
			if h.write {
				writes[h.key] = true
			}
		}
	}
	var texts []string
	seen := map[string]bool{}
	line := 0 // the line a directive gave the hooks so far (0: none)
	for _, h := range hooks {
		if h.key != "" {
			if !h.write && writes[h.key] {
				continue
			}
			if e, ok := cache[h.key]; ok && (e.write || !h.write) {
				continue
			}
			if seen[h.text] {
				continue
			}
			seen[h.text] = true
			ids := map[string]bool{}
			shared := false
			for _, id := range h.idents {
				ids[id.Name] = true
				if v, ok := w.info.Uses[id].(*types.Var); ok && w.sharedVar(v) {
					shared = true
				}
			}
			cache[h.key] = cacheEntry{write: h.write || cache[h.key].write, idents: ids, shared: shared}
		}
		texts = append(texts, w.lineOf(h.pos, pos, &line)+h.text)
	}
	if hasSync {
		clear(cache)
	}
	if len(texts) == 0 {
		return
	}
	restore := ""
	if line != 0 {
		restore = lineDirective(w.fs.p.in.Fset.Position(pos))
	}
	w.fs.buf.insert(w.fs.off(pos), prioStmt, strings.Join(texts, "; ")+"; "+restore)
}

// lineOf returns the /*line*/ directive that gives a hook placed before
// the statement at stmt the position of its access at pos, when the access
// is on a later line of the statement (a select's case, an operand on a
// line of its own), and *line is not that line already: a nil dereference
// in the hook then panics at the access's line, as the access would
// (test/fixedbugs/bug347.go), and a race report names that line. The
// caller restores the statement's own position after the hooks.
func (w *funcWalker) lineOf(pos, stmt token.Pos, line *int) string {
	if !pos.IsValid() {
		return ""
	}
	fset := w.fs.p.in.Fset
	p, s := fset.Position(pos), fset.Position(stmt)
	if p.Filename != s.Filename || p.Line <= s.Line {
		if *line != 0 && *line != s.Line {
			*line = s.Line
			return lineDirective(s)
		}
		return ""
	}
	if *line == p.Line {
		return ""
	}
	*line = p.Line
	return lineDirective(p)
}

// lineDirective is a /*line*/ comment giving the next character position p.
func lineDirective(p token.Position) string {
	return "/*line " + p.Filename + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) + "*/"
}

// placeAt inserts hooks at a byte offset (the start of a block or case).
func (w *funcWalker) placeAt(off int, pos token.Pos, s *sink, before, after string) {
	hooks := w.usable(s.hooks, pos)
	if len(hooks) == 0 {
		return
	}
	var texts []string
	for _, h := range hooks {
		texts = append(texts, h.text)
	}
	w.fs.buf.insert(off, prioStmt, before+strings.Join(texts, "; ")+after)
}

func (w *funcWalker) atBlockStart(b *ast.BlockStmt, s *sink) {
	if b == nil || s == nil || len(s.hooks) == 0 {
		return
	}
	w.placeAt(w.fs.off(b.Lbrace)+1, b.Lbrace+1, s, " ", ";")
}

// condClosure puts hooks in front of a condition operand e, in a closure
// that runs exactly when e is evaluated:
//
//	a && b  →  a && func() bool { hooks; return true }() && b
//	a || b  →  a || func() bool { hooks; return false }() || b
//
// A boolean of a defined type gets "== true", whose result is untyped.
func (w *funcWalker) condClosure(e ast.Expr, s *sink, op token.Token) {
	hooks := w.usable(s.hooks, e.Pos())
	if len(hooks) == 0 {
		return
	}
	var texts []string
	for _, h := range hooks {
		texts = append(texts, h.text)
	}
	val := "true"
	if op == token.LOR {
		val = "false"
	}
	cmp := ""
	if t := w.info.TypeOf(e); t != nil && !types.Identical(t, types.Typ[types.Bool]) && !types.Identical(t, types.Typ[types.UntypedBool]) {
		cmp = " == true"
	}
	text := "func() bool { " + strings.Join(texts, "; ") + "; return " + val + " }()" + cmp + " " + op.String() + " "
	w.fs.buf.insert(w.fs.off(e.Pos()), prioCond, text)
}

// loopTail places hooks where an iteration of the loop with this body
// ends: before the closing brace and before every continue that targets
// the loop (the post statement, the next receive of a range over a
// channel).
func (w *funcWalker) loopTail(body *ast.BlockStmt, label string, s *sink) {
	if len(s.hooks) == 0 {
		return
	}
	conts := continuesOf(body, label)
	pos := []token.Pos{body.Rbrace}
	for _, c := range conts {
		pos = append(pos, c.Pos())
	}
	hooks := s.hooks
	for _, p := range pos {
		hooks = w.usable(hooks, p)
	}
	if len(hooks) == 0 {
		return
	}
	var texts []string
	for _, h := range hooks {
		texts = append(texts, h.text)
	}
	text := strings.Join(texts, "; ")
	w.fs.buf.insert(w.fs.off(body.Rbrace), prioStmt, "; "+text+"; ")
	for _, c := range conts {
		w.fs.buf.insert(w.fs.off(c.Pos()), prioStmt, text+"; ")
	}
}

// continuesOf returns the continue statements in body that continue the
// loop body belongs to (labelled label, or "").
func continuesOf(body *ast.BlockStmt, label string) []*ast.BranchStmt {
	var out []*ast.BranchStmt
	var visit func(n ast.Node, nested bool)
	visit = func(n ast.Node, nested bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt:
				if n.Body != body {
					visit(n.Body, true)
					return false
				}
			case *ast.RangeStmt:
				if n.Body != body {
					visit(n.Body, true)
					return false
				}
			case *ast.BranchStmt:
				if n.Tok == token.CONTINUE {
					if (n.Label == nil && !nested) || (n.Label != nil && n.Label.Name == label && label != "") {
						out = append(out, n)
					}
				}
			}
			return true
		})
	}
	visit(body, false)
	return out
}

// Types.

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

func isMap(t types.Type) bool {
	_, ok := t.Underlying().(*types.Map)
	return ok
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// isComposite reports whether a value of t is hooked as a range.
func isComposite(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Struct, *types.Array:
		return true
	}
	_, isTP := types.Unalias(t).(*types.TypeParam)
	return isTP
}

// zeroSize reports whether t surely has size 0 (such values cannot race).
func (w *funcWalker) zeroSize(t types.Type) (zero bool) {
	if hasTypeParam(t) {
		return false
	}
	defer func() {
		if recover() != nil {
			zero = false
		}
	}()
	return w.fs.p.sizes.Sizeof(t) == 0
}

func hasTypeParam(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.TypeParam:
		return true
	case *types.Named:
		if ta := t.TypeArgs(); ta != nil {
			for i := range ta.Len() {
				if hasTypeParam(ta.At(i)) {
					return true
				}
			}
		}
		return false
	case *types.Array:
		return hasTypeParam(t.Elem())
	case *types.Struct:
		for i := range t.NumFields() {
			if hasTypeParam(t.Field(i).Type()) {
				return true
			}
		}
	}
	return false
}
