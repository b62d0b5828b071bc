package norace

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyze runs the norace analysis on one type-checked package outside the
// go/analysis drivers, for instrument/ and cmd/raceinst, which see one
// package at a time in the compiler's place. Diagnostics are discarded;
// facts of dependencies are not available, so functions of other packages
// reached from child code are only listed in Result.Reaches. otherFiles are
// the package's non-Go files (its .s files tell which assembly is NOSPLIT).
func Analyze(fset *token.FileSet, files []*ast.File, otherFiles []string, pkg *types.Package, info *types.Info, sizes types.Sizes) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("norace on %s: %v", pkg.Path(), r)
		}
	}()
	pass := &analysis.Pass{
		Analyzer:          Analyzer,
		Fset:              fset,
		Files:             files,
		OtherFiles:        otherFiles,
		Pkg:               pkg,
		TypesInfo:         info,
		TypesSizes:        sizes,
		Report:            func(analysis.Diagnostic) {},
		ResultOf:          map[*analysis.Analyzer]any{inspect.Analyzer: inspector.New(files)},
		ReadFile:          os.ReadFile,
		ImportObjectFact:  func(types.Object, analysis.Fact) bool { return false },
		ImportPackageFact: func(*types.Package, analysis.Fact) bool { return false },
		ExportObjectFact:  func(types.Object, analysis.Fact) {},
		ExportPackageFact: func(analysis.Fact) {},
		AllPackageFacts:   func() []analysis.PackageFact { return nil },
		AllObjectFacts:    func() []analysis.ObjectFact { return nil },
	}
	r, err := Analyzer.Run(pass)
	if err != nil {
		return nil, err
	}
	return r.(*Result), nil
}
