// Package rtsrc holds a copy of the source of package rt (and
// rt/internal/...), embedded in the raceinst binary.
//
// raceinst builds rt itself, outside the user's module graph, so it needs
// rt's source wherever it runs: installed with go install ...@version, run
// with go run from a checkout, built with -trimpath, with the module cache
// cleaned. Embedding is the one way that works in all of these; finding the
// module through debug.ReadBuildInfo and GOMODCACHE fails for the last three.
// The copy is one generated archive, rt.tar.gz (so the tree does not hold a
// second, reviewable-looking copy of rt's source), and rtsrc_test.go fails
// when it differs from ../../../../rt (go generate rewrites it).
package rtsrc

//go:generate go test . -run TestUpToDate -update

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
)

//go:embed rt.tar.gz
var archive []byte

// ModulePath is the module the copy belongs to.
const ModulePath = "github.com/raceinst/raceinst"

// FS returns the embedded tree, rooted at the module root: "rt/hooks.go",
// "rt/internal/goid/goid.go", ....
func FS() fs.FS { return unpacked() }

var unpacked = sync.OnceValue(func() fstest.MapFS {
	files, err := Unpack(archive)
	if err != nil {
		panic("rtsrc: corrupt embedded archive: " + err.Error()) // built by go generate
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
})

// Pack returns a deterministic gzip'd tar of files (same input, same
// bytes): sorted names, no times, no owners.
func Pack(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, name := range names {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unpack reads an archive made by Pack.
func Unpack(data []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[hdr.Name] = b
	}
}

// Hash identifies the embedded source: a hex SHA-256 over every file's path
// and content.
func Hash() string {
	h, err := HashTree(FS())
	if err != nil {
		panic(err)
	}
	return h
}

// HashTree is Hash for rt's source in the tree rooted at root (a module
// root).
func HashTree(root fs.FS) (string, error) {
	h := sha256.New()
	files, err := Collect(root)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(files[name])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Collect reads the files of rt's source that a build needs from a tree
// rooted at the module root: non-test .go, .s and .h files under rt/,
// testdata excluded. Keys are slash-separated paths from the root.
func Collect(root fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(root, "rt", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, "_test.go") {
			return nil
		}
		switch path.Ext(name) {
		case ".go", ".s", ".h":
		default:
			return nil
		}
		data, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		out[p] = data
		return nil
	})
	return out, err
}

// Extract writes the embedded module to dir: its files and a go.mod naming
// ModulePath.
func Extract(dir string) error {
	files, err := Collect(FS())
	if err != nil {
		return err
	}
	files["go.mod"] = []byte("module " + ModulePath + "\n\ngo 1.25\n")
	for name, data := range files {
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
