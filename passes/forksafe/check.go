package forksafe

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/raceinst/raceinst/passes/norace"
)

// checker holds the state of one run over one package.
type checker struct {
	pass     *analysis.Pass
	nr       *norace.Result
	pkg      *ssa.Package
	decls    map[*types.Func]*ast.FuncDecl
	leafMemo map[*types.Func]bool
	sums     map[*ssa.Function][]cause // nil while being computed (recursion)
	ign      *ignores
	reported map[siteKey]bool
	exprs    map[token.Pos]ast.Node // call, operator and literal positions to their expressions
	links    *linkIndex
	racePort bool
}

type siteKey struct {
	pos   token.Pos
	class string
}

// cause is one reason a site is unsafe in a child.
type cause struct {
	class, what string
	pos         token.Pos // where it happens, if in this package
	at          string    // where it happens, "file.go:12", if in another package
	path        []hop     // callees from the site down to where it happens
	fix         *ast.FuncDecl
}

// hop is one call of a chain: the callee's name and where it is called
// (NoPos if the call is in another package).
type hop struct {
	name string
	pos  token.Pos
}

func (c *checker) isLeaf(obj *types.Func) bool {
	if v, ok := c.leafMemo[obj]; ok {
		return v
	}
	fd := c.decls[obj]
	v := fd != nil && isTrivialLeaf(c.pass.TypesInfo, c.pass.TypesSizes, fd.Type, fd.Body)
	c.leafMemo[obj] = v
	return v
}

// directives returns the summary of obj: computed here for this
// package's functions, imported for others'.
func (c *checker) directives(obj *types.Func) Summary {
	if obj.Pkg() == c.pass.Pkg {
		var s Summary
		if d := c.nr.Directives[obj]; d != nil {
			s.Norace, s.Nosplit, s.NoBody = d.Norace, d.Nosplit, d.NoBody
			s.AsmFound, s.AsmSplit, s.Linkname = d.AsmFound, d.AsmSplit, d.Linkname
		}
		return s
	}
	var s Summary
	c.pass.ImportObjectFact(obj, &s)
	return s
}

// findings summarises the body of the //go:nosplit function obj for
// callers in other packages.
func (c *checker) findings(obj *types.Func) []Finding {
	fn := c.pkg.Prog.FuncValue(obj)
	if fn == nil || fn.Blocks == nil {
		return nil
	}
	var out []Finding
	for _, k := range c.summarize(fn) {
		f := Finding{Class: k.class, What: k.what, At: k.at}
		for _, h := range k.path {
			f.Path = append(f.Path, h.name)
		}
		if k.pos.IsValid() {
			p := c.pass.Fset.Position(k.pos)
			f.At = fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
		}
		out = append(out, f)
	}
	return out
}

// summarize returns the causes in fn's body and in everything it calls,
// at most one per class, in instruction order.
func (c *checker) summarize(fn *ssa.Function) []cause {
	if s, ok := c.sums[fn]; ok {
		return s
	}
	c.sums[fn] = nil
	var out []cause
	seen := make(map[string]bool)
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			ks := c.instrCauses(instr)
			if len(ks) == 0 {
				continue
			}
			site := sitePos(instr)
			for _, k := range ks {
				if seen[k.class] || c.ign.suppress(site) {
					continue
				}
				seen[k.class] = true
				if !k.pos.IsValid() && len(k.path) == 0 {
					k.pos = site
				}
				out = append(out, k)
			}
		}
	}
	c.sums[fn] = out
	return out
}

// sitePos is the position of an instruction, or of the nearest instruction
// before it in its block that has one (implicit conversions have none).
func sitePos(instr ssa.Instruction) token.Pos {
	if p := instr.Pos(); p.IsValid() {
		return p
	}
	if mc, ok := instr.(*ssa.MakeClosure); ok {
		if p := mc.Fn.Pos(); p.IsValid() {
			return p
		}
	}
	if call, ok := instr.(ssa.CallInstruction); ok {
		if p := call.Common().Pos(); p.IsValid() {
			return p
		}
	}
	b := instr.Block()
	if b == nil {
		return token.NoPos
	}
	idx := -1
	for i, in := range b.Instrs {
		if in == instr {
			idx = i
		}
	}
	for i := idx - 1; i >= 0; i-- {
		if p := b.Instrs[i].Pos(); p.IsValid() {
			return p
		}
	}
	for i := idx + 1; i < len(b.Instrs); i++ {
		if p := b.Instrs[i].Pos(); p.IsValid() {
			return p
		}
	}
	return token.NoPos
}

func direct(class, format string, args ...any) []cause {
	return []cause{{class: class, what: fmt.Sprintf(format, args...)}}
}

// instrCauses returns why instr must not run in a fork child.
func (c *checker) instrCauses(instr ssa.Instruction) []cause {
	switch in := instr.(type) {
	case *ssa.Alloc:
		if !in.Heap || !c.escapes(in, 0) {
			return nil
		}
		for _, r := range *in.Referrers() {
			if _, ok := r.(*ssa.MakeClosure); ok {
				return nil // reported as the closure
			}
		}
		switch in.Comment {
		case "new":
			return direct(classAlloc, "new(%s) escapes to the heap", typeString(c, deref(in.Type())))
		case "complit":
			return direct(classAlloc, "composite literal &%s{...} escapes to the heap", typeString(c, deref(in.Type())))
		case "slicelit":
			return direct(classAlloc, "slice literal escapes to the heap")
		case "varargs":
			return direct(classAlloc, "variadic arguments escape to the heap")
		}
		return direct(classAlloc, "%s escapes to the heap", in.Comment)
	case *ssa.MakeSlice:
		if _, isConst := in.Len.(*ssa.Const); isConst && !c.escapes(in, 0) {
			return nil
		}
		return direct(classAlloc, "make(%s)", typeString(c, in.Type()))
	case *ssa.MakeMap:
		return direct(classAlloc, "make(%s)", typeString(c, in.Type()))
	case *ssa.MakeChan:
		return direct(classAlloc, "make(%s)", typeString(c, in.Type()))
	case *ssa.MakeClosure:
		fn := in.Fn.(*ssa.Function)
		if fn.Object() != nil || strings.Contains(fn.Synthetic, "bound") {
			return direct(classAlloc, "method value %s", fn.Name())
		}
		var names []string
		for _, fv := range fn.FreeVars {
			names = append(names, fv.Name())
		}
		return direct(classAlloc, "closure capturing %s", strings.Join(names, ", "))
	case *ssa.MakeInterface:
		if !c.ifaceAllocates(in) {
			return nil
		}
		return direct(classAlloc, "conversion of %s to interface", typeString(c, in.X.Type()))
	case *ssa.BinOp:
		if in.Op == token.ADD && isString(in.Type()) {
			return direct(classAlloc, "string concatenation")
		}
	case *ssa.Convert:
		from, to := in.X.Type().Underlying(), in.Type().Underlying()
		if (isString(from) && isByteOrRuneSlice(to)) || (isByteOrRuneSlice(from) && isString(to)) {
			if isString(to) && onlyCompared(in) {
				return nil
			}
			return direct(classAlloc, "conversion %s(%s)", typeString(c, in.Type()), typeString(c, in.X.Type()))
		}
	case *ssa.Lookup:
		if _, ok := in.X.Type().Underlying().(*types.Map); ok {
			return direct(classAlloc, "map read")
		}
	case *ssa.MapUpdate:
		return direct(classAlloc, "map write")
	case *ssa.Range:
		if _, ok := in.X.Type().Underlying().(*types.Map); ok {
			return direct(classAlloc, "map iteration")
		}
	case *ssa.Defer:
		return direct(classAlloc, "defer")
	case *ssa.Go:
		return direct(classAlloc, "go statement")
	case *ssa.Send:
		return direct(classLock, "channel send")
	case *ssa.UnOp:
		if in.Op == token.ARROW {
			return direct(classLock, "channel receive")
		}
	case *ssa.Select:
		return direct(classLock, "select")
	case *ssa.Panic:
		return direct(classLock, "panic")
	case *ssa.TypeAssert:
		if types.IsInterface(in.AssertedType) {
			return direct(classLock, "type assertion to interface type %s", typeString(c, in.AssertedType))
		}
	case *ssa.Call:
		return c.callCauses(in.Common(), sitePos(in))
	}
	return nil
}

func (c *checker) callCauses(call *ssa.CallCommon, site token.Pos) []cause {
	if call.IsInvoke() {
		return direct(classDynamic, "call of interface method %s.%s cannot be verified", typeString(c, call.Value.Type()), call.Method.Name())
	}
	if b, ok := call.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "append":
			return direct(classAlloc, "append")
		case "print", "println":
			return direct(classLock, "%s", b.Name())
		case "close":
			return direct(classLock, "channel close")
		case "delete":
			return direct(classAlloc, "map write")
		case "clear":
			if _, ok := call.Args[0].Type().Underlying().(*types.Map); ok {
				return direct(classAlloc, "map write")
			}
		case "recover":
			return direct(classLock, "recover")
		}
		return nil
	}
	callee := call.StaticCallee()
	if callee == nil {
		return direct(classDynamic, "call through a function value cannot be verified")
	}
	return c.staticCall(callee, site)
}

// staticCall judges a call of callee from site.
func (c *checker) staticCall(callee *ssa.Function, site token.Pos) []cause {
	if o := callee.Origin(); o != nil {
		callee = o
	}
	obj, _ := callee.Object().(*types.Func)
	if obj == nil {
		// A function literal, or a synthetic wrapper.
		var out []cause
		name := callee.String()
		if lit, ok := callee.Syntax().(*ast.FuncLit); ok {
			name = "func literal"
			if !isTrivialLeaf(c.pass.TypesInfo, c.pass.TypesSizes, lit.Type, lit.Body) {
				out = append(out, cause{class: classStack, what: "call to a func literal, which has a stack-check prologue (func literals cannot be //go:nosplit)"})
				if c.racePort && !neverInstrumented(c.pass.Pkg.Path()) {
					out = append(out, cause{class: classRace, what: "call to a func literal, which go build -race instruments (//go:norace does not extend to func literals)"})
				}
			}
		} else {
			out = append(out, cause{class: classStack, what: fmt.Sprintf("call to %s, which has a stack-check prologue", name)})
		}
		return append(out, c.viaCallee(name, site, c.summarize(callee))...)
	}
	if obj.Pkg() == nil {
		return nil
	}
	path, name := obj.Pkg().Path(), norace.ShortName(obj)
	if isIntrinsic(path, obj.Name()) {
		return nil
	}
	d := c.directives(obj)
	var out []cause
	if why, ok := lockingPkg(path); ok && path != c.pass.Pkg.Path() {
		// The lock is the root problem; its prologue and
		// instrumentation go without saying.
		return []cause{{class: classLock, what: fmt.Sprintf("call to %s (package %s: %s)", name, path, why)}}
	}
	if why, ok := reschedules[name]; ok {
		out = append(out, cause{class: classPreempt, what: fmt.Sprintf("call to %s (%s)", name, why)})
	}
	if d.NoBody {
		return append(out, c.bodyless(obj, d, site)...)
	}
	if obj.Pkg() == c.pass.Pkg {
		if c.isWholeChild(obj) {
			return out // checked as a context of its own
		}
		if callee.Blocks == nil {
			return out // no SSA body (type errors)
		}
		leaf := c.isLeaf(obj)
		if !d.Nosplit && !leaf {
			out = append(out, cause{class: classStack, what: fmt.Sprintf("call to %s, which has a stack-check prologue (not //go:nosplit)", name)})
		}
		if c.racePort && !d.Norace && !leaf && !neverInstrumented(path) {
			out = append(out, cause{class: classRace, what: fmt.Sprintf("call to %s, which go build -race instruments (not //go:norace)", name), fix: c.decls[obj]})
		}
		return append(out, c.viaCallee(name, site, c.summarize(callee))...)
	}
	s := d
	if !d.Nosplit && !s.Leaf {
		out = append(out, cause{class: classStack, what: fmt.Sprintf("call to %s, which has a stack-check prologue (not //go:nosplit)", name)})
	}
	if c.racePort && !d.Norace && !s.Leaf && !neverInstrumented(path) {
		out = append(out, cause{class: classRace, what: fmt.Sprintf("call to %s, which go build -race instruments (not //go:norace)", name)})
	}
	return append(out, c.viaFacts(name, site, s.Findings)...)
}

// bodyless judges a call of a function declared without a body: by the
// NOSPLIT flag of its assembly, or by the directives of the function that
// implements it through //go:linkname.
func (c *checker) bodyless(obj *types.Func, d Summary, site token.Pos) []cause {
	name := norace.ShortName(obj)
	if d.AsmFound {
		if d.AsmSplit {
			return []cause{{class: classStack, what: fmt.Sprintf("call to %s, whose assembly lacks NOSPLIT", name)}}
		}
		return nil // assembly is never race-instrumented
	}
	impl, ok := c.linkImpl(obj, d)
	if !ok {
		return []cause{{class: classDynamic, what: fmt.Sprintf("call to %s, declared without a body; neither its assembly nor a //go:linkname implementation was found, so it cannot be verified", name)}}
	}
	var out []cause
	implName := impl.pkg + "." + impl.name
	if impl.name == "" {
		implName = "its implementation in " + impl.pkg
	}
	if why, ok := reschedules[implName]; ok {
		out = append(out, cause{class: classPreempt, what: fmt.Sprintf("call to %s, implemented by %s (%s)", name, implName, why)})
	}
	if impl.f.NoBody && impl.f.AsmFound {
		if impl.f.AsmSplit {
			out = append(out, cause{class: classStack, what: fmt.Sprintf("call to %s, implemented by %s, whose assembly lacks NOSPLIT", name, implName)})
		}
		return out
	}
	if !impl.f.Nosplit {
		out = append(out, cause{class: classStack, what: fmt.Sprintf("call to %s, implemented by %s, which has a stack-check prologue (not //go:nosplit)", name, implName)})
	}
	if c.racePort && !impl.f.Norace && !neverInstrumented(impl.pkg) {
		out = append(out, cause{class: classRace, what: fmt.Sprintf("call to %s, implemented by %s, which go build -race instruments (not //go:norace)", name, implName)})
	}
	return append(out, c.viaFacts(name, site, impl.f.Findings)...)
}

// viaCallee prefixes the causes found in a same-package callee with the
// call.
func (c *checker) viaCallee(name string, site token.Pos, ks []cause) []cause {
	out := make([]cause, 0, len(ks))
	for _, k := range ks {
		k.path = append([]hop{{name: name, pos: site}}, k.path...)
		out = append(out, k)
	}
	return out
}

// viaFacts turns the findings of another package's summary into causes.
func (c *checker) viaFacts(name string, site token.Pos, fs []Finding) []cause {
	out := make([]cause, 0, len(fs))
	for _, f := range fs {
		k := cause{class: f.Class, what: f.What, at: f.At, path: []hop{{name: name, pos: site}}}
		for _, p := range f.Path {
			k.path = append(k.path, hop{name: p})
		}
		out = append(out, k)
	}
	return out
}

// escapes reports whether the address held by v (a heap Alloc, a
// constant-size make, or something derived from them) may outlive the
// frame, refining go/ssa's Alloc.Heap the way the compiler's escape
// analysis would for the shapes fork-child code uses: loads, stores into
// it, field and element addresses used the same way, len/cap, and
// uintptr(unsafe.Pointer(p)) passed straight to a call (a raw syscall
// argument) do not make it escape.
func (c *checker) escapes(v ssa.Value, depth int) bool {
	if depth > 8 {
		return true
	}
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return true
			}
		case *ssa.Store:
			if r.Val == v {
				return true
			}
		case *ssa.FieldAddr, *ssa.IndexAddr:
			if c.escapes(r.(ssa.Value), depth+1) {
				return true
			}
		case *ssa.Field, *ssa.Index:
		case *ssa.Slice:
			if c.escapes(r, depth+1) {
				return true
			}
		case *ssa.Convert:
			if !toUintptrCallArg(r) {
				return true
			}
		case *ssa.Call:
			if !c.noEscapeArg(r.Common(), v) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// toUintptrCallArg reports whether conv is unsafe.Pointer(p) whose only
// uses are uintptr(...) conversions passed directly as call arguments: the
// raw-syscall idiom, which the compiler keeps on the stack
// (//go:uintptrkeepalive, //go:uintptrescapes).
func toUintptrCallArg(conv *ssa.Convert) bool {
	if !isUnsafePointer(conv.Type()) {
		return false
	}
	for _, r := range *conv.Referrers() {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.Convert:
			if !isUintptr(r.Type()) {
				return false
			}
			for _, rr := range *r.Referrers() {
				if _, ok := rr.(ssa.CallInstruction); !ok {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// noEscapeArg reports whether passing v to call keeps it on the stack:
// len and cap, and body-less functions of this package declared
// //go:noescape.
func (c *checker) noEscapeArg(call *ssa.CallCommon, v ssa.Value) bool {
	if call.Value == v {
		return false
	}
	if b, ok := call.Value.(*ssa.Builtin); ok {
		// append and copy copy the elements out; the rest only read.
		return b.Name() != "print" && b.Name() != "println"
	}
	callee := call.StaticCallee()
	if callee == nil {
		return false
	}
	obj, _ := callee.Object().(*types.Func)
	if obj == nil || obj.Pkg() != c.pass.Pkg {
		return false
	}
	d := c.nr.Directives[obj]
	return d != nil && d.NoBody && d.Noescape
}

// ifaceAllocates reports whether converting to an interface allocates: not
// for constants, pointer-shaped values, zero-size or one-byte values (the
// runtime has static storage for those), or arguments the compiler folds.
func (c *checker) ifaceAllocates(mi *ssa.MakeInterface) bool {
	if _, ok := mi.X.(*ssa.Const); ok {
		return false
	}
	t := mi.X.Type()
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Map, *types.Chan, *types.Signature:
		return false
	case *types.Basic:
		if u.Kind() == types.UnsafePointer {
			return false
		}
	}
	if c.pass.TypesSizes.Sizeof(t) <= 1 {
		return false
	}
	refs := *mi.Referrers()
	if len(refs) == 0 {
		return false
	}
	for _, r := range refs {
		call, ok := r.(*ssa.Call)
		if !ok {
			return true
		}
		callee := call.Call.StaticCallee()
		if callee == nil || callee.Object() == nil || callee.Object().Pkg() == nil ||
			!isIntrinsic(callee.Object().Pkg().Path(), callee.Object().Name()) {
			return true
		}
	}
	return false
}

// onlyCompared reports whether a []byte→string conversion is used only in
// comparisons, which the compiler does without allocating.
func onlyCompared(v ssa.Value) bool {
	refs := *v.Referrers()
	for _, r := range refs {
		b, ok := r.(*ssa.BinOp)
		if !ok {
			return false
		}
		switch b.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		default:
			return false
		}
	}
	return len(refs) > 0
}

func isByteOrRuneSlice(t types.Type) bool {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().Underlying().(*types.Basic)
	return ok && (b.Kind() == types.Byte || b.Kind() == types.Rune)
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

func isUintptr(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uintptr
}

func deref(t types.Type) types.Type {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

func typeString(c *checker, t types.Type) string {
	return types.TypeString(t, types.RelativeTo(c.pass.Pkg))
}

// isWholeChild reports whether obj is one of this package's
// whole-function child contexts (//forkcheck:child, -child).
func (c *checker) isWholeChild(obj *types.Func) bool {
	for _, ctx := range c.nr.Contexts {
		if ctx.Whole && ctx.Func == obj && ctx.Lit == nil {
			return true
		}
	}
	return false
}
