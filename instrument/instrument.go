package instrument

import (
	"go/ast"
	"go/token"
	"go/types"
)

// RTPath is the import path of the runtime that instrumented code calls.
const RTPath = "github.com/raceinst/raceinst/rt"

// Input is one package as the compiler sees it.
type Input struct {
	Fset *token.FileSet
	// Files are parsed with parser.ParseComments | parser.SkipObjectResolution;
	// Filenames[i] is the name of Files[i] as given to the compiler.
	Files     []*ast.File
	Filenames []string
	// Sources, if not nil, holds the text of each file (Sources[i] is the
	// text Files[i] was parsed from); otherwise Package reads Filenames.
	Sources [][]byte
	// OtherFiles are the package's non-Go files (.s, .c, ...).
	OtherFiles []string
	Pkg        *types.Package
	// Info must have Types, Defs, Uses, Implicits, Selections, Scopes,
	// Instances and FileVersions filled.
	Info  *types.Info
	Sizes types.Sizes
	// Skip, if not nil, names further functions ("pkg/path.Func",
	// "pkg/path.Type.Method", as norace.FuncName spells them) that must not
	// be instrumented: the union of norace's Package.Reaches over the whole
	// program, which one package cannot see alone.
	Skip map[string]bool
}

// Options control what gets hooked.
type Options struct {
	// FuncHooks emits FuncEnter/FuncExit in every instrumented function so
	// that reports show full stacks.
	FuncHooks bool
	// Tests makes each TestXxx(t *testing.T) of a _test.go file call
	// rt.TestBegin/rt.TestEnd, so a race during the test fails it.
	Tests bool
	// SyncOnly rewrites the package's synchronisation alone: calls of sync
	// and sync/atomic, channel operations, go statements, timer resets,
	// testing's t.Run and t.Parallel, and os.Exit. No access, allocation,
	// reflect or I/O hooks, and no FuncEnter/FuncExit or TestBegin/TestEnd
	// (FuncHooks and Tests are ignored). For a package whose accesses are
	// not checked but whose synchronisation orders its callers' accesses:
	// a dependency's worker group, lock or channel hand-off.
	SyncOnly bool
}

// File is one rewritten file.
type File struct {
	// Name is the original file name (Input.Filenames[i]).
	Name string
	// Src is the rewritten source, or nil if the file is unchanged.
	Src []byte
}

// Result is what Package did.
type Result struct {
	// Files has one entry per input file, in input order.
	Files []File
	// Warnings lists what was left uninstrumented and why, one line each,
	// "file:line: reason".
	Warnings []string
}
