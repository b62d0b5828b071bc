package forksafe

import (
	"go/ast"
	"go/types"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/raceinst/raceinst/passes/norace"
)

// Analyzer is the forksafe analyzer. See the package documentation.
var Analyzer = &analysis.Analyzer{
	Name:      "forksafe",
	Doc:       "report allocation, locks, stack growth, preemption, dynamic calls and race instrumentation in fork-child code",
	URL:       "https://pkg.go.dev/github.com/raceinst/raceinst/passes/forksafe",
	Requires:  []*analysis.Analyzer{norace.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{(*Summary)(nil), (*Links)(nil)},
}

// Diagnostic categories: the class of each finding.
const (
	classAlloc   = "allocation"
	classLock    = "lock"
	classStack   = "stack growth"
	classPreempt = "preemption"
	classDynamic = "dynamic call"
	classRace    = "race instrumentation"
	classIgnore  = "directive"
)

// Summary is an object fact on a function of the analysed package that a
// fork child in another package may call.
//
// The directive fields repeat what norace found (norace's *Func fact):
// an analyzer can import only its own facts, so forksafe re-exports them.
// Leaf is set for an exported function that is a trivial leaf (see
// doc.go): it has no stack-check prologue and no race instrumentation
// although it carries no directive. Findings is set for a //go:nosplit
// function whose body (or what it reaches) does something a fork child
// must not: at most one finding per class, in source order.
type Summary struct {
	Norace, Nosplit, NoBody bool
	AsmFound, AsmSplit      bool
	Linkname                string
	Leaf                    bool
	Findings                []Finding
}

// Links is a package fact: the functions this package provides to others
// by a "push" //go:linkname, sorted by Target, with their summaries.
type Links struct {
	Impls []LinkImpl
}

// LinkImpl is one push linkname: Target ("importpath.name") is
// implemented by this package's function Name.
type LinkImpl struct {
	Target, Name string
	Impl         Summary
}

func (*Links) AFact() {}

func (l *Links) String() string {
	var parts []string
	for _, i := range l.Impls {
		parts = append(parts, i.Target+"="+i.Name)
	}
	return "links(" + strings.Join(parts, " ") + ")"
}

// Finding is one problem inside a summarised function.
type Finding struct {
	Class string   // "allocation", "lock", ...
	What  string   // "string concatenation"
	Path  []string // callees from the summarised function down to where it happens
	At    string   // "file.go:12", where it happens
}

func (*Summary) AFact() {}

func (s *Summary) String() string {
	var parts []string
	add := func(b bool, t string) {
		if b {
			parts = append(parts, t)
		}
	}
	add(s.Norace, "norace")
	add(s.Nosplit, "nosplit")
	add(s.NoBody, "nobody")
	add(s.AsmFound && !s.AsmSplit, "asm-nosplit")
	add(s.AsmFound && s.AsmSplit, "asm-split")
	add(s.Linkname != "", "linkname="+s.Linkname)
	add(s.Leaf, "leaf")
	out := "forksafe(" + strings.Join(parts, ",")
	if len(s.Findings) > 0 {
		var classes []string
		for _, f := range s.Findings {
			classes = append(classes, f.Class)
		}
		out += ": " + strings.Join(classes, ",")
	}
	return out + ")"
}

func run(pass *analysis.Pass) (any, error) {
	nr := pass.ResultOf[norace.Analyzer].(*norace.Result)
	c := &checker{
		pass:     pass,
		nr:       nr,
		decls:    make(map[*types.Func]*ast.FuncDecl),
		leafMemo: make(map[*types.Func]bool),
		ign:      scanIgnores(pass),
		reported: make(map[siteKey]bool),
		racePort: raceSupported(targetEnv("GOOS", runtime.GOOS), targetEnv("GOARCH", runtime.GOARCH)),
	}
	trusted := neverInstrumented(pass.Pkg.Path())
	sums := make(map[*types.Func]*Summary)
	var nosplit []*types.Func
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, _ := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			c.decls[obj] = fd
			s := &Summary{}
			dir := nr.Directives[obj]
			if dir != nil {
				s.Norace, s.Nosplit, s.NoBody = dir.Norace, dir.Nosplit, dir.NoBody
				s.AsmFound, s.AsmSplit, s.Linkname = dir.AsmFound, dir.AsmSplit, dir.Linkname
			}
			sums[obj] = s
			if fd.Body == nil || trusted || fd.Type.TypeParams != nil {
				continue
			}
			// Findings travel only in facts, which only exported and
			// linknamed functions have (below): summarising any other
			// //go:nosplit function would build SSA for nothing.
			if s.Nosplit && (obj.Exported() || dir != nil && dir.Linknamed) {
				nosplit = append(nosplit, obj)
			}
			if (obj.Exported() || s.Linkname != "" || s.Nosplit) && c.isLeaf(obj) {
				s.Leaf = true
			}
		}
	}
	if len(nr.Contexts) > 0 || len(nosplit) > 0 {
		if pkg := nr.SSA(); pkg != nil {
			c.pkg = pkg
			c.sums = make(map[*ssa.Function][]cause)
			for _, obj := range nosplit {
				sums[obj].Findings = c.findings(obj)
			}
			c.checkContexts()
		}
	}
	var links Links
	for obj, s := range sums {
		if d := nr.Directives[obj]; !s.NoBody && d != nil && d.Linknamed {
			target := s.Linkname
			if target == "" || !strings.Contains(target, ".") {
				target = norace.FuncName(obj)
			}
			links.Impls = append(links.Impls, LinkImpl{Target: target, Name: obj.Name(), Impl: *s})
		}
		// Checkers show importers only the facts of exported objects;
		// linknamed functions travel in the Links package fact.
		if obj.Exported() && !reflect.DeepEqual(*s, Summary{}) {
			pass.ExportObjectFact(obj, s)
		}
	}
	if len(links.Impls) > 0 {
		sort.Slice(links.Impls, func(i, j int) bool { return links.Impls[i].Target < links.Impls[j].Target })
		pass.ExportPackageFact(&links)
	}
	c.ign.reportUnused(pass)
	return nil, nil
}

// targetEnv is the target GOOS or GOARCH: go vet runs the tool with the
// go command's environment, and the tests set it per port.
func targetEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
