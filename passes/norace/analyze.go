package norace

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"sort"

	"golang.org/x/tools/go/analysis"
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
		ResultOf:          map[*analysis.Analyzer]any{}, // norace requires no other analyzer
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

// KindCalled is the kind of the contexts AnalyzeWith adds: functions that
// child code of another package calls.
const KindCalled ChildKind = "called from child code of another package"

// AnalyzeWith is Analyze with further fork-child contexts: each function
// of the package named in children ("pkg/path.Func" or
// "pkg/path.Type.Method", as FuncName spells them) is a whole-function
// child context of kind KindCalled, as if named with -child, but without
// the analyzer's -child flag, which is process-wide. A driver that sees
// the whole program uses it to follow child code across packages: what
// another package's child code reaches (its Result.Reaches) is child code
// here, and so is everything it reaches. Names of functions the package
// does not declare with a body are ignored.
func AnalyzeWith(fset *token.FileSet, files []*ast.File, otherFiles []string, pkg *types.Package, info *types.Info, sizes types.Sizes, children []string) (res *Result, err error) {
	if len(children) == 0 {
		return Analyze(fset, files, otherFiles, pkg, info, sizes)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("norace on %s: %v", pkg.Path(), r)
		}
	}()
	// A copy of the analyzer whose Run adds the contexts; the pass is the
	// one Analyze builds.
	a := *Analyzer
	a.Run = func(pass *analysis.Pass) (any, error) {
		res := &Result{
			NoInstrument:     make(map[*types.Func]string),
			NoInstrumentLits: make(map[*ast.FuncLit]string),
			Directives:       make(map[*types.Func]*Func),
			pass:             pass,
		}
		d := scanDirectives(pass, res)
		findContexts(pass, res, d)
		addCalled(res, d, children)
		computeReach(pass, res, d)
		exportFacts(pass, res, d)
		return res, nil
	}
	pass := &analysis.Pass{
		Analyzer:          &a,
		Fset:              fset,
		Files:             files,
		OtherFiles:        otherFiles,
		Pkg:               pkg,
		TypesInfo:         info,
		TypesSizes:        sizes,
		Report:            func(analysis.Diagnostic) {},
		ResultOf:          map[*analysis.Analyzer]any{}, // norace requires no other analyzer
		ReadFile:          os.ReadFile,
		ImportObjectFact:  func(types.Object, analysis.Fact) bool { return false },
		ImportPackageFact: func(*types.Package, analysis.Fact) bool { return false },
		ExportObjectFact:  func(types.Object, analysis.Fact) {},
		ExportPackageFact: func(analysis.Fact) {},
		AllPackageFacts:   func() []analysis.PackageFact { return nil },
		AllObjectFacts:    func() []analysis.ObjectFact { return nil },
	}
	r, err := a.Run(pass)
	if err != nil {
		return nil, err
	}
	return r.(*Result), nil
}

// addCalled adds a KindCalled context for each function named in children
// that is not a whole-function context already, keeping res.Contexts in
// source order.
func addCalled(res *Result, s *scanned, children []string) {
	named := make(map[string]bool, len(children))
	for _, c := range children {
		named[c] = true
	}
	added := false
	for obj, fd := range s.decls {
		if fd.Body == nil || !named[FuncName(obj)] || isWholeChild(res, obj) {
			continue
		}
		res.Contexts = append(res.Contexts, &Context{Kind: KindCalled, Func: obj, Decl: fd, Pos: fd.Name.Pos(), Whole: true, Trigger: FuncName(obj)})
		added = true
	}
	if added {
		sort.Slice(res.Contexts, func(i, j int) bool { return res.Contexts[i].Pos < res.Contexts[j].Pos })
	}
}
