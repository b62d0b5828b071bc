package norace

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// funcDirectives are the compiler directives this analyzer checks. Each
// applies to the func declaration that follows it.
var funcDirectives = []string{"norace", "nosplit", "noinline", "nocheckptr", "uintptrkeepalive"}

// otherCompilerDirectives are real //go: directives. A comment naming one of
// them is never a near-miss of ours, however close the spelling
// ("//go:noescape" is not a typo of anything).
var otherCompilerDirectives = map[string]bool{
	"build": true, "generate": true, "embed": true, "linkname": true,
	"noescape": true, "uintptrescapes": true, "systemstack": true,
	"nowritebarrier": true, "nowritebarrierrec": true, "yeswritebarrierrec": true,
	"notinheap": true, "registerparams": true, "wasmimport": true,
	"wasmexport": true, "cgo_import_dynamic": true, "cgo_import_static": true,
	"cgo_export_dynamic": true, "cgo_export_static": true, "cgo_dynamic_linker": true,
	"cgo_ldflag": true, "cgo_unsafe_args": true, "debug": true, "fix": true,
	"linknamestd": true, "nointerface": true,
}

// forkcheckVerbs are the verbs of //forkcheck: directives, with whether the
// verb requires a reason after it.
var forkcheckVerbs = map[string]bool{
	"child":  false, // //forkcheck:child [reason]: the function is fork-child code
	"ignore": true,  // //forkcheck:ignore <reason>: suppress one forksafe finding
}

// directive is one well-formed (or accepted-with-trailing-arguments)
// function directive found in a file.
type directive struct {
	name string // "norace", "nosplit", ...
	c    *ast.Comment
}

// fileDirectives maps each comment that is a function directive to the
// directive, so declarations can collect theirs.
type fileDirectives map[*ast.Comment]directive

// scanned is what scanDirectives learned, for the later steps.
type scanned struct {
	decls map[*types.Func]*ast.FuncDecl
	// annotated lists //forkcheck:child functions with the directive.
	annotated map[*types.Func]*ast.Comment
	// pushes are "push" linknames: local function implemented here,
	// provided to Target.
	pushes []Linkname
	// reached marks declarations already scanned by computeReach.
	reached map[*ast.FuncDecl]bool
}

var (
	// asmText matches an assembly TEXT line for a function of this package:
	// TEXT ·name(SB), FLAGS, $frame  or  TEXT ·name<ABIInternal>(SB),$frame.
	asmText = regexp.MustCompile(`^\s*TEXT\s+(?:"")?[·.](\w+)(?:<\w+>)?\(SB\)\s*,\s*([^,]*)`)
	// asmFlagValues are the textflag.h names that matter; NOSPLIT is 4.
	asmFlagValues = map[string]int64{
		"NOPROF": 1, "DUPOK": 2, "NOSPLIT": 4, "RODATA": 8, "NOPTR": 16,
		"WRAPPER": 32, "NEEDCTXT": 64, "TLSBSS": 256, "NOFRAME": 512,
		"REFLECTMETHOD": 1024, "TOPFRAME": 2048, "ABIWRAPPER": 4096, "PKGINIT": 8192,
	}
)

// scanDirectives checks every comment of the package and records the
// directives of each function declaration.
func scanDirectives(pass *analysis.Pass, res *Result) *scanned {
	s := &scanned{
		decls:     make(map[*types.Func]*ast.FuncDecl),
		annotated: make(map[*types.Func]*ast.Comment),
	}
	asm := scanAssembly(pass)
	linknames := make(map[string]string) // local name -> target
	for _, f := range pass.Files {
		if isGenerated(f) && !strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), ".go") {
			continue
		}
		dirs := checkComments(pass, f, linknames)
		checkPlacement(pass, f, dirs)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, _ := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			s.decls[obj] = fd
			info := &Func{NoBody: fd.Body == nil}
			if fd.Doc != nil {
				for _, c := range fd.Doc.List {
					if c.Text == "//go:noescape" {
						info.Noescape = true
					}
					if d, ok := dirs[c]; ok {
						switch d.name {
						case "norace":
							info.Norace = true
						case "nosplit":
							info.Nosplit = true
						}
						if fd.Body == nil && d.name != "uintptrkeepalive" {
							pass.Report(analysis.Diagnostic{
								Pos:      c.Pos(),
								End:      c.End(),
								Category: "directive",
								Message:  fmt.Sprintf("//go:%s has no effect on %s, which has no Go body: %s", d.name, fd.Name.Name, noBodyAdvice(d.name)),
							})
						}
					}
					if verb, _, ok := forkcheckDirective(c.Text); ok && verb == "child" {
						s.annotated[obj] = c
					}
				}
			}
			if info.NoBody {
				if split, found := asm[fd.Name.Name]; found && fd.Recv == nil {
					info.AsmFound, info.AsmSplit = true, split
				}
			}
			res.Directives[obj] = info
		}
	}
	// Linknames are file-level directives naming a local function.
	for obj, info := range res.Directives {
		target, ok := linknames[obj.Name()]
		if !ok || obj.Signature().Recv() != nil {
			continue
		}
		info.Linkname, info.Linknamed = target, true
		if !info.NoBody && target != "" && target != FuncName(obj) {
			s.pushes = append(s.pushes, Linkname{Target: target, Impl: *info})
		}
	}
	sort.Slice(s.pushes, func(i, j int) bool { return s.pushes[i].Target < s.pushes[j].Target })
	return s
}

func noBodyAdvice(name string) string {
	switch name {
	case "nosplit":
		return "mark the assembly TEXT symbol NOSPLIT, or put //go:nosplit on the linknamed implementation"
	case "norace", "nocheckptr":
		return "assembly is never instrumented; put the directive on the Go implementation if it is linknamed"
	}
	return "put the directive on the implementation"
}

// scanAssembly reads the package's assembly files and reports, for each
// TEXT symbol of the package, whether it lacks NOSPLIT (true: has a
// stack-check prologue).
func scanAssembly(pass *analysis.Pass) map[string]bool {
	out := make(map[string]bool)
	for _, name := range pass.OtherFiles {
		if !strings.HasSuffix(name, ".s") {
			continue
		}
		content, err := pass.ReadFile(name)
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(content, []byte("\n")) {
			m := asmText.FindSubmatch(line)
			if m == nil {
				continue
			}
			split := asmFlags(string(m[2]))&asmFlagValues["NOSPLIT"] == 0
			// Several TEXTs for one symbol (under #ifdef): split wins.
			out[string(m[1])] = out[string(m[1])] || split
		}
	}
	return out
}

// asmFlags evaluates the flags field of a TEXT line ("NOSPLIT|NOFRAME", "7",
// or "$0-8" when there are no flags).
func asmFlags(field string) int64 {
	field = strings.TrimSpace(field)
	if strings.HasPrefix(field, "$") {
		return 0
	}
	var v int64
	for _, t := range strings.Split(field, "|") {
		t = strings.TrimSpace(t)
		if n, err := strconv.ParseInt(t, 0, 64); err == nil {
			v |= n
		} else {
			v |= asmFlagValues[t]
		}
	}
	return v
}

func isGenerated(f *ast.File) bool { return ast.IsGenerated(f) }

// forkcheckDirective parses "//forkcheck:verb rest".
func forkcheckDirective(text string) (verb, rest string, ok bool) {
	t, ok := strings.CutPrefix(text, "//forkcheck:")
	if !ok {
		return "", "", false
	}
	verb, rest, _ = strings.Cut(t, " ")
	return verb, strings.TrimSpace(rest), true
}

// checkComments checks every comment of f for malformed directives and
// returns the well-formed function directives. It also collects
// //go:linkname lines into linknames.
func checkComments(pass *analysis.Pass, f *ast.File, linknames map[string]string) fileDirectives {
	dirs := make(fileDirectives)
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			checkComment(pass, c, dirs, linknames)
		}
	}
	return dirs
}

func checkComment(pass *analysis.Pass, c *ast.Comment, dirs fileDirectives, linknames map[string]string) {
	text := c.Text
	if strings.HasPrefix(text, "/*") {
		body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(text, "/*"), "*/"))
		if name, ok := nearMiss(body, true); ok {
			report(pass, c, "directive", fmt.Sprintf("%s is a block comment, which the compiler ignores; write //go:%s", text, name),
				"//go:"+name, blockCommentAlone(pass, c))
		}
		return
	}
	if strings.HasPrefix(text, "//go:linkname ") {
		fields := strings.Fields(text[len("//go:linkname "):])
		if len(fields) == 2 {
			linknames[fields[0]] = fields[1]
		} else if len(fields) == 1 {
			if _, ok := linknames[fields[0]]; !ok {
				linknames[fields[0]] = ""
			}
		}
		return
	}
	if verb, rest, ok := forkcheckDirective(text); ok {
		needReason, known := forkcheckVerbs[verb]
		switch {
		case !known:
			msg := fmt.Sprintf("unknown directive //forkcheck:%s; known: //forkcheck:child, //forkcheck:ignore <reason>", verb)
			fix := ""
			if v := closest(strings.ToLower(verb), []string{"child", "ignore"}, 2); v != "" {
				msg = fmt.Sprintf("unknown directive //forkcheck:%s; did you mean //forkcheck:%s?", verb, v)
				fix = strings.TrimSpace("//forkcheck:" + v + " " + rest)
			}
			report(pass, c, "directive", msg, fix, fix != "")
		case needReason && rest == "":
			report(pass, c, "directive", fmt.Sprintf("//forkcheck:%s needs a reason: //forkcheck:%s <why this is safe>", verb, verb), "", false)
		}
		return
	}
	// Near-misses of //forkcheck: itself ("// forkcheck:ignore", "//forkcheck ignore").
	if t := strings.TrimSpace(strings.TrimPrefix(text, "//")); t != strings.TrimPrefix(text, "//") && strings.HasPrefix(t, "forkcheck:") {
		fixed := "//" + t
		report(pass, c, "directive", fmt.Sprintf("%q is not a directive: write %s with no space after //", text, fixed), fixed, true)
		return
	}
	if !strings.HasPrefix(text, "//") {
		return
	}
	body := text[2:]
	if strings.HasPrefix(body, "go:") {
		name, args, _ := strings.Cut(body[3:], " ")
		if i := strings.IndexAny(name, "\t"); i >= 0 {
			name, args = name[:i], name[i:]
		}
		if isFuncDirective(name) {
			dirs[c] = directive{name: name, c: c}
			if strings.TrimSpace(args) != "" {
				report(pass, c, "directive", fmt.Sprintf("//go:%s takes no arguments; the compiler ignores %q", name, strings.TrimSpace(args)), "//go:"+name, true)
			}
			return
		}
		if otherCompilerDirectives[name] {
			return
		}
	}
	if name, ok := nearMiss(body, false); ok {
		report(pass, c, "directive", fmt.Sprintf("%s is not a compiler directive, so the compiler ignores it; write //go:%s", text, name), "//go:"+name, true)
	}
}

func isFuncDirective(name string) bool {
	for _, d := range funcDirectives {
		if name == d {
			return true
		}
	}
	return false
}

// nearMiss reports whether body (a comment's text after "//", or inside
// "/* */") is a malformed spelling of one of funcDirectives, and which.
// "//go:WORD ..." is what the compiler parses as a directive, so any
// unknown WORD close to one of ours is a near-miss even with arguments;
// other shapes ("// go:norace", "//go: norace", "//Go:norace", block
// comments) count only when the comment holds nothing else, so prose that
// mentions a directive is left alone.
func nearMiss(body string, block bool) (string, bool) {
	t := strings.TrimLeft(body, " \t")
	if len(t) < 3 || !strings.EqualFold(t[:2], "go") {
		return "", false
	}
	rest := strings.TrimLeft(t[2:], " \t")
	if !strings.HasPrefix(rest, ":") {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	word, tail := rest, ""
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		word, tail = rest[:i], rest[i:]
	}
	exact := !block && strings.HasPrefix(body, "go:"+word)
	if !exact && strings.TrimSpace(tail) != "" {
		return "", false
	}
	lw := strings.ToLower(word)
	if otherCompilerDirectives[lw] {
		return "", false
	}
	if isFuncDirective(lw) {
		return lw, !(exact && word == lw)
	}
	if name := closest(lw, funcDirectives, 2); name != "" {
		return name, true
	}
	return "", false
}

// closest returns the unique candidate within maxDist edits of word, or "".
func closest(word string, candidates []string, maxDist int) string {
	best, bestDist, unique := "", maxDist+1, false
	for _, c := range candidates {
		d := editDistance(word, c)
		if d < bestDist {
			best, bestDist, unique = c, d, true
		} else if d == bestDist {
			unique = false
		}
	}
	if !unique || len(word) < 4 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// blockCommentAlone reports whether c is the only thing on its line(s), so
// that rewriting it as a line comment is safe.
func blockCommentAlone(pass *analysis.Pass, c *ast.Comment) bool {
	tf := pass.Fset.File(c.Pos())
	content, err := pass.ReadFile(tf.Name())
	if err != nil {
		return false
	}
	start, end := tf.Offset(c.Pos()), tf.Offset(c.End())
	lineStart := bytes.LastIndexByte(content[:start], '\n') + 1
	lineEnd := len(content)
	if i := bytes.IndexByte(content[end:], '\n'); i >= 0 {
		lineEnd = end + i
	}
	return len(bytes.TrimSpace(content[lineStart:start])) == 0 && len(bytes.TrimSpace(content[end:lineEnd])) == 0
}

// report reports a diagnostic on comment c, with a fix replacing the comment
// by replacement when fix is true.
func report(pass *analysis.Pass, c *ast.Comment, category, msg, replacement string, fix bool) {
	d := analysis.Diagnostic{Pos: c.Pos(), End: c.End(), Category: category, Message: msg}
	if fix {
		d.SuggestedFixes = []analysis.SuggestedFix{{
			Message:   "Replace with " + replacement,
			TextEdits: []analysis.TextEdit{{Pos: c.Pos(), End: c.End(), NewText: []byte(replacement)}},
		}}
	}
	pass.Report(d)
}

// checkPlacement reports function directives that are not in the doc
// comment of a func declaration: separated from the next func by a blank
// line (the compiler still applies them), or before something that is not a
// function, or inside a function body (the compiler rejects both as
// "misplaced compiler directive"; we say so with the reason).
func checkPlacement(pass *analysis.Pass, f *ast.File, dirs fileDirectives) {
	docs := make(map[*ast.CommentGroup]bool)
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Doc != nil {
			docs[fd.Doc] = true
		}
	}
	for _, cg := range f.Comments {
		if docs[cg] {
			continue
		}
		var found []directive
		for _, c := range cg.List {
			if d, ok := dirs[c]; ok {
				found = append(found, d)
			}
		}
		if len(found) == 0 {
			continue
		}
		next, inside := followingDecl(f, cg)
		for _, d := range found {
			c := d.c
			switch fd, isFunc := next.(*ast.FuncDecl); {
			case inside != nil:
				report(pass, c, "directive", fmt.Sprintf("//go:%s inside a function body is misplaced: it applies only to the func declaration it precedes", d.name), "", false)
			case isFunc && onlyBlankLinesBetween(pass, cg.End(), fd):
				diag := analysis.Diagnostic{
					Pos: c.Pos(), End: c.End(), Category: "directive",
					Message: fmt.Sprintf("//go:%s is separated from func %s by a blank line: the compiler still applies it, but go doc, gofmt and readers attach it to nothing; put it directly above the func", d.name, fd.Name.Name),
				}
				start := cg.End()
				end := declStart(fd)
				tf := pass.Fset.File(start)
				diag.SuggestedFixes = []analysis.SuggestedFix{{
					Message:   "Remove the blank lines",
					TextEdits: []analysis.TextEdit{{Pos: start, End: tf.LineStart(tf.Line(end)), NewText: []byte("\n")}},
				}}
				pass.Report(diag)
			case isFunc:
				// Comments between directive and func: still applied.
			default:
				what := "the end of the file"
				if next != nil {
					what = declKind(next)
				}
				report(pass, c, "directive", fmt.Sprintf("//go:%s is followed by %s, not a func declaration: it has no effect (the compiler rejects it as a misplaced directive)", d.name, what), "", false)
			}
		}
	}
}

func declStart(fd *ast.FuncDecl) token.Pos {
	if fd.Doc != nil {
		return fd.Doc.Pos()
	}
	return fd.Pos()
}

// onlyBlankLinesBetween reports whether nothing but blank lines separate
// end from fd's doc comment or declaration.
func onlyBlankLinesBetween(pass *analysis.Pass, end token.Pos, fd *ast.FuncDecl) bool {
	tf := pass.Fset.File(end)
	content, err := pass.ReadFile(tf.Name())
	if err != nil {
		return false
	}
	a, b := tf.Offset(end), tf.Offset(declStart(fd))
	return a <= b && len(bytes.TrimSpace(content[a:b])) == 0
}

// followingDecl finds the declaration after comment group cg, or the
// function body cg is inside.
func followingDecl(f *ast.File, cg *ast.CommentGroup) (next ast.Decl, inside *ast.FuncDecl) {
	for _, decl := range f.Decls {
		if decl.Pos() <= cg.Pos() && cg.End() <= decl.End() {
			if fd, ok := decl.(*ast.FuncDecl); ok {
				return nil, fd
			}
			return decl, nil
		}
		if decl.Pos() >= cg.End() {
			return decl, nil
		}
	}
	return nil, nil
}

func declKind(d ast.Decl) string {
	if gd, ok := d.(*ast.GenDecl); ok {
		return "a " + gd.Tok.String() + " declaration"
	}
	return "a declaration"
}
