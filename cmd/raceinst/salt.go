package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Cache keys.
//
// The go command keys a compile by the compiler's -V=full line, the
// package's -gcflags, its sources and its dependencies' export data. A
// salt in the compiler's -V=full line would key every package anew,
// instrumented or not: each raceinst configuration would recompile the
// standard library, and nothing would be shared with go build. So, unless
// the user passes -gcflags of their own, raceinst leaves the compiler's and
// assembler's -V=full as they are and marks only the packages it
// rewrites (those it instruments, and the main and required modules'
// packages whose synchronisation it rewrites: config.SyncModules), through
// a per-package -gcflags entry
// ("-gcflags=PATTERN=-raceinst.salt=SALT"): the mark enters exactly those
// packages' keys (and, through their export data, their importers'), and
// the toolexec call removes it before the compiler runs. A compile is
// instrumented only if it carries the mark with this build's salt, so an
// instrumented object can never be stored under a plain key. Everything
// else compiles exactly as under go build, from and into the same cache
// entries. The link, which adds rt, keeps the salt in link -V=full.
//
// With user -gcflags the mark cannot be added without changing which of the
// user's entries applies to a package (the go command applies the last
// entry that matches, alone), so raceinst falls back to the salt in every
// tool's -V=full: correct, but the whole build is keyed anew.

// saltFlag is the compiler flag that marks a package to instrument.
const saltFlag = "-raceinst.salt"

// perPackageSalt reports whether the build can be salted per package: no
// -gcflags from the user, on the command line or in GOFLAGS.
func perPackageSalt(goflags, flags []goFlag) bool {
	for _, fs := range [][]goFlag{goflags, flags} {
		for _, f := range fs {
			if f.name == "gcflags" {
				return false
			}
		}
	}
	return true
}

// saltArgs are the go command arguments that mark the packages matching
// patterns with salt.
func saltArgs(patterns []string, salt string) []string {
	var args []string
	for _, p := range patterns {
		args = append(args, "-gcflags="+p+"="+saltFlag+"="+salt)
	}
	return args
}

// takeSalt removes saltFlag from a compile's arguments (expanding response
// files, which may hold it) and returns the salt it carried, "" if none.
func takeSalt(args []string) ([]string, string, error) {
	var out []string
	salt := ""
	for _, a := range args {
		if strings.HasPrefix(a, "@") {
			exp, err := readResponseFile(a[1:])
			if err != nil {
				return nil, "", err
			}
			exp, s, err := takeSalt(exp)
			if err != nil {
				return nil, "", err
			}
			if s != "" {
				salt = s
			}
			out = append(out, exp...)
			continue
		}
		if v, ok := strings.CutPrefix(a, saltFlag+"="); ok {
			salt = v
			continue
		}
		out = append(out, a)
	}
	return out, salt, nil
}

// readResponseFile reads a response file as the go command writes them
// (cmd/go's encodeArg, read back by cmd/internal/objabi's expandArgs): one
// argument a line, with backslash and newline escaped.
func readResponseFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var args []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if !strings.Contains(line, `\`) {
			args = append(args, line)
			continue
		}
		var b strings.Builder
		for i := 0; i < len(line); i++ {
			if line[i] == '\\' && i+1 < len(line) {
				i++
				switch line[i] {
				case 'n':
					b.WriteByte('\n')
				case '\\':
					b.WriteByte('\\')
				default:
					return nil, fmt.Errorf("%s: bad escape \\%c", path, line[i])
				}
				continue
			}
			b.WriteByte(line[i])
		}
		args = append(args, b.String())
	}
	return args, nil
}

// responseFileArgs returns args as they can be passed to a tool: as they
// are, or, past a length the kernel may refuse, in a response file in dir.
func responseFileArgs(args []string, dir string) ([]string, error) {
	n := 0
	for _, a := range args {
		n += len(a) + 1
	}
	if n < 100<<10 || dir == "" {
		return args, nil
	}
	var b strings.Builder
	for _, a := range args {
		a = strings.ReplaceAll(a, `\`, `\\`)
		a = strings.ReplaceAll(a, "\n", `\n`)
		b.WriteString(a)
		b.WriteByte('\n')
	}
	f := filepath.Join(dir, "raceinst-compile.rsp")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return []string{"@" + f}, nil
}
