package norace_test

import (
	"go/ast"
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/raceinst/raceinst/passes/norace"
)

// probe reports what a downstream analyzer (forksafe) learns from norace's
// facts: the implementation of a body-less declaration through a push
// linkname, and the directives of callees in other packages.
var probe = &analysis.Analyzer{
	Name:     "probe",
	Doc:      "test: report norace facts as seen by a dependent package",
	Requires: []*analysis.Analyzer{norace.Analyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		for _, f := range pass.Files {
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok {
					continue
				}
				obj := pass.TypesInfo.Defs[fd.Name].(*types.Func)
				res := pass.ResultOf[norace.Analyzer].(*norace.Result)
				if fd.Body == nil {
					if impl, ok := res.LookupLinkname(obj); ok {
						pass.Reportf(fd.Pos(), "%s is implemented by %s: %s", obj.Name(), "facts/lib", strings.TrimPrefix(impl.String(), "func:"))
					}
					continue
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					sel, ok := n.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					fn, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Func)
					if !ok {
						return true
					}
					if fact, ok := res.FuncFact(fn); ok {
						var ds []string
						if fact.Norace {
							ds = append(ds, "norace")
						}
						if fact.Nosplit {
							ds = append(ds, "nosplit")
						}
						pass.Reportf(fd.Pos(), "lib.%s: %s", fn.Name(), strings.Join(ds, ","))
					} else {
						pass.Reportf(fd.Pos(), "lib.%s: no directives", fn.Name())
					}
					return true
				})
			}
		}
		return nil, nil
	},
}

func TestCrossPackageFacts(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), probe, "facts/user")
}
