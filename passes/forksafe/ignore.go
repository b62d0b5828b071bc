package forksafe

import (
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
)

const ignoreDirective = "//forkcheck:ignore"

// ignore is one //forkcheck:ignore comment. A comment in a function's doc
// comment covers the whole function; any other covers its own line and
// the line below it (so it may sit at the end of the offending line or on
// the line above).
type ignore struct {
	c    *ast.Comment
	file *token.File
	line int
	decl *ast.FuncDecl // set for doc-comment ignores
	used bool
}

type ignores struct {
	fset *token.FileSet
	list []*ignore
}

func scanIgnores(pass *analysis.Pass) *ignores {
	ig := &ignores{fset: pass.Fset}
	for _, f := range pass.Files {
		if !strings.Contains(fileComments(f), ignoreDirective) {
			continue
		}
		docs := make(map[*ast.CommentGroup]*ast.FuncDecl)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
				docs[fd.Doc] = fd
			}
		}
		tf := pass.Fset.File(f.Pos())
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if c.Text != ignoreDirective && !strings.HasPrefix(c.Text, ignoreDirective+" ") && !strings.HasPrefix(c.Text, ignoreDirective+"\t") {
					continue
				}
				ig.list = append(ig.list, &ignore{c: c, file: tf, line: tf.Line(c.Pos()), decl: docs[cg]})
			}
		}
	}
	return ig
}

// fileComments returns the concatenated comment text of f, cheaply enough
// to decide whether the file has any ignore at all.
func fileComments(f *ast.File) string {
	var b strings.Builder
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//forkcheck:") {
				b.WriteString(c.Text)
			}
		}
	}
	return b.String()
}

// suppress reports whether a finding at pos is covered by an ignore, and
// marks the ignore used.
func (ig *ignores) suppress(pos token.Pos) bool {
	if len(ig.list) == 0 || !pos.IsValid() {
		return false
	}
	tf := ig.fset.File(pos)
	if tf == nil {
		return false
	}
	line := tf.Line(pos)
	for _, i := range ig.list {
		if i.file != tf {
			continue
		}
		if i.decl != nil {
			if i.decl.Pos() <= pos && pos < i.decl.End() {
				i.used = true
				return true
			}
			continue
		}
		if i.line == line || i.line == line-1 {
			i.used = true
			return true
		}
	}
	return false
}

func (ig *ignores) reportUnused(pass *analysis.Pass) {
	for _, i := range ig.list {
		if !i.used {
			pass.Report(analysis.Diagnostic{
				Pos: i.c.Pos(), End: i.c.End(), Category: classIgnore,
				Message: "unused //forkcheck:ignore: it suppresses no forksafe finding",
			})
		}
	}
}
