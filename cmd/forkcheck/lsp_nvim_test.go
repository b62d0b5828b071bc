package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// TestLSPNeovim attaches forkcheck lsp to a real client: headless Neovim
// (Debian bookworm's 0.7.2 or newer) runs testdata/lsp/nvim/test.lua, which
// opens a fork-child file with mistakes, waits for the diagnostics, applies
// two quick fixes through textDocument/codeAction and saves after each. The
// test checks what Neovim received and what it wrote to the file.
func TestLSPNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nvim not found; .ci/run installs it (apt-get install -y neovim)")
		}
		t.Skip("nvim not installed; to run this test: apt-get install -y neovim")
	}
	script, err := filepath.Abs("testdata/lsp/nvim/test.lua")
	if err != nil {
		t.Fatal(err)
	}
	root := lspFixture(t)
	mod := filepath.Join(root, "mod")
	file := filepath.Join(mod, "child", "child.go")
	home := t.TempDir()
	report := filepath.Join(home, "report.json")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", "luafile "+script)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(),
		"FORKCHECK_BIN="+forkcheck,
		"FORKCHECK_ROOT="+mod,
		"FORKCHECK_FILE="+file,
		"FORKCHECK_OUT="+report,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
	)
	out, runErr := cmd.CombinedOutput()
	lspLog := func() string {
		b, _ := os.ReadFile(filepath.Join(home, "cache", "nvim", "lsp.log"))
		if len(b) > 20000 {
			b = b[len(b)-20000:]
		}
		return string(b)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("nvim wrote no report (%v): %v\n%s\nlsp.log:\n%s", runErr, err, out, lspLog())
	}
	var got struct {
		Steps          []string
		Error          string
		Initial, Final []protocol.Diagnostic
		VimDiagnostics int `json:"vim_diagnostics"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("report %s: %v", raw, err)
	}
	if got.Error != "" || runErr != nil {
		t.Fatalf("nvim: %v: %s\nsteps: %q\n%s\nlsp.log:\n%s", runErr, got.Error, got.Steps, out, lspLog())
	}

	find := func(ds []protocol.Diagnostic, msg string) *protocol.Diagnostic {
		i := slices.IndexFunc(ds, func(d protocol.Diagnostic) bool { return d.Message == msg })
		if i < 0 {
			return nil
		}
		return &ds[i]
	}
	rng := func(l1, c1, l2, c2 uint32) protocol.Range {
		return protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}}
	}
	for _, want := range []struct {
		msg     string
		rng     protocol.Range
		related int
	}{
		{"//go:nospilt is not a compiler directive, so the compiler ignores it; write //go:nosplit", rng(19, 0, 19, 12), 0},
		{"lock in fork child (child.closeAll): child.note: println", rng(12, 1, 12, 15), 2},
		{"race instrumentation in fork child (child.closeAll): child.closeAll holds fork-child code, which go build -race instruments (not //go:norace)", rng(8, 5, 8, 5), 0},
	} {
		d := find(got.Initial, want.msg)
		if d == nil {
			t.Errorf("Neovim did not receive %q; it got:\n%s", want.msg, dump(got.Initial))
			continue
		}
		if d.Range != want.rng || len(d.RelatedInformation) != want.related {
			t.Errorf("%q: range %v with %d related, want %v with %d", want.msg, d.Range, len(d.RelatedInformation), want.rng, want.related)
		}
	}
	if got.VimDiagnostics != len(got.Initial) {
		t.Errorf("vim.diagnostic.get has %d diagnostics, the server published %d", got.VimDiagnostics, len(got.Initial))
	}
	for _, d := range got.Final {
		if strings.Contains(d.Message, "//go:nospilt") || strings.Contains(d.Message, "child.closeAll holds fork-child code") {
			t.Errorf("after the fixes Neovim still shows %q", d.Message)
		}
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"//go:nosplit\nfunc leaf() {}", "//forkcheck:child runs between fork and exec\n//go:norace\nfunc closeAll("} {
		if !strings.Contains(string(text), want) {
			t.Errorf("saved file lacks %q:\n%s", want, text)
		}
	}
}
