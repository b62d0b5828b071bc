package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// toolexecArg is the first argument of raceinst's -toolexec calls.
const toolexecArg = "__toolexec"

// toolexec handles one tool invocation of the go command: argv is the
// tool's path and arguments.
func toolexec(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "raceinst: "+toolexecArg+" needs a tool to run")
		return 2
	}
	tool, args := argv[0], argv[1:]
	name := strings.TrimSuffix(filepath.Base(tool), ".exe")
	var cfg *config
	if p := os.Getenv(configEnv); p != "" {
		c, err := readConfig(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "raceinst: reading config: %v\n", err)
			return 2
		}
		cfg = c
	}
	if cfg == nil {
		// Not started by the raceinst driver: stay out of the way.
		return runTool(tool, args)
	}
	if len(args) == 1 && args[0] == "-V=full" {
		return toolVersion(tool, cfg.Salt, cfg.PerPackage && name != "link")
	}
	switch name {
	case "compile":
		return compile(cfg, tool, args)
	case "link":
		return link(cfg, tool, args)
	}
	return runTool(tool, args)
}

// runTool runs the real tool with raceinst's standard streams and returns
// its exit status.
func runTool(tool string, args []string) int {
	cmd := exec.Command(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return exitCode(cmd.Run())
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code > 0 {
			return code
		}
		return 1
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "raceinst:", err)
		return 1
	}
	return 0
}

// toolVersion answers the go command's "tool -V=full" with the tool's own
// line, unchanged when the build is salted per package (salt.go) and
// otherwise plus " raceinst=<salt>". The go command uses a release tool's
// whole line as the tool's ID, but only the content part of a development
// tool's trailing buildID= field; there the salt is appended to that field.
func toolVersion(tool, salt string, plain bool) int {
	line, err := toolVersionLine(tool)
	if err != nil {
		return exitCode(err)
	}
	f := strings.Fields(line)
	switch n := len(f); {
	case plain:
	case n >= 3 && strings.Contains(f[2], "devel") && strings.HasPrefix(f[n-1], "buildID="):
		f[n-1] += "+raceinst=" + salt
		line = strings.Join(f, " ")
	default:
		line += " raceinst=" + salt
	}
	fmt.Println(line)
	return 0
}

// toolVersionLine returns the tool's -V=full line. The go command asks for
// it once per tool in every build, which costs a process start (15 ms on
// a small machine) on top of raceinst's own; the line is remembered in
// raceinst's cache by the tool's path, size and modification time, as
// the go command itself identifies a C compiler's executable (not for a
// tool younger than racyWindow, see prepassmemo.go).
func toolVersionLine(tool string) (string, error) {
	var memo, stamp string
	if st, err := os.Stat(tool); err == nil && time.Since(st.ModTime()) > racyWindow {
		if cache, err := cacheDir(); err == nil {
			sum := sha256.Sum256([]byte(tool))
			memo = filepath.Join(cache, "toolv-"+hex.EncodeToString(sum[:12]))
			stamp = fmt.Sprintf("%s %d %d %v", tool, st.Size(), st.ModTime().UnixNano(), st.Mode())
			if data, err := os.ReadFile(memo); err == nil {
				if s, line, ok := strings.Cut(string(data), "\n"); ok && s == stamp && line != "" {
					return line, nil
				}
			}
		}
	}
	cmd := exec.Command(tool, "-V=full")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(out))
	if memo != "" && line != "" && !strings.Contains(line, "\n") {
		writeFileAtomic(memo, []byte(stamp+"\n"+line)) // only a cache
	}
	return line, nil
}

// logAction appends a line to the file named by RACEINST_TOOLEXEC_LOG.
func logAction(format string, args ...any) {
	p := os.Getenv(logEnv)
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	fmt.Fprintf(f, format+"\n", args...)
	f.Close()
}

// importcfg is a parsed compile or link -importcfg file.
type importcfg struct {
	packageFile map[string]string // import path -> export data
	importMap   map[string]string // import path in source -> actual path
}

func readImportcfg(path string) (*importcfg, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg := &importcfg{packageFile: map[string]string{}, importMap: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		verb, rest, _ := strings.Cut(line, " ")
		k, v, ok := strings.Cut(strings.TrimSpace(rest), "=")
		if !ok {
			continue
		}
		switch verb {
		case "packagefile":
			cfg.packageFile[k] = v
		case "importmap":
			cfg.importMap[k] = v
		}
	}
	return cfg, sc.Err()
}

// appendImportcfg adds a packagefile line for each entry of files that the
// import config at path does not have yet. A package already there (rt in
// a program that imports it) keeps its entry: the program links one rt.
func appendImportcfg(path string, files map[string]string) error {
	cfg, err := readImportcfg(path)
	if err != nil {
		return err
	}
	var add bytes.Buffer
	for _, p := range sortedKeys(files) {
		if _, ok := cfg.packageFile[p]; !ok {
			fmt.Fprintf(&add, "packagefile %s=%s\n", p, files[p])
		}
	}
	if add.Len() == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	// The go command ends the file with a newline; be safe if not.
	if data, _ := os.ReadFile(path); len(data) > 0 && data[len(data)-1] != '\n' {
		f.WriteString("\n")
	}
	_, err = f.Write(add.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// flagValue returns the value of -name in a tool's arguments (-name value
// or -name=value).
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == "-"+name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "-"+name+"="); ok {
			return v
		}
	}
	return ""
}

// link adds rt's closure to the link's import config: the instrumented
// packages import rt, which the go command does not know about.
func link(cfg *config, tool string, args []string) int {
	if p := flagValue(args, "importcfg"); p != "" {
		if err := appendImportcfg(p, cfg.RTClosure); err != nil {
			fmt.Fprintf(os.Stderr, "raceinst: link: %v\n", err)
			return 1
		}
	}
	logAction("link %s", os.Getenv("TOOLEXEC_IMPORTPATH"))
	return runTool(tool, args)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
