package forksafe

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

// maxLeafLocals bounds the bytes of local variables a trivial leaf may
// declare. The compiler omits the stack check of a leaf whose frame is
// smaller than abi.StackSmall (128 bytes); we stay well below it because
// spill slots and temporaries also live in the frame.
const maxLeafLocals = 64

// maxLeafNodes bounds the size of a trivial leaf's body, so that register
// spills cannot make its frame large.
const maxLeafNodes = 200

// isTrivialLeaf reports whether body is, by the rule documented in doc.go,
// a function the compiler makes nosplit by itself and does not race
// instrument: it makes no call (builtins len, cap, min and max of numbers,
// and constant expressions excepted), indexes and slices nothing,
// divides only by non-zero constants, shifts only by unsigned or constant
// counts, touches no memory but its own parameters and locals (no pointer
// dereference, no package-level variable, no field through a pointer),
// takes no address, creates no closure, converts nothing to an interface,
// string or slice, uses no channel, map, defer, go, select, goto, range
// or panic, and declares at most maxLeafLocals bytes of locals.
func isTrivialLeaf(info *types.Info, sizes types.Sizes, ftype *ast.FuncType, body *ast.BlockStmt) bool {
	if body == nil {
		return false
	}
	ok := true
	nodes := 0
	locals := int64(0)
	isLocal := func(obj types.Object) bool {
		v, isVar := obj.(*types.Var)
		return isVar && !v.IsField() && obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope() && obj.Pos() >= ftype.Pos() && obj.Pos() < body.End()
	}
	isConst := func(e ast.Expr) bool {
		tv, has := info.Types[e]
		return has && tv.Value != nil
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if !ok || n == nil {
			return false
		}
		nodes++
		if nodes > maxLeafNodes {
			ok = false
			return false
		}
		if e, isExpr := n.(ast.Expr); isExpr && isConst(e) {
			return false // folded by the compiler
		}
		switch n := n.(type) {
		case *ast.BlockStmt, *ast.ExprStmt, *ast.IfStmt, *ast.ForStmt, *ast.SwitchStmt,
			*ast.CaseClause, *ast.ReturnStmt, *ast.IncDecStmt, *ast.AssignStmt,
			*ast.ParenExpr, *ast.BranchStmt, *ast.LabeledStmt, *ast.EmptyStmt, *ast.BasicLit:
			if br, isBr := n.(*ast.BranchStmt); isBr && br.Tok == token.GOTO {
				ok = false
			}
			if as, isAs := n.(*ast.AssignStmt); isAs && (as.Tok == token.QUO_ASSIGN || as.Tok == token.REM_ASSIGN || as.Tok == token.SHL_ASSIGN || as.Tok == token.SHR_ASSIGN) {
				ok = false // conservative: no panicking compound assignments
			}
		case *ast.DeclStmt:
			gd, isGen := n.Decl.(*ast.GenDecl)
			if !isGen || gd.Tok != token.VAR {
				return gd != nil && gd.Tok == token.CONST
			}
		case *ast.ValueSpec:
			for _, name := range n.Names {
				if obj := info.Defs[name]; obj != nil {
					if !leafType(obj.Type()) {
						ok = false
					}
					locals += sizes.Sizeof(obj.Type())
				}
			}
		case *ast.Ident:
			obj := info.Uses[n]
			if obj == nil {
				obj = info.Defs[n]
				if obj != nil && n.Name != "_" {
					if _, isVar := obj.(*types.Var); isVar && !leafType(obj.Type()) {
						ok = false
					}
				}
				return true
			}
			switch obj := obj.(type) {
			case *types.Var:
				if !isLocal(obj) || !leafType(obj.Type()) {
					ok = false // package-level variable: a memory access
				}
			case *types.Const, *types.Nil, *types.TypeName, *types.Builtin, *types.Label:
			default:
				ok = false // a function value
			}
		case *ast.BinaryExpr:
			if !leafType(info.TypeOf(n.X)) {
				ok = false // string comparison and concatenation are calls
			}
			switch n.Op {
			case token.QUO, token.REM:
				tv := info.Types[n.Y]
				if tv.Value == nil || constant.Sign(tv.Value) == 0 {
					ok = false // division by a variable can panic: a call
				}
			case token.SHL, token.SHR:
				if !isConst(n.Y) && !isUnsigned(info.TypeOf(n.Y)) {
					ok = false // a signed shift count can panic
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND || n.Op == token.ARROW {
				ok = false
			}
		case *ast.CallExpr:
			tv := info.Types[n.Fun]
			switch {
			case tv.IsType():
				if !leafType(tv.Type) || !leafType(info.TypeOf(n.Args[0])) {
					ok = false // conversion to/from string, slice, interface
				}
			case tv.IsBuiltin():
				id, _ := ast.Unparen(n.Fun).(*ast.Ident)
				if id == nil || (id.Name != "len" && id.Name != "cap" && id.Name != "min" && id.Name != "max") {
					ok = false
				}
				for _, a := range n.Args {
					if t := info.TypeOf(a); t != nil && isString(t) && id != nil && (id.Name == "min" || id.Name == "max") {
						ok = false // string min/max calls the runtime
					}
				}
			default:
				ok = false
			}
		default:
			// Index, slice, selector, star, composite literal, func
			// literal, type assertion, range, go, defer, select,
			// send, type switch, ...
			ok = false
		}
		return ok
	})
	return ok && locals <= maxLeafLocals
}

// leafType reports whether values of t live in registers or the frame
// without any runtime help: booleans, numbers, and unsafe.Pointer/uintptr.
// Strings (comparison calls the runtime), interfaces, pointers (derefs are
// memory accesses), slices, maps, channels, funcs, structs and arrays are
// not, conservatively.
func leafType(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return false
	}
	return b.Info()&(types.IsBoolean|types.IsInteger|types.IsFloat) != 0 || b.Kind() == types.UnsafePointer || b.Kind() == types.UntypedNil
}

func isUnsigned(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsUnsigned != 0
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}
