package main

import (
	"fmt"
	"strings"
)

// The go command's flags that take a value as the next argument when not
// written -flag=value, per verb family. Flags missing here are taken to be
// booleans (-v, -x, -trimpath, -json, ...), which is also how go test treats
// flags it does not know.
var (
	buildValueFlags = setOf("C", "o", "p", "asmflags", "buildmode", "compiler",
		"gccgoflags", "gcflags", "installsuffix", "ldflags", "mod", "modfile",
		"overlay", "pgo", "pkgdir", "tags", "toolexec", "covermode", "coverpkg",
		"exec", "instrument")
	testValueFlags = setOf("run", "skip", "bench", "benchtime", "count", "cpu",
		"parallel", "timeout", "list", "fuzz", "fuzztime", "fuzzminimizetime",
		"blockprofile", "blockprofilerate", "coverprofile", "cpuprofile",
		"memprofile", "memprofilerate", "mutexprofile", "mutexprofilefraction",
		"outputdir", "trace", "shuffle", "vet")
	// boolFlags are the known boolean flags; for go test, a flag in none of
	// these sets is the test binary's.
	boolFlags = setOf("a", "n", "x", "v", "race", "msan", "asan", "work",
		"trimpath", "linkshared", "modcacherw", "cover", "json", "buildvcs",
		"c", "failfast", "fullpath", "short", "benchmem", "artifacts")
)

func setOf(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// goFlag is one flag as the user wrote it.
type goFlag struct {
	name  string   // without dashes
	value string   // "" for a bare boolean
	hasEq bool     // written -name=value, or a value flag with its value next
	args  []string // the arguments it occupied, verbatim
}

// invocation is a parsed raceinst command line.
type invocation struct {
	verb string
	// flags are the go flags before the first package (all of them for
	// build, install and vet; for test also those after the packages).
	flags []goFlag
	// pkgs are the package patterns or .go files named.
	pkgs []string
	// rest is everything after the packages that is not a go flag: the
	// program's arguments for run, the test binary's after -args for test.
	rest []string
	// instrument is -instrument's value, split; nil when not given.
	instrument []string
	// chdir is -C's value.
	chdir string
	// goArgs are the arguments for the go command: the user's, without
	// -C, -instrument and -pgo.
	goArgs []string
	// warnings are things worth telling the user about the flags.
	warnings []string
}

// parseArgs parses raceinst's command line after the verb.
func parseArgs(verb string, args []string) (*invocation, error) {
	inv := &invocation{verb: verb}
	valueFlag := func(name string) bool {
		if buildValueFlags[name] {
			return true
		}
		if verb == "test" {
			return testValueFlags[strings.TrimPrefix(name, "test.")]
		}
		return false
	}
	// go test's rules (cmd/go/internal/test/testflag.go): the packages are
	// one run of non-flags; after them, or after a flag go test does not
	// know, a non-flag is a flag's value or the start of the test binary's
	// arguments.
	inPkgList, pkgsDone, afterUnknownBool := false, false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		wasAfterUnknownBool := afterUnknownBool
		afterUnknownBool = false
		if verb == "test" && (a == "-args" || a == "--args") {
			inv.rest = append(inv.rest, args[i:]...)
			inv.goArgs = append(inv.goArgs, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || a == "--" {
			if verb == "test" {
				inv.goArgs = append(inv.goArgs, a)
				switch {
				case a == "--":
					inv.rest = append(inv.rest, args[i:]...)
					inv.goArgs = append(inv.goArgs, args[i+1:]...)
					return inv, nil
				case !inPkgList && pkgsDone && wasAfterUnknownBool:
					inv.rest = append(inv.rest, a) // a value, probably
				case !inPkgList && pkgsDone:
					inv.rest = append(inv.rest, args[i:]...)
					inv.goArgs = append(inv.goArgs, args[i+1:]...)
					return inv, nil
				default:
					inPkgList = true
					inv.pkgs = append(inv.pkgs, a)
				}
				continue
			}
			if a == "--" {
				return nil, fmt.Errorf("raceinst %s: -- is not supported; name the packages after the flags", verb)
			}
			// The first non-flag ends the flags, as for the go command.
			if verb == "run" {
				j := i
				if strings.HasSuffix(a, ".go") {
					for j < len(args) && strings.HasSuffix(args[j], ".go") && !strings.HasPrefix(args[j], "-") {
						j++
					}
				} else {
					j++
				}
				inv.pkgs = args[i:j]
				inv.rest = args[j:]
			} else {
				inv.pkgs = args[i:]
			}
			inv.goArgs = append(inv.goArgs, args[i:]...)
			break
		}
		if inPkgList {
			inPkgList, pkgsDone = false, true
		}
		name := strings.TrimLeft(a, "-")
		f := goFlag{name: name, args: []string{a}}
		k := strings.IndexByte(name, '=')
		if k >= 0 {
			f.name, f.value, f.hasEq = name[:k], name[k+1:], true
		}
		if verb == "test" && !valueFlag(f.name) && !boolFlags[strings.TrimPrefix(f.name, "test.")] {
			pkgsDone = true
			afterUnknownBool = k < 0
		}
		if k < 0 && valueFlag(name) {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("raceinst %s: flag needs an argument: %s", verb, a)
			}
			i++
			f.value, f.hasEq = args[i], true
			f.args = append(f.args, args[i])
		}
		switch f.name {
		case "instrument":
			inv.instrument = splitList(f.value)
			continue // ours, not the go command's
		case "C":
			if len(inv.flags) > 0 {
				return nil, fmt.Errorf("raceinst %s: -C must be the first flag", verb)
			}
			inv.chdir = f.value
			continue
		case "pgo":
			// go list -export, which builds rt, skips PGO preprocessing,
			// so a PGO build's standard library would not match rt's.
			if f.value != "off" {
				inv.warnings = append(inv.warnings, "-pgo="+f.value+" ignored: raceinst builds with -pgo=off")
			}
			continue
		}
		inv.flags = append(inv.flags, f)
		inv.goArgs = append(inv.goArgs, f.args...)
	}
	return inv, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseGOFLAGS splits GOFLAGS as the go command does (space-separated
// -flag or -flag=value entries) into flags.
func parseGOFLAGS(s string) []goFlag {
	var out []goFlag
	for _, a := range strings.Fields(s) {
		name := strings.TrimLeft(a, "-")
		f := goFlag{name: name, args: []string{a}}
		if k := strings.IndexByte(name, '='); k >= 0 {
			f.name, f.value, f.hasEq = name[:k], name[k+1:], true
		}
		out = append(out, f)
	}
	return out
}

// checkFlags refuses what raceinst cannot honour: another race detector,
// another toolexec, shared linking (rt is linked into the executable).
func checkFlags(where string, flags []goFlag) error {
	for _, f := range flags {
		switch {
		case f.name == "race" && f.value != "false":
			return fmt.Errorf("raceinst: %s: -race cannot be combined with raceinst; raceinst is the race detector (drop -race)", where)
		case f.name == "toolexec" && f.value != "":
			return fmt.Errorf("raceinst: %s: -toolexec is not supported: raceinst runs the build through its own -toolexec", where)
		case f.name == "buildmode" && f.value == "shared":
			return fmt.Errorf("raceinst: %s: -buildmode=shared is not supported", where)
		case f.name == "linkshared" && f.value != "false":
			return fmt.Errorf("raceinst: %s: -linkshared is not supported", where)
		case f.name == "compiler" && f.value != "gc":
			return fmt.Errorf("raceinst: %s: -compiler=%s is not supported; raceinst works with gc only", where, f.value)
		}
	}
	return nil
}

// rtBuildFlags are the flags that change how rt and its standard-library
// dependencies compile: rt must be built with exactly these, or the link
// fails with a fingerprint mismatch. GOFLAGS come first so that the command
// line overrides them, as in the go command.
func rtBuildFlags(goflags, cmdline []goFlag) []string {
	var out []string
	for _, fs := range [][]goFlag{goflags, cmdline} {
		for _, f := range fs {
			switch f.name {
			case "tags", "gcflags", "asmflags", "buildmode":
				out = append(out, "-"+f.name+"="+f.value)
			case "trimpath", "msan", "asan":
				if f.hasEq {
					out = append(out, "-"+f.name+"="+f.value)
				} else {
					out = append(out, "-"+f.name)
				}
			}
		}
	}
	return out
}

// buildTags returns the effective -tags value.
func buildTags(goflags, cmdline []goFlag) []string {
	var tags []string
	for _, fs := range [][]goFlag{goflags, cmdline} {
		for _, f := range fs {
			if f.name == "tags" {
				tags = strings.FieldsFunc(f.value, func(r rune) bool { return r == ',' || r == ' ' })
			}
		}
	}
	return tags
}
