package rtsrc

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite rt.src.gz from ../../../../rt")

// repoRoot is the module root of this checkout, which holds the real rt.
const repoRoot = "../../../.."

// TestUpToDate fails when the embedded copy differs from rt's source; run
// go generate (or this test with -update) to refresh it.
func TestUpToDate(t *testing.T) {
	want, err := Collect(os.DirFS(repoRoot))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		data, err := Pack(want)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("rt.src.gz", data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := Collect(FS())
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from the embedded copy", name)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s: embedded copy is stale", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: in the embedded copy but not in rt", name)
		}
	}
	if t.Failed() {
		t.Log("run: go generate ./cmd/raceinst/internal/rtsrc")
	}
}

// TestPackDeterministic: the archive's bytes depend only on the files, so
// go generate leaves an unchanged rt's archive byte-identical.
func TestPackDeterministic(t *testing.T) {
	files := map[string][]byte{"rt/b.go": []byte("package rt\n"), "rt/a.go": []byte("package rt // a\n")}
	a, err := Pack(files)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Pack(map[string][]byte{"rt/a.go": files["rt/a.go"], "rt/b.go": files["rt/b.go"]})
	if !bytes.Equal(a, b) {
		t.Fatal("Pack is not deterministic")
	}
	back, err := Unpack(a)
	if err != nil || len(back) != 2 || string(back["rt/a.go"]) != "package rt // a\n" {
		t.Fatalf("Unpack(Pack(files)) = %q, %v", back, err)
	}
}

// TestExtract checks that the extracted tree is a module holding rt.
func TestExtract(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"go.mod", "rt/hooks.go", "rt/internal/goid/goid.go"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if len(Hash()) != 64 {
		t.Errorf("Hash() = %q, want 64 hex digits", Hash())
	}
}

// TestUnpackErrors: a damaged archive is an error naming the record, not a
// short tree.
func TestUnpackErrors(t *testing.T) {
	if _, err := Pack(map[string][]byte{"rt/a\n.go": nil}); err == nil {
		t.Error("Pack accepted a name with a newline")
	}
	for _, tc := range []struct{ raw, want string }{
		{"rt/a.go\n5\nab", "rt/a.go: unexpected EOF"},
		{"rt/a.go\nx\nab", `rt/a.go: bad length "x"`},
		{"rt/a.go\n", "rt/a.go: truncated record"},
		{"rt/a.go", "truncated record"},
		{"rt/a.go\n1\nxrt/a.go\n1\nx", `repeated file name "rt/a.go"`},
		{"\n1\nx", `bad or repeated file name ""`},
		{"rt/a.go\n99999999999\n", `rt/a.go: bad length "99999999999"`},
	} {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(tc.raw))
		zw.Close()
		if _, err := Unpack(buf.Bytes()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Unpack(%q) = %v, want an error containing %q", tc.raw, err, tc.want)
		}
	}
}
