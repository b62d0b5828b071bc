package forksafe

import (
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/raceinst/raceinst/passes/norace"
)

// impl is the implementation of a body-less function, found through
// forksafe's facts on the packages it depends on.
type impl struct {
	pkg  string  // import path of the implementing package
	name string  // local name there
	f    Summary // its directives and findings
}

// linkIndex maps linkname targets and function names to implementations,
// built once per package from the facts of all dependencies, and only in
// packages whose child code calls body-less functions.
type linkIndex struct {
	byTarget map[string]impl // push: "importpath.name" provided by impl
	byName   map[string]impl // pull: functions by norace.FuncName
}

func buildLinkIndex(pass *analysis.Pass) *linkIndex {
	ix := &linkIndex{byTarget: make(map[string]impl), byName: make(map[string]impl)}
	for _, of := range pass.AllObjectFacts() {
		s, ok := of.Fact.(*Summary)
		if !ok || s.NoBody {
			continue
		}
		if fn, ok := of.Object.(*types.Func); ok && fn.Pkg() != nil {
			ix.byName[norace.FuncName(fn)] = impl{pkg: fn.Pkg().Path(), name: fn.Name(), f: *s}
		}
	}
	for _, pf := range pass.AllPackageFacts() {
		l, ok := pf.Fact.(*Links)
		if !ok {
			continue
		}
		for _, i := range l.Impls {
			ix.byTarget[i.Target] = impl{pkg: pf.Package.Path(), name: i.Name, f: i.Impl}
		}
	}
	return ix
}

// linkImpl finds the implementation of the body-less obj: a "push"
// //go:linkname in another package naming obj, or the target of obj's own
// "pull" //go:linkname.
func (c *checker) linkImpl(obj *types.Func, d Summary) (impl, bool) {
	if c.links == nil {
		c.links = buildLinkIndex(c.pass)
	}
	if im, ok := c.links.byTarget[norace.FuncName(obj)]; ok {
		return im, true
	}
	if d.Linkname != "" {
		if im, ok := c.links.byTarget[d.Linkname]; ok {
			return im, true
		}
		if im, ok := c.links.byName[d.Linkname]; ok {
			return im, true
		}
	}
	return impl{}, false
}
