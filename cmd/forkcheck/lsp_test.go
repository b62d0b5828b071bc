package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"golang.org/x/tools/go/analysis"

	"github.com/raceinst/raceinst/passes/forksafe"
	"github.com/raceinst/raceinst/passes/norace"
)

// lspFixture copies testdata/lsp (two modules, mod and other) to a
// temporary directory, which tests may edit.
func lspFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/lsp")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// lspClient drives a server in this process over a pipe, with the same
// protocol library the server uses.
type lspClient struct {
	t    *testing.T
	conn jsonrpc2.Conn
	ctx  context.Context

	mu      sync.Mutex
	diags   map[protocol.DocumentURI][]protocol.Diagnostic
	changed chan struct{}
	done    chan int
}

func startLSP(t *testing.T, root string) *lspClient {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	c := &lspClient{
		t:       t,
		ctx:     ctx,
		diags:   map[protocol.DocumentURI][]protocol.Diagnostic{},
		changed: make(chan struct{}, 1),
		done:    make(chan int, 1),
	}
	go func() {
		c.done <- serveLSP(ctx, serverEnd, []*analysis.Analyzer{norace.Analyzer, forksafe.Analyzer})
	}()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(clientEnd))
	c.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err != nil {
				t.Errorf("publishDiagnostics: %v", err)
			}
			c.mu.Lock()
			c.diags[p.URI] = p.Diagnostics
			c.mu.Unlock()
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() {
		cancel()
		c.conn.Close()
		serverEnd.Close()
		select {
		case <-c.done:
		case <-time.After(time.Minute):
			t.Errorf("server still running a minute after the client closed")
		}
	})
	var res protocol.InitializeResult
	c.call(protocol.MethodInitialize, &protocol.InitializeParams{
		RootURI:          uri.File(root),
		WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(uri.File(root)), Name: "root"}},
	}, &res)
	if res.Capabilities.CodeActionProvider == nil || res.Capabilities.TextDocumentSync == nil {
		t.Fatalf("initialize: capabilities %+v lack code actions or text sync", res.Capabilities)
	}
	c.notify(protocol.MethodInitialized, &protocol.InitializedParams{})
	return c
}

func (c *lspClient) call(method string, params, result any) {
	c.t.Helper()
	if _, err := c.conn.Call(c.ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *lspClient) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(c.ctx, method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *lspClient) open(file string, version int32) protocol.DocumentURI {
	c.t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	u := uri.File(file)
	c.notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "go", Version: version, Text: string(text)},
	})
	return u
}

func (c *lspClient) change(u protocol.DocumentURI, version int32, text string) {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}},
	})
}

// waitFor waits until the diagnostics published for u satisfy ok.
func (c *lspClient) waitFor(u protocol.DocumentURI, what string, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	c.t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		c.mu.Lock()
		ds, published := c.diags[u]
		c.mu.Unlock()
		if published && ok(ds) {
			return ds
		}
		select {
		case <-c.changed:
		case <-deadline:
			c.t.Fatalf("%s: no diagnostics with %s; last published: %s", u, what, dump(ds))
		}
	}
}

func dump(ds []protocol.Diagnostic) string {
	b, _ := json.MarshalIndent(ds, "", "  ")
	return string(b)
}

func hasMessage(substr string) func([]protocol.Diagnostic) bool {
	return func(ds []protocol.Diagnostic) bool {
		return slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return strings.Contains(d.Message, substr) })
	}
}

// vetDiag is a diagnostic in forkcheck -json's form, the same as go vet's.
type vetDiag struct {
	Posn, End, Message string
	Related            []struct{ Posn, End, Message string } `json:",omitempty"`
}

// TestLSPMatchesVet opens a file with fork-child mistakes and checks that
// the server publishes exactly what forkcheck -json (go vet's output)
// reports for it: positions, ends, messages and related information.
func TestLSPMatchesVet(t *testing.T) {
	root := lspFixture(t)
	mod := filepath.Join(root, "mod")
	file := filepath.Join(mod, "child", "child.go")

	r := run(t, mod, nil, forkcheck, "-json", "./...")
	var tree map[string]map[string][]vetDiag
	if err := json.Unmarshal([]byte(r.stdout), &tree); err != nil {
		t.Fatalf("forkcheck -json: %v\n%s%s", err, r.stdout, r.stderr)
	}
	var want []vetDiag
	for _, byAnalyzer := range tree {
		for _, ds := range byAnalyzer {
			want = append(want, ds...)
		}
	}

	c := startLSP(t, mod)
	u := c.open(file, 1)
	ds := c.waitFor(u, "//go:nospilt", hasMessage("//go:nospilt"))
	var got []vetDiag
	for _, d := range ds {
		v := vetDiag{Posn: vetPosn(file, d.Range.Start), End: vetPosn(file, d.Range.End), Message: d.Message}
		for _, ri := range d.RelatedInformation {
			v.Related = append(v.Related, struct{ Posn, End, Message string }{
				vetPosn(ri.Location.URI.Filename(), ri.Location.Range.Start), vetPosn(ri.Location.URI.Filename(), ri.Location.Range.End), ri.Message})
		}
		got = append(got, v)
	}
	order := func(a, b vetDiag) int { return strings.Compare(a.Posn+a.Message, b.Posn+b.Message) }
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	// forkcheck -json prints paths as go list spells them; the fixture has
	// only ASCII, so LSP's UTF-16 columns are go vet's byte columns.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LSP diagnostics differ from forkcheck -json (-vet +lsp):\n%s", diff)
	}
	for _, d := range ds {
		if d.Source != "norace" && d.Source != "forksafe" || d.Severity != protocol.DiagnosticSeverityWarning {
			t.Errorf("diagnostic %q: source %q severity %v, want norace/forksafe warning", d.Message, d.Source, d.Severity)
		}
	}
}

func vetPosn(file string, p protocol.Position) string {
	return fmt.Sprintf("%s:%d:%d", file, p.Line+1, p.Character+1)
}

// TestLSPCodeActionAndEdits applies the quickfix for //go:nospilt, then
// edits the buffer into text that does not parse, then into code with a new
// import: the server must follow each edit without saving, and never stop.
func TestLSPCodeActionAndEdits(t *testing.T) {
	root := lspFixture(t)
	file := filepath.Join(root, "mod", "child", "child.go")
	c := startLSP(t, root)
	u := c.open(file, 1)
	ds := c.waitFor(u, "//go:nospilt", hasMessage("//go:nospilt"))
	i := slices.IndexFunc(ds, func(d protocol.Diagnostic) bool { return strings.Contains(d.Message, "//go:nospilt") })

	var actions []protocol.CodeAction
	c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        ds[i].Range,
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{ds[i]}},
	}, &actions)
	j := slices.IndexFunc(actions, func(a protocol.CodeAction) bool { return a.Title == "Replace with //go:nosplit" })
	if j < 0 {
		t.Fatalf("code actions at %v: %+v, want \"Replace with //go:nosplit\"", ds[i].Range, actions)
	}
	if a := actions[j]; a.Kind != protocol.QuickFix || a.Edit == nil || len(a.Edit.Changes[u]) != 1 {
		t.Fatalf("code action %+v: want one quickfix edit of %s", a, u)
	}
	text, _ := os.ReadFile(file)
	fixed := applyEdits(t, string(text), actions[j].Edit.Changes[u])
	if !strings.Contains(fixed, "//go:nosplit\nfunc leaf") {
		t.Fatalf("after the fix:\n%s", fixed)
	}
	c.change(u, 2, fixed)
	c.waitFor(u, "no //go:nospilt", func(ds []protocol.Diagnostic) bool { return !hasMessage("//go:nospilt")(ds) && len(ds) > 0 })

	// A buffer that does not parse: norace still runs on what parsed.
	broken := fixed + "\nfunc (\n\n//go:noinlin\nfunc x() {}\n"
	c.change(u, 3, broken)
	c.waitFor(u, "//go:noinlin in a file that does not parse", hasMessage("//go:noinlin"))

	// A new import, which go list must be asked about again.
	withImport := strings.Replace(fixed, `import "syscall"`, "import (\n\t\"os\"\n\t\"syscall\"\n)", 1) +
		"\n//forkcheck:child runs between fork and exec\nfunc exit() { os.Exit(1) }\n"
	c.change(u, 4, withImport)
	c.waitFor(u, "a lock in os.Exit", hasMessage("os.Exit"))

	var shutdown any
	c.call(protocol.MethodShutdown, nil, &shutdown)
	c.notify(protocol.MethodExit, nil)
	select {
	case code := <-c.done:
		if code != 0 {
			t.Errorf("exit status %d after shutdown and exit, want 0", code)
		}
		c.done <- code
	case <-time.After(30 * time.Second):
		t.Errorf("server did not stop after exit")
	}
}

// TestLSPTwoModules opens files of two modules in one session; each is
// loaded with its own go.mod.
func TestLSPTwoModules(t *testing.T) {
	root := lspFixture(t)
	c := startLSP(t, root)
	u1 := c.open(filepath.Join(root, "mod", "child", "child.go"), 1)
	u2 := c.open(filepath.Join(root, "other", "dirs", "dirs.go"), 1)
	c.waitFor(u1, "//go:nospilt", hasMessage("//go:nospilt"))
	ds := c.waitFor(u2, "//go:norace please", hasMessage(`the compiler ignores "please"`))
	if len(ds) != 1 || ds[0].Range.Start != (protocol.Position{Line: 2, Character: 0}) {
		t.Errorf("other/dirs/dirs.go: %s", dump(ds))
	}
}

// applyEdits applies LSP text edits (UTF-16 columns; the fixtures are
// ASCII) to text.
func applyEdits(t *testing.T, text string, edits []protocol.TextEdit) string {
	t.Helper()
	offset := func(p protocol.Position) int {
		lines := strings.SplitAfter(text, "\n")
		off := 0
		for _, l := range lines[:p.Line] {
			off += len(l)
		}
		return off + int(p.Character)
	}
	slices.SortFunc(edits, func(a, b protocol.TextEdit) int { return offset(b.Range.Start) - offset(a.Range.Start) })
	for _, e := range edits {
		text = text[:offset(e.Range.Start)] + e.NewText + text[offset(e.Range.End):]
	}
	return text
}

// TestLSPFlags: forkcheck lsp takes the analyzers' flags as the command
// line does, and nothing else.
func TestLSPFlags(t *testing.T) {
	as := []*analysis.Analyzer{norace.Analyzer, forksafe.Analyzer}
	defer norace.Analyzer.Flags.Set("child", "")
	if err := setAnalyzerFlag("-norace.child=example.com/x.F", as); err != nil {
		t.Fatal(err)
	}
	if got := norace.Analyzer.Flags.Lookup("child").Value.String(); got != "example.com/x.F" {
		t.Errorf("-norace.child: flag is %q", got)
	}
	for _, bad := range []string{"child", "-nosuch.flag=1", "-norace.nosuch=1", "-norace.child"} {
		if err := setAnalyzerFlag(bad, as); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
