package instrument

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// Package reflect reads and writes the memory a reflect.Value addresses in
// std, which is not instrumented (under -race it is). Calls of the
// reflect.Value methods that access it, and of reflect.Copy, become calls
// of generated helpers that record the access and make the call:
//
//	v.Elem().SetInt(1)   →  __rt_reflect_Value_SetInt(v.Elem(), 1)
//	x := v.Int()         →  x := __rt_reflect_Value_Int(v)
//	reflect.Copy(d, s)   →  __rt_reflect_Copy(reflect.Copy, d, s)
//
// A setter writes the value's bytes (v.UnsafeAddr(), v.Type().Size())
// when v.CanSet(), a getter reads them when v.CanAddr(); a Value that is
// not addressable holds a copy no other goroutine can reach. The access is
// recorded before the call, as an instrumented access is before its
// statement. reflect.Copy writes the first n elements of dst and reads
// those of src (n: its result, so after the call), where they are shared
// memory: a slice's array, or an addressable array. The map methods
// (MapIndex, MapKeys, MapRange, SetMapIndex) read or write the map as an
// instrumented m[k] does (its pointer, one word).
//
// The helpers are generic over the Value (a type parameter constrained by
// the methods they call, inferred from the receiver), so the package
// needs no import of reflect beyond its own: a package can call Value's
// methods without importing reflect, and the compiler's import
// configuration then has no reflect to give the helper.

// reflectSpec is the access one reflect.Value method makes of the memory
// its receiver addresses.
type reflectSpec struct {
	write bool // a write (the method sets v: CanSet), else a read (CanAddr)
	// kinds is a condition on k, v.Kind().String(), under which the
	// method accesses v's memory at all ("" always): v.String() of an int
	// formats no memory, v.Len() of an array reads none.
	kinds string
	// arg: the method also reads its argument's bytes when addressable
	// (Set copies x).
	arg bool
	// onMap: the access is of the map v holds (its pointer, one word), as
	// the instrumented m[k] and m[k] = x record it.
	onMap bool
}

// reflectMethods is the one table of modelled reflect.Value methods.
var reflectMethods = map[string]reflectSpec{
	"Set":          {write: true, arg: true},
	"SetBool":      {write: true},
	"SetBytes":     {write: true},
	"SetCap":       {write: true},
	"SetComplex":   {write: true},
	"SetFloat":     {write: true},
	"SetInt":       {write: true},
	"SetIterKey":   {write: true},
	"SetIterValue": {write: true},
	"SetLen":       {write: true},
	"SetPointer":   {write: true},
	"SetString":    {write: true},
	"SetUint":      {write: true},
	"SetZero":      {write: true},
	// Grow may reallocate: it writes the slice header.
	"Grow": {write: true},

	"Bool":          {},
	"Complex":       {},
	"Float":         {},
	"Int":           {},
	"Uint":          {},
	"Interface":     {},
	"IsZero":        {},
	"Pointer":       {},
	"UnsafePointer": {},
	// An addressable Value that Elem accepts is a pointer or interface
	// variable: Elem reads it.
	"Elem":   {},
	"Bytes":  {kinds: `k == "slice"`},
	"String": {kinds: `k == "string"`},
	"Len":    {kinds: `k != "array"`},
	"Cap":    {kinds: `k != "array"`},
	// Index of a slice reads its header (of an array, nothing).
	"Index": {kinds: `k == "slice" || k == "string"`},

	"MapIndex":    {onMap: true},
	"MapKeys":     {onMap: true},
	"MapRange":    {onMap: true},
	"SetMapIndex": {write: true, onMap: true},
}

// lookupReflectOp recognises a modelled method of reflect.Value, or
// reflect.Copy.
func lookupReflectOp(fn *types.Func) (*syncOp, bool) {
	fn = fn.Origin()
	if fn.Pkg() == nil || fn.Pkg().Path() != "reflect" {
		return nil, false
	}
	sig := fn.Signature()
	if sig.Recv() == nil {
		if fn.Name() == "Copy" {
			return &syncOp{fn: fn, helper: "__rt_reflect_Copy", text: reflectCopyHelper, byValue: true}, true
		}
		return nil, false
	}
	if !isNamed(sig.Recv().Type(), "reflect", "Value") {
		return nil, false
	}
	spec, ok := reflectMethods[fn.Name()]
	if !ok {
		return nil, false
	}
	text, ok := reflectHelperText(fn, spec)
	if !ok {
		return nil, false
	}
	return &syncOp{fn: fn, helper: "__rt_reflect_Value_" + fn.Name(), text: text, byValue: true}, true
}

// reflectType spells t in a helper: reflect.Value is the type parameter V,
// *reflect.MapIter I, reflect.Kind K; other types must need no import.
func reflectType(t types.Type) (string, bool) {
	switch {
	case isNamed(t, "reflect", "Value"):
		return "V", true
	case isNamed(t, "reflect", "Kind"):
		return "K", true
	}
	switch t := types.Unalias(t).(type) {
	case *types.Pointer:
		if isNamed(t.Elem(), "reflect", "MapIter") {
			return "I", true
		}
	case *types.Slice:
		if e, ok := reflectType(t.Elem()); ok {
			return "[]" + e, true
		}
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return "__unsafe.Pointer", true
		}
		return t.Name(), true
	case *types.Named:
		if t.Obj().Pkg() == nil && t.Obj().Name() == "error" {
			return "error", true
		}
	case *types.Interface:
		if t.Empty() {
			return "any", true
		}
	}
	return "", false
}

// reflectHelperText writes the helper of one reflect.Value method:
//
//	func __rt_reflect_Value_SetInt[V interface {
//		CanSet() bool
//		SetInt(int64)
//		Type() T
//		UnsafeAddr() uintptr
//	}, T interface{ Size() uintptr }](r V, p0 int64) {
//		if r.CanSet() {
//			__rt.HelperWriteRange(r.UnsafeAddr(), r.Type().Size())
//		}
//		r.SetInt(p0)
//	}
func reflectHelperText(fn *types.Func, spec reflectSpec) (string, bool) {
	sig := fn.Signature()
	methods := map[string]string{}
	var params, args, results []string
	usesI := false
	for i := range sig.Params().Len() {
		t, ok := reflectType(sig.Params().At(i).Type())
		if !ok {
			return "", false
		}
		if sig.Variadic() && i == sig.Params().Len()-1 {
			t = "..." + strings.TrimPrefix(t, "[]")
			args = append(args, fmt.Sprintf("p%d...", i))
		} else {
			args = append(args, fmt.Sprintf("p%d", i))
		}
		usesI = usesI || t == "I"
		params = append(params, fmt.Sprintf("p%d %s", i, t))
	}
	for i := range sig.Results().Len() {
		t, ok := reflectType(sig.Results().At(i).Type())
		if !ok {
			return "", false
		}
		usesI = usesI || t == "I"
		results = append(results, t)
	}
	var ptypes []string
	for _, p := range params {
		ptypes = append(ptypes, p[strings.IndexByte(p, ' ')+1:])
	}
	resText := ""
	switch len(results) {
	case 0:
	case 1:
		resText = " " + results[0]
	default:
		resText = " (" + strings.Join(results, ", ") + ")"
	}
	methods[fn.Name()] = fn.Name() + "(" + strings.Join(ptypes, ", ") + ")" + resText

	var body strings.Builder
	kind := "Read"
	can := "CanAddr"
	if spec.write {
		kind = "Write"
		if !spec.onMap {
			can = "CanSet"
		}
	}
	usesK, usesT := false, false
	if spec.onMap {
		methods["Kind"] = "Kind() K"
		methods["Pointer"] = "Pointer() uintptr"
		usesK = true
		fmt.Fprintf(&body, "\tif r.Kind().String() == \"map\" && r.Pointer() != 0 {\n\t\t__rt.Helper%sRange(r.Pointer(), 1)\n\t}\n", kind)
	} else {
		methods[can] = can + "() bool"
		methods["UnsafeAddr"] = "UnsafeAddr() uintptr"
		methods["Type"] = "Type() T"
		usesT = true
		cond := "r." + can + "()"
		if spec.kinds != "" {
			methods["Kind"] = "Kind() K"
			usesK = true
			fmt.Fprintf(&body, "\tif k := r.Kind().String(); %s && (%s) {\n", cond, spec.kinds)
		} else {
			fmt.Fprintf(&body, "\tif %s {\n", cond)
		}
		fmt.Fprintf(&body, "\t\t__rt.Helper%sRange(r.UnsafeAddr(), r.Type().Size())\n\t}\n", kind)
		if spec.arg {
			methods["CanAddr"] = "CanAddr() bool"
			body.WriteString("\tif p0.CanAddr() {\n\t\t__rt.HelperReadRange(p0.UnsafeAddr(), p0.Type().Size())\n\t}\n")
		}
	}
	call := "r." + fn.Name() + "(" + strings.Join(args, ", ") + ")"
	if len(results) > 0 {
		fmt.Fprintf(&body, "\treturn %s\n", call)
	} else {
		fmt.Fprintf(&body, "\t%s\n", call)
	}

	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "func __rt_reflect_Value_%s[V interface {\n", fn.Name())
	for _, n := range names {
		fmt.Fprintf(&b, "\t%s\n", methods[n])
	}
	b.WriteString("}")
	if usesT {
		b.WriteString(", T interface{ Size() uintptr }")
	}
	if usesK {
		b.WriteString(", K interface{ String() string }")
	}
	if usesI {
		b.WriteString(", I any")
	}
	fmt.Fprintf(&b, "](r V")
	for _, p := range params {
		b.WriteString(", " + p)
	}
	fmt.Fprintf(&b, ")%s {\n%s}\n", resText, body.String())
	return b.String(), true
}

// reflectCopyHelper is reflect.Copy's: the elements copied are known
// after the call. The element count is the result, and both sides have
// the same element type.
const reflectCopyHelper = `func __rt_reflect_Copy[V interface {
	CanAddr() bool
	Kind() K
	Pointer() uintptr
	Type() T
	UnsafeAddr() uintptr
}, K interface{ String() string }, T interface {
	Elem() T
	Size() uintptr
}](f func(V, V) int, dst, src V) int {
	n := f(dst, src)
	if n > 0 {
		size := uintptr(n) * dst.Type().Elem().Size()
		if a := __rt_reflect_elems(dst); a != 0 {
			__rt.HelperWriteRange(a, size)
		}
		if a := __rt_reflect_elems(src); a != 0 {
			__rt.HelperReadRange(a, size)
		}
	}
	return n
}

// __rt_reflect_elems returns the address of v's elements if they are
// shared memory: a slice's array, an addressable array (0 otherwise: a
// string's bytes are immutable, an unaddressable array is a copy).
func __rt_reflect_elems[V interface {
	CanAddr() bool
	Kind() K
	Pointer() uintptr
	UnsafeAddr() uintptr
}, K interface{ String() string }](v V) uintptr {
	switch v.Kind().String() {
	case "slice":
		return v.Pointer()
	case "array":
		if v.CanAddr() {
			return v.UnsafeAddr()
		}
	}
	return 0
}
`

// reflectCopy rewrites reflect.Copy(dst, src) into
// __rt_reflect_Copy(reflect.Copy, dst, src): the function stays named, so
// the import of reflect stays used.
func (w *funcWalker) reflectCopy(e *ast.CallExpr, op *syncOp, s *sink) {
	fun := ast.Unparen(e.Fun)
	w.expr(fun, s)
	for _, a := range e.Args {
		w.expr(a, s)
	}
	if len(e.Args) != 2 || e.Ellipsis.IsValid() {
		return // Copy(f()): no place for the function value
	}
	fs := w.fs
	fs.usesRT = true
	w.useHelper(op.helper, op.text)
	fs.buf.insert(fs.off(e.Fun.Pos()), prioOpen, op.helper+"(")
	fs.buf.replace(fs.off(e.Fun.End()), fs.off(e.Lparen)+1, prioOpen, ", ")
}
