package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"golang.org/x/tools/go/analysis"
)

// forkcheck lsp: a language server that publishes the analyzers'
// diagnostics for Go files, next to gopls. It speaks LSP over stdin and
// stdout (go.lsp.dev's protocol types and JSON-RPC framing), publishes on
// open, on change (after a short pause in typing) and on save, and offers
// each SuggestedFix as a quickfix code action. See lsp_driver.go for how
// the analyzers run.

// changeDelay is how long the server waits after an edit before analysing:
// each keystroke would otherwise start an analysis.
const changeDelay = 200 * time.Millisecond

// lspMain runs the server until the client says exit or closes the stream.
// It accepts the analyzers' flags as the command line does
// (-norace.child=pkg.Func,...).
func lspMain(args []string, analyzers []*analysis.Analyzer) int {
	for _, arg := range args {
		if arg == "-h" || arg == "-help" || arg == "--help" {
			fmt.Fprintln(os.Stderr, "usage: forkcheck lsp [-analyzer.flag=value ...]\n\nforkcheck lsp is a language server on stdin/stdout; editors start it for Go files, next to gopls.")
			return 0
		}
		if arg == "-stdio" || arg == "--stdio" {
			continue // what some clients pass; stdio is the only transport
		}
		if err := setAnalyzerFlag(arg, analyzers); err != nil {
			fmt.Fprintf(os.Stderr, "forkcheck lsp: %v\n", err)
			return 2
		}
	}
	return serveLSP(context.Background(), stdio{}, analyzers)
}

// setAnalyzerFlag sets one -analyzer.flag=value argument.
func setAnalyzerFlag(arg string, analyzers []*analysis.Analyzer) error {
	name, value, ok := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	an, flag, dotted := strings.Cut(name, ".")
	if !strings.HasPrefix(arg, "-") || !ok || !dotted {
		return fmt.Errorf("unknown argument %q: the server takes only analyzer flags, as -norace.child=pkg.Func", arg)
	}
	for _, a := range analyzers {
		if a.Name == an {
			if a.Flags.Lookup(flag) == nil {
				return fmt.Errorf("%s: analyzer %s has no flag %q", arg, an, flag)
			}
			return a.Flags.Set(flag, value)
		}
	}
	return fmt.Errorf("%s: no analyzer %q", arg, an)
}

// stdio is the server's end of the editor's pipes.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error                { return os.Stdin.Close() }

// serveLSP serves one client on rwc and returns the process exit status:
// 0 after shutdown and exit, 1 if the client went away without shutdown.
func serveLSP(ctx context.Context, rwc io.ReadWriteCloser, analyzers []*analysis.Analyzer) int {
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s := newServer(conn, analyzers)
	conn.Go(ctx, s.handle)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.worker(ctx)
	}()
	select {
	case <-conn.Done():
	case <-s.exited:
		conn.Close()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return 0
	}
	return 1
}

// document is a file open in the editor.
type document struct {
	uri       protocol.DocumentURI
	file      string
	version   int32
	text      []byte
	published int // generation of the package analysis last published
	diags     []protocol.Diagnostic
	actions   [][]protocol.CodeAction // per diagnostic in diags
}

type server struct {
	conn      jsonrpc2.Conn
	analyzers []*analysis.Analyzer
	exited    chan struct{}
	exitOnce  sync.Once
	kick      chan struct{}

	mu       sync.Mutex
	docs     map[string]*document    // by file name
	modules  map[string]*moduleState // by module directory
	dirty    map[string]bool         // files whose diagnostics must be published again
	timer    *time.Timer
	shutdown bool
	logged   map[string]bool // load errors already shown
}

func newServer(conn jsonrpc2.Conn, analyzers []*analysis.Analyzer) *server {
	return &server{
		conn:      conn,
		analyzers: analyzers,
		exited:    make(chan struct{}),
		kick:      make(chan struct{}, 1),
		docs:      map[string]*document{},
		modules:   map[string]*moduleState{},
		dirty:     map[string]bool{},
		logged:    map[string]bool{},
	}
}

func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	var result any
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = jsonrpc2.Errorf(jsonrpc2.InternalError, "forkcheck lsp: %s: %v", req.Method(), r)
			}
		}()
		result, err = s.dispatch(ctx, req)
		return err
	}()
	return reply(ctx, result, err)
}

func decode(req jsonrpc2.Request, v any) error {
	if err := json.Unmarshal(req.Params(), v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: %v", req.Method(), err)
	}
	return nil
}

func (s *server) dispatch(ctx context.Context, req jsonrpc2.Request) (any, error) {
	switch req.Method() {
	case protocol.MethodInitialize:
		return s.initialize(), nil
	case protocol.MethodInitialized, protocol.MethodCancelRequest,
		protocol.MethodWorkspaceDidChangeWorkspaceFolders, "workspace/didChangeConfiguration",
		"workspace/didChangeWatchedFiles", "$/setTrace":
		return nil, nil
	case protocol.MethodShutdown:
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return nil, nil
	case protocol.MethodExit:
		s.exitOnce.Do(func() { close(s.exited) })
		return nil, nil
	case protocol.MethodTextDocumentDidOpen:
		var p protocol.DidOpenTextDocumentParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		s.edit(p.TextDocument.URI, p.TextDocument.Version, []byte(p.TextDocument.Text), 0)
		return nil, nil
	case protocol.MethodTextDocumentDidChange:
		var p protocol.DidChangeTextDocumentParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		if n := len(p.ContentChanges); n > 0 {
			// Full sync: the last change holds the whole text.
			s.edit(p.TextDocument.URI, p.TextDocument.Version, []byte(p.ContentChanges[n-1].Text), changeDelay)
		}
		return nil, nil
	case protocol.MethodTextDocumentDidSave:
		var p protocol.DidSaveTextDocumentParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		s.saved(p.TextDocument.URI, p.Text)
		return nil, nil
	case protocol.MethodTextDocumentDidClose:
		var p protocol.DidCloseTextDocumentParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		s.closed(ctx, p.TextDocument.URI)
		return nil, nil
	case protocol.MethodTextDocumentCodeAction:
		var p protocol.CodeActionParams
		if err := decode(req, &p); err != nil {
			return nil, err
		}
		return s.codeActions(ctx, &p), nil
	}
	if _, ok := req.(*jsonrpc2.Call); ok {
		return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "forkcheck lsp: method %q not supported", req.Method())
	}
	return nil, nil // notifications the server does not need
}

func (s *server) initialize() *protocol.InitializeResult {
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindFull,
				Save:      &protocol.SaveOptions{},
			},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix},
			},
			Workspace: &protocol.ServerCapabilitiesWorkspace{
				WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{Supported: true, ChangeNotifications: true},
			},
		},
		ServerInfo: &protocol.ServerInfo{Name: "forkcheck"},
	}
}

// fileName returns the file of a file: URI.
func fileName(u protocol.DocumentURI) (name string, ok bool) {
	if !strings.HasPrefix(string(u), "file://") {
		return "", false
	}
	defer func() {
		if recover() != nil {
			name, ok = "", false
		}
	}()
	return filepath.Clean(uri.URI(u).Filename()), true
}

// isGoFile reports whether the server looks at name: Go files and go.mod.
func isGoFile(name string) bool {
	return strings.HasSuffix(name, ".go")
}

// edit records new text for a document and schedules its analysis after
// delay.
func (s *server) edit(u protocol.DocumentURI, version int32, text []byte, delay time.Duration) {
	name, ok := fileName(u)
	if !ok || !isGoFile(name) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[name]
	if d == nil {
		d = &document{uri: u, file: name}
		s.docs[name] = d
	}
	d.version, d.text = version, text
	s.changed(name)
	s.schedule(delay)
}

func (s *server) saved(u protocol.DocumentURI, text string) {
	name, ok := fileName(u)
	if !ok || !isGoFile(name) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.docs[name]; d != nil && text != "" {
		d.text = []byte(text)
	}
	s.changed(name)
	s.schedule(0)
}

func (s *server) closed(ctx context.Context, u protocol.DocumentURI) {
	name, ok := fileName(u)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs[name] == nil {
		return
	}
	delete(s.docs, name)
	delete(s.dirty, name)
	// The file on disk replaces the buffer.
	if m := s.modules[findModule(name)]; m != nil {
		m.invalidate(name)
	}
	s.publish(ctx, &document{uri: u}, nil, nil)
}

// changed invalidates what depends on file, unless the editor's text is
// the text last analysed (opening a file, saving what was already
// analysed). Called with s.mu held.
func (s *server) changed(file string) {
	s.dirty[file] = true
	dir := findModule(file)
	if dir == "" {
		return
	}
	m := s.modules[dir]
	if m == nil {
		m = newModuleState(dir, s.analyzers, s.overlay)
		s.modules[dir] = m
	}
	if d := s.docs[file]; d != nil && m.content != nil {
		if old, ok := m.content[file]; ok && bytes.Equal(old, d.text) {
			return
		}
	}
	m.invalidate(file)
}

// overlay is the editor's text of every open file. Called with s.mu held.
func (s *server) overlay() map[string][]byte {
	o := make(map[string][]byte, len(s.docs))
	for name, d := range s.docs {
		o[name] = d.text
	}
	return o
}

// schedule asks the worker to analyse after delay. Called with s.mu held.
func (s *server) schedule(delay time.Duration) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if delay == 0 {
		select {
		case s.kick <- struct{}{}:
		default:
		}
		return
	}
	s.timer = time.AfterFunc(delay, func() {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	})
}

func (s *server) worker(ctx context.Context) {
	for {
		select {
		case <-s.kick:
		case <-s.exited:
			return
		case <-s.conn.Done():
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.flush(ctx)
		s.mu.Unlock()
	}
}

// flush analyses what changed and publishes the diagnostics of every open
// document whose package was analysed again: the documents just edited
// first, then the others. Called with s.mu held.
func (s *server) flush(ctx context.Context) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	var first, rest []*document
	for _, d := range s.docs {
		if s.dirty[d.file] {
			first = append(first, d)
		} else {
			rest = append(rest, d)
		}
	}
	byFile := func(ds []*document) {
		sort.Slice(ds, func(i, j int) bool { return ds[i].file < ds[j].file })
	}
	byFile(first)
	byFile(rest)
	overlay := s.overlay()
	for _, d := range append(first, rest...) {
		func() {
			defer func() {
				if r := recover(); r != nil {
					// A bug of ours must not take the editor's diagnostics down
					// with it: report it, forget the module, go on.
					s.logOnce(ctx, fmt.Sprint(r), fmt.Sprintf("forkcheck: internal error on %s: %v\n%s", d.file, r, debug.Stack()))
					delete(s.modules, findModule(d.file))
				}
			}()
			s.refresh(ctx, d, overlay)
		}()
	}
	clear(s.dirty)
}

// refresh brings one document's diagnostics up to date and publishes them
// if they are new. Called with s.mu held.
func (s *server) refresh(ctx context.Context, d *document, overlay map[string][]byte) {
	dir := findModule(d.file)
	if dir == "" {
		s.logOnce(ctx, "nomod:"+filepath.Dir(d.file), fmt.Sprintf("forkcheck: %s is not in a module (no go.mod above it); it is not checked", d.file))
		return
	}
	m := s.modules[dir]
	if m == nil {
		m = newModuleState(dir, s.analyzers, s.overlay)
		s.modules[dir] = m
	}
	p, err := m.diagnose(d.file, overlay)
	if err != nil {
		s.logOnce(ctx, err.Error(), "forkcheck: "+err.Error())
	}
	if p == nil {
		if s.dirty[d.file] {
			s.publish(ctx, d, nil, nil)
		}
		return
	}
	for _, f := range p.failures {
		s.logOnce(ctx, f.Error(), "forkcheck: "+f.Error())
	}
	if p.gen == d.published && !s.dirty[d.file] {
		return
	}
	d.published = p.gen
	diags, actions := s.convert(m, p, d)
	s.publish(ctx, d, diags, actions)
}

func (s *server) publish(ctx context.Context, d *document, diags []protocol.Diagnostic, actions [][]protocol.CodeAction) {
	if diags == nil {
		diags = []protocol.Diagnostic{}
	}
	d.diags, d.actions = diags, actions
	params := &protocol.PublishDiagnosticsParams{URI: d.uri, Diagnostics: diags}
	if d.version != 0 {
		params.Version = uint32(d.version)
	}
	s.conn.Notify(ctx, protocol.MethodTextDocumentPublishDiagnostics, params)
}

func (s *server) logOnce(ctx context.Context, key, msg string) {
	if s.logged[key] {
		return
	}
	s.logged[key] = true
	fmt.Fprintln(os.Stderr, msg)
	s.conn.Notify(ctx, protocol.MethodWindowLogMessage, &protocol.LogMessageParams{Type: protocol.MessageTypeWarning, Message: msg})
}

// convert turns the package's diagnostics in d's file into LSP
// diagnostics, each with its fixes as code actions, sorted by position.
func (s *server) convert(m *moduleState, p *pkgState, d *document) ([]protocol.Diagnostic, [][]protocol.CodeAction) {
	type item struct {
		diag    protocol.Diagnostic
		actions []protocol.CodeAction
	}
	var items []item
	seen := map[string]bool{}
	for _, ad := range p.diags {
		posn := m.fset.Position(ad.Pos)
		if posn.Filename != d.file {
			continue
		}
		rng := m.lspRange(ad.Pos, ad.End)
		pd := protocol.Diagnostic{
			Range:    rng,
			Severity: protocol.DiagnosticSeverityWarning,
			Source:   ad.analyzer.Name,
			Message:  ad.Message,
		}
		if ad.Category != "" {
			pd.Code = ad.Category
		}
		if ad.URL != "" || ad.analyzer.URL != "" {
			href := ad.URL
			if href == "" {
				href = ad.analyzer.URL
			}
			pd.CodeDescription = &protocol.CodeDescription{Href: protocol.URI(href)}
		}
		for _, r := range ad.Related {
			rp := m.fset.Position(r.Pos)
			if !rp.IsValid() {
				continue
			}
			pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
				Location: protocol.Location{URI: s.uriOf(rp.Filename), Range: m.lspRange(r.Pos, r.End)},
				Message:  r.Message,
			})
		}
		key := fmt.Sprintf("%s|%v|%s", pd.Source, pd.Range, pd.Message)
		if seen[key] {
			continue
		}
		seen[key] = true
		var actions []protocol.CodeAction
		for _, fix := range ad.SuggestedFixes {
			edit := &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{}}
			for _, te := range fix.TextEdits {
				file := m.fset.Position(te.Pos).Filename
				u := s.uriOf(file)
				edit.Changes[u] = append(edit.Changes[u], protocol.TextEdit{Range: m.lspRange(te.Pos, te.End), NewText: string(te.NewText)})
			}
			actions = append(actions, protocol.CodeAction{
				Title:       fix.Message,
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{pd},
				IsPreferred: len(ad.SuggestedFixes) == 1,
				Edit:        edit,
			})
		}
		items = append(items, item{pd, actions})
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].diag.Range.Start, items[j].diag.Range.Start
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Character < b.Character
	})
	diags := make([]protocol.Diagnostic, len(items))
	actions := make([][]protocol.CodeAction, len(items))
	for i, it := range items {
		diags[i], actions[i] = it.diag, it.actions
	}
	return diags, actions
}

// uriOf is the URI of a file: the editor's own spelling for open files.
func (s *server) uriOf(file string) protocol.DocumentURI {
	if d := s.docs[file]; d != nil {
		return d.uri
	}
	return uri.File(file)
}

// codeActions answers textDocument/codeAction with the fixes of the
// diagnostics that overlap the range, after analysing pending edits.
func (s *server) codeActions(ctx context.Context, p *protocol.CodeActionParams) []protocol.CodeAction {
	out := []protocol.CodeAction{}
	if len(p.Context.Only) > 0 && !containsKind(p.Context.Only, protocol.QuickFix) {
		return out
	}
	name, ok := fileName(p.TextDocument.URI)
	if !ok {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flush(ctx)
	d := s.docs[name]
	if d == nil {
		return out
	}
	for i, diag := range d.diags {
		if !overlaps(diag.Range, p.Range) && !mentioned(p.Context.Diagnostics, diag) {
			continue
		}
		out = append(out, d.actions[i]...)
	}
	return out
}

func containsKind(kinds []protocol.CodeActionKind, k protocol.CodeActionKind) bool {
	for _, x := range kinds {
		if x == k || strings.HasPrefix(string(k), string(x)+".") {
			return true
		}
	}
	return false
}

func mentioned(ds []protocol.Diagnostic, d protocol.Diagnostic) bool {
	for _, x := range ds {
		if x.Message == d.Message && x.Range == d.Range {
			return true
		}
	}
	return false
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

// overlaps reports whether two ranges share a position (an empty range
// touches the ranges it is inside or at the edge of).
func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// lspRange converts token positions to an LSP range: zero-based lines and
// UTF-16 columns, computed from the text the positions came from.
func (m *moduleState) lspRange(pos, end token.Pos) protocol.Range {
	start := m.lspPosition(pos)
	if !end.IsValid() || end < pos {
		return protocol.Range{Start: start, End: start}
	}
	return protocol.Range{Start: start, End: m.lspPosition(end)}
}

func (m *moduleState) lspPosition(pos token.Pos) protocol.Position {
	tf := m.fset.File(pos)
	if tf == nil {
		return protocol.Position{}
	}
	off := tf.Offset(pos)
	line := tf.Line(pos)
	lineStart := tf.Offset(tf.LineStart(line))
	src := m.content[tf.Name()]
	if src == nil {
		src, _ = os.ReadFile(tf.Name())
	}
	col := off - lineStart
	if off <= len(src) && lineStart <= off {
		col = utf16Len(src[lineStart:off])
	}
	return protocol.Position{Line: uint32(line - 1), Character: uint32(col)}
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
