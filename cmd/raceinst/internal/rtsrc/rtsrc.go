// Package rtsrc holds a copy of the source of package rt (and
// rt/internal/...), embedded in the raceinst binary.
//
// raceinst builds rt itself, outside the user's module graph, so it needs
// rt's source wherever it runs: installed with go install ...@version, run
// with go run from a checkout, built with -trimpath, with the module cache
// cleaned. Embedding is the one way that works in all of these; finding the
// module through debug.ReadBuildInfo and GOMODCACHE fails for the last three.
// The copy is one generated archive, rt.src.gz (so the tree does not hold a
// second, reviewable-looking copy of rt's source), and rtsrc_test.go fails
// when it differs from ../../../../rt (go generate rewrites it).
//
// The archive is gzip'd name, length and content records rather than a
// tar file: archive/tar imports os/user, which links cgo into raceinst,
// and a dynamically linked raceinst takes 3-4 ms longer to start. The go
// command starts raceinst for every tool's -V=full and every compile of a
// build, so that is a cost on every warm build.
package rtsrc

//go:generate go test . -run TestUpToDate -update

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"
)

//go:embed rt.src.gz
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

// Pack returns a deterministic archive of files (same input, same
// bytes): gzip'd records of name, newline, decimal length, newline and
// content, in name order.
func Pack(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		if name == "" || strings.Contains(name, "\n") {
			return nil, fmt.Errorf("rtsrc: cannot pack file name %q", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		fmt.Fprintf(zw, "%s\n%d\n", name, len(files[name]))
		zw.Write(files[name]) // a bytes.Buffer does not fail
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxRatio bounds a record's length by the archive's size: gzip does not
// expand anything more than about 1032 times.
const maxRatio = 1032

// Unpack reads an archive made by Pack.
func Unpack(data []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(zr)
	out := map[string][]byte{}
	for {
		name, err := br.ReadString('\n')
		if err == io.EOF && name == "" {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("truncated record: %v", err)
		}
		size, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("%s: truncated record: %v", name[:len(name)-1], err)
		}
		name = name[:len(name)-1]
		if _, dup := out[name]; dup || name == "" {
			return nil, fmt.Errorf("bad or repeated file name %q", name)
		}
		n, err := strconv.Atoi(size[:len(size)-1])
		if err != nil || n < 0 || n > len(data)*maxRatio {
			return nil, fmt.Errorf("%s: bad length %q", name, size[:len(size)-1])
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		out[name] = b
	}
}

// Hash identifies the embedded source: a hex SHA-256 of the archive, which
// Pack makes from the files alone (and compress/gzip's encoder: go
// generate under another Go release may change the bytes, and so the
// hash, of the same files, which costs one rebuild of rt). It does not
// unpack the archive: a warm build asks for it and needs nothing else.
func Hash() string {
	sum := sha256.Sum256(archive)
	return hex.EncodeToString(sum[:])
}

// HashTree identifies rt's source in the tree rooted at root (a module
// root): a hex SHA-256 over every file's path and content.
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
