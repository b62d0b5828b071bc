// Package lspbench measures forkcheck lsp: the time from textDocument/didSave
// to the diagnostics it publishes, on a generated module of 200 packages,
// after warm-up. It drives the real binary over stdin/stdout with the
// protocol library the server uses (go.lsp.dev).
//
//	go test -run '^$' -bench . -benchtime 20x ./bench/lsp
package lspbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const numPackages = 200

// generate writes a module of numPackages packages. Package p%03d imports
// the one before it and the one at half its index, so the last imports
// all the others transitively; each has a fork-child function calling its
// dependencies, a misspelled //go:nospilt (one finding per package) and
// about 150 lines of ordinary code for the type checker.
func generate(b *testing.B, dir string) {
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o666); err != nil {
			b.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), "module example.com/big\n\ngo 1.25\n")
	for i := range numPackages {
		var imports, calls strings.Builder
		for _, j := range deps(i) {
			fmt.Fprintf(&imports, "\t\"example.com/big/p%03d\"\n", j)
			fmt.Fprintf(&calls, "\tp%03d.Close(fd)\n\t_ = p%03d.Add(1, 2)\n", j, j)
		}
		write(filepath.Join(dir, fmt.Sprintf("p%03d", i), "child.go"), fmt.Sprintf(`package p%03d

import (
	"syscall"
%s)

// Close closes fd with a raw system call; it is safe in a fork child.
//
//go:norace
//go:nosplit
func Close(fd uintptr) {
	syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
}

// Add is a trivial leaf.
func Add(a, b int) int { return a + b }

// child runs between fork and exec.
//
//forkcheck:child runs between fork and exec
//go:norace
//go:nosplit
func child(fd uintptr) {
%s}

//go:nospilt
func misspelled() {}
`, i, imports.String(), calls.String()))
		var body strings.Builder
		fmt.Fprintf(&body, "package p%03d\n\nimport (\n\t\"sort\"\n\t\"strings\"\n)\n\n", i)
		for k := range 10 {
			fmt.Fprintf(&body, `// Table%[1]d is ordinary code.
type Table%[1]d struct {
	rows map[string][]int
	name string
}

// Add%[1]d adds a row.
func (t *Table%[1]d) Add%[1]d(key string, vals ...int) {
	if t.rows == nil {
		t.rows = map[string][]int{}
	}
	t.rows[strings.ToLower(key)] = append(t.rows[key], vals...)
}

// Keys%[1]d lists the keys in order.
func (t *Table%[1]d) Keys%[1]d() []string {
	var keys []string
	for k := range t.rows {
		keys = append(keys, k+t.name)
	}
	sort.Strings(keys)
	return keys
}

`, k)
		}
		write(filepath.Join(dir, fmt.Sprintf("p%03d", i), "table.go"), body.String())
	}
}

func deps(i int) []int {
	switch {
	case i == 0:
		return nil
	case i/2 == i-1:
		return []int{i - 1}
	}
	return []int{i - 1, i / 2}
}

// client is the editor's end of the pipes.
type client struct {
	b    *testing.B
	ctx  context.Context
	conn jsonrpc2.Conn
	cmd  *exec.Cmd

	mu        sync.Mutex
	published map[protocol.DocumentURI]chan uint32 // versions as published
}

type pipes struct {
	io.ReadCloser
	io.WriteCloser
}

func (p pipes) Close() error {
	p.WriteCloser.Close()
	return p.ReadCloser.Close()
}

func start(b *testing.B, bin, dir string) *client {
	cmd := exec.Command(bin, "lsp")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &client{b: b, ctx: context.Background(), cmd: cmd, published: map[protocol.DocumentURI]chan uint32{}}
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(pipes{out, in}))
	c.conn.Go(c.ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err == nil {
				c.ch(p.URI) <- p.Version
			}
		}
		return reply(ctx, nil, nil)
	})
	var res protocol.InitializeResult
	if _, err := c.conn.Call(c.ctx, protocol.MethodInitialize, &protocol.InitializeParams{RootURI: uri.File(dir)}, &res); err != nil {
		b.Fatal(err)
	}
	c.conn.Notify(c.ctx, protocol.MethodInitialized, &protocol.InitializedParams{})
	return c
}

func (c *client) ch(u protocol.DocumentURI) chan uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.published[u] == nil {
		c.published[u] = make(chan uint32, 100)
	}
	return c.published[u]
}

func (c *client) stop() {
	c.conn.Call(c.ctx, protocol.MethodShutdown, nil, nil)
	c.conn.Notify(c.ctx, protocol.MethodExit, nil)
	c.cmd.Wait()
}

// wait waits for diagnostics of u at version.
func (c *client) wait(u protocol.DocumentURI, version int32) {
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case v := <-c.ch(u):
			if v == uint32(version) {
				return
			}
		case <-timeout:
			c.b.Fatalf("no diagnostics for %s version %d", u, version)
		}
	}
}

func (c *client) open(file string) (protocol.DocumentURI, string) {
	text, err := os.ReadFile(file)
	if err != nil {
		c.b.Fatal(err)
	}
	u := uri.File(file)
	c.conn.Notify(c.ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "go", Version: 1, Text: string(text)},
	})
	c.wait(u, 1)
	return u, string(text)
}

// save edits the buffer, writes it to disk and sends didChange and
// didSave, and returns when the diagnostics of that version arrive.
func (c *client) save(u protocol.DocumentURI, version int32, text string) time.Duration {
	if err := os.WriteFile(u.Filename(), []byte(text), 0o666); err != nil {
		c.b.Fatal(err)
	}
	c.conn.Notify(c.ctx, protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}},
	})
	start := time.Now()
	c.conn.Notify(c.ctx, protocol.MethodTextDocumentDidSave, &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	c.wait(u, version)
	return time.Since(start)
}

func build(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "forkcheck")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/raceinst/raceinst/cmd/forkcheck")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkDidSave: one file open (the package that imports all 199
// others), edited and saved; after the warm-up (the first analysis, which
// checks std and the whole module) each save re-checks and re-analyses
// only that package.
func BenchmarkDidSave(b *testing.B) {
	bench(b, numPackages-1, nil)
}

// BenchmarkDidSaveDeep: the saved file is in the package everything
// imports, while a file of the package that imports everything is open too:
// the saved file's diagnostics come first (the metric), then the other
// file's, after every package between them is checked again
// (ms-median/all).
func BenchmarkDidSaveDeep(b *testing.B) {
	bench(b, 0, []int{numPackages - 1})
}

func bench(b *testing.B, edited int, alsoOpen []int) {
	bin := build(b)
	dir := b.TempDir()
	generate(b, dir)
	c := start(b, bin, dir)
	defer c.stop()
	file := func(i int) string { return filepath.Join(dir, fmt.Sprintf("p%03d", i), "child.go") }

	warm := time.Now()
	var others []protocol.DocumentURI
	for _, i := range alsoOpen {
		u, _ := c.open(file(i))
		others = append(others, u)
	}
	u, text := c.open(file(edited))
	warmup := time.Since(warm)
	// Opening a file whose text is what the server analysed re-publishes
	// nothing; drop anything that came anyway, so that each wait below
	// sees only what its save caused.
	for _, o := range append(others, u) {
		for drained := false; !drained; {
			select {
			case <-c.ch(o):
			default:
				drained = true
			}
		}
	}

	var first, all []time.Duration
	b.ResetTimer()
	for i := range b.N {
		version := int32(i + 2)
		start := time.Now()
		first = append(first, c.save(u, version, fmt.Sprintf("%s\n// edit %d\n", text, i)))
		for _, o := range others {
			c.wait(o, 1) // re-published at the version the editor opened
		}
		all = append(all, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(warmup.Milliseconds()), "ms-warmup")
	b.ReportMetric(median(first), "ms-median/save")
	if len(others) > 0 {
		b.ReportMetric(median(all), "ms-median/all")
	}
}

func median(ds []time.Duration) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[len(ds)/2].Microseconds()) / 1000
}
