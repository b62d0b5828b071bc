package main

// Remembering the pre-pass.
//
// The pre-pass's go list costs more than the rest of a cached raceinst
// build's own work (80 ms of 340 for goimports), and its answer is almost
// always the same as last time. The memo keeps that answer, the skip set
// per instrument selection, together with a stamp (kind, size,
// modification time) of every local file the answer depends on:
//
//   - the directory of each listed package outside GOROOT and GOMODCACHE
//     (those two are immutable for a given go env), and each entry in it,
//     so that an edited, added, removed or renamed file is seen, build
//     constraints included;
//   - the main modules' go.mod and go.sum and their directories (a new
//     vendor directory), go.work and go.work.sum, and the -overlay file and
//     the files it names;
//   - for a package pattern with "..." (or all), every directory of each
//     local module the listing touched, so that a new package is seen.
//
// A run whose stamps all match takes the answer without listing. The memo
// is keyed by what else goes into go list's answer: the raceinst
// executable (its norace), go env, the working directory, the flags and
// the package arguments. As git does for its index, an answer is not
// remembered when a stamped file changed within two seconds before the
// listing began: a second change within the file system's timestamp
// granularity could leave the stamp as it was.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// racyWindow is how recent a change may be for an answer to be remembered.
const racyWindow = 2 * time.Second

// prepassMemo is one memo file, read at the start of a run.
type prepassMemo struct {
	path string
	data memoData
	// valid reports that every stamp matched at the start of this run.
	valid bool
}

type memoData struct {
	Dirs  []string // listed package directories: themselves and their entries
	Files []string // single files, present or absent
	Roots []string // trees whose directories are stamped
	Stamp []fileStamp
	// Skips are the answers, by instrument patterns (joined with NUL).
	Skips map[string][]string
}

// fileStamp is what a file's change would change. Mode 0 means absent.
type fileStamp struct {
	Path  string
	Mode  fs.FileMode
	Size  int64
	MTime int64
}

// memoEnv is what the memo key and the stamps need from the driver.
type memoEnv struct {
	env  *goEnv
	mods *modules
	exe  string // the raceinst executable's hash
}

// openPrepassMemo reads the memo for the pre-pass p and checks its stamps.
// It returns nil when there is no place to keep a memo.
func openPrepassMemo(p *skipPrepass, m *memoEnv) *prepassMemo {
	if m == nil || m.env == nil || m.mods == nil || len(m.mods.dirs) == 0 {
		// GOPATH mode, or no module: nothing says which files are local.
		return nil
	}
	cache, err := cacheDir()
	if err != nil {
		return nil
	}
	cwd := p.dir
	if cwd == "" {
		cwd = m.mods.cwd
	}
	var overlay []byte
	if p.overlayFile != "" {
		if overlay, err = os.ReadFile(p.overlayFile); err != nil {
			return nil
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "prepass 1\x00%s\x00%s\x00%s\x00%q\x00%v\x00%q\x00%s", m.exe, m.env.all, cwd, p.flags, p.tests, p.args, overlay)
	memo := &prepassMemo{path: filepath.Join(cache, "prepass-"+hex.EncodeToString(h.Sum(nil)[:12])+".json")}
	data, err := os.ReadFile(memo.path)
	if err != nil || json.Unmarshal(data, &memo.data) != nil {
		memo.data = memoData{}
		return memo
	}
	now, err := stamps(memo.data.Dirs, memo.data.Files, memo.data.Roots)
	memo.valid = err == nil && slices.Equal(now, memo.data.Stamp)
	if !memo.valid {
		memo.data = memoData{}
	}
	return memo
}

// hasValid reports that the memo's stamps matched.
func (m *prepassMemo) hasValid() bool { return m != nil && m.valid }

// lookup returns the remembered answer for the instrument patterns.
func (m *prepassMemo) lookup(patterns []string) ([]string, bool) {
	if m == nil || !m.valid {
		return nil, false
	}
	skips, ok := m.data.Skips[strings.Join(patterns, "\x00")]
	return skips, ok
}

// store remembers the answer for the patterns, computed from p's listing.
func (m *prepassMemo) store(p *skipPrepass, patterns []string, skips []string) {
	if m == nil {
		return
	}
	if !m.valid {
		dirs, files, roots, ok := stampedPaths(p, p.memoEnv)
		if !ok {
			return
		}
		st, err := stamps(dirs, files, roots)
		if err != nil {
			return
		}
		limit := p.listStart.Add(-racyWindow).UnixNano()
		for _, s := range st {
			if s.MTime > limit {
				return
			}
		}
		m.data = memoData{Dirs: dirs, Files: files, Roots: roots, Stamp: st}
	}
	if m.data.Skips == nil {
		m.data.Skips = map[string][]string{}
	}
	if skips == nil {
		skips = []string{}
	}
	m.data.Skips[strings.Join(patterns, "\x00")] = skips
	if data, err := json.Marshal(&m.data); err == nil {
		writeFileAtomic(m.path, data) // only a cache
	}
}

// stampedPaths returns what the listing's answer depends on locally. It
// reports false when the listing cannot be remembered: a package with an
// error or without a directory.
func stampedPaths(p *skipPrepass, me *memoEnv) (dirs, files, roots []string, ok bool) {
	immutable := []string{me.env.GOROOT, me.env.GOMODCACHE}
	local := func(dir string) bool {
		for _, root := range immutable {
			if root != "" && within(dir, root) {
				return false
			}
		}
		return true
	}
	seen := map[string]bool{}
	for _, pkg := range p.pkgs {
		if pkg.Error != nil || pkg.Dir == "" {
			return nil, nil, nil, false
		}
		if pkg.Standard || !local(pkg.Dir) || seen[pkg.Dir] {
			continue
		}
		seen[pkg.Dir] = true
		dirs = append(dirs, pkg.Dir)
	}
	for _, dir := range me.mods.dirs {
		files = append(files, dir, filepath.Join(dir, "go.mod"), filepath.Join(dir, "go.sum"))
	}
	if w := me.env.GOWORK; w != "" && w != "off" {
		files = append(files, w, w+".sum")
	}
	if p.overlayFile != "" {
		files = append(files, p.overlayFile)
		for _, to := range sortedMapKeys(invert(p.overlay)) {
			if to != "" {
				files = append(files, to)
			}
		}
	}
	if hasWildcard(p.args) {
		// The local modules the listing touched: each package directory's
		// nearest go.mod.
		rootSeen := map[string]bool{}
		for _, dir := range dirs {
			root := moduleRoot(dir)
			if root != "" && !rootSeen[root] {
				rootSeen[root] = true
				roots = append(roots, root)
			}
		}
		for _, dir := range me.mods.dirs {
			if !rootSeen[dir] {
				rootSeen[dir] = true
				roots = append(roots, dir)
			}
		}
	}
	return dirs, files, roots, true
}

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// hasWildcard reports whether a package argument matches packages by
// directory walk: "..." patterns and "all".
func hasWildcard(pkgs []string) bool {
	for _, p := range pkgs {
		if strings.Contains(p, "...") || p == "all" {
			return true
		}
	}
	return false
}

// moduleRoot returns the nearest directory at or above dir holding a
// go.mod, or "".
func moduleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// stamps stamps the package directories with their entries, the files,
// and every directory of the trees (as the go command walks them for
// "...": names starting with . or _, testdata and nested modules aside).
func stamps(dirs, files, roots []string) ([]fileStamp, error) {
	var out []fileStamp
	stat := func(path string) {
		s := fileStamp{Path: path}
		if fi, err := os.Lstat(path); err == nil {
			s.Mode, s.Size, s.MTime = fi.Mode(), fi.Size(), fi.ModTime().UnixNano()
			if fi.IsDir() {
				s.Size = 0 // a directory's size says nothing more
			}
		}
		out = append(out, s)
	}
	for _, dir := range dirs {
		stat(dir)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			stat(filepath.Join(dir, e.Name()))
		}
	}
	for _, f := range files {
		stat(f)
	}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if path != root {
				name := d.Name()
				if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					stat(path) // its removal would change what ... matches
					return filepath.SkipDir
				}
			}
			stat(path)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
