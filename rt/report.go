package rt

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/raceinst/raceinst/rt/internal/goid"
	"github.com/raceinst/raceinst/rt/internal/platform"
)

func goidGet() int64 { return goid.Get() }

var (
	racesFound atomic.Int64 // reports printed

	repMu        sync.Mutex
	seenAddrs    map[uintptr]bool
	seenStacks   map[[2]uintptr]bool
	outFile      *os.File // nil: stderr
	outFD        = platform.Stderr
	outOpened    bool
	handlerArmed atomic.Bool
)

// openOutput resolves log_path once. Called with repMu held.
func openOutput(o *options) {
	if outOpened {
		return
	}
	outOpened = true
	switch o.logPath {
	case "", "stderr":
	case "stdout":
		outFD = platform.Stdout
		outFile = os.Stdout
	default:
		name := o.logPath + "." + strconv.Itoa(os.Getpid())
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
		if err != nil {
			fmt.Fprintf(os.Stderr, "==%d==ERROR: cannot open log_path %s: %v; writing reports to stderr\n", os.Getpid(), name, err)
			return
		}
		outFile = f
		outFD = int(f.Fd())
	}
}

// emit writes one report. Called with repMu held.
func emit(b []byte) {
	if outFile != nil {
		outFile.Write(b)
		return
	}
	platform.Write(outFD, b)
}

// reportRace prints a report for a conflict between the current access
// (by g, described by cur) and rc.prev, unless a suppression option says it
// repeats an earlier report.
func reportRace(g *gstate, rc race, curInfo accessInfo) {
	o := getOptions()
	word := rc.addr &^ 7
	repMu.Lock()
	if o.suppressAddrs {
		if seenAddrs[word] {
			repMu.Unlock()
			return
		}
		if seenAddrs == nil {
			seenAddrs = make(map[uintptr]bool)
		}
		seenAddrs[word] = true
	}
	if o.suppressStacks {
		k := [2]uintptr{curInfo.pc, rc.prev.pc}
		if k[0] > k[1] {
			k[0], k[1] = k[1], k[0]
		}
		if seenStacks[k] {
			repMu.Unlock()
			return
		}
		if seenStacks == nil {
			seenStacks = make(map[[2]uintptr]bool)
		}
		seenStacks[k] = true
	}
	repMu.Unlock()

	var b strings.Builder
	b.WriteString("==================\nWARNING: DATA RACE\n")
	fmt.Fprintf(&b, "%s at 0x%012x by %s:\n", kind(rc.write), rc.addr, gname(g.id))
	writeStack(&b, o, append(stacks.get(curInfo.stk), curInfo.pc))
	fmt.Fprintf(&b, "\nPrevious %s at 0x%012x by %s:\n", strings.ToLower(kind(rc.prevWrite)), rc.addr, gname(rc.prev.goid))
	if rc.prev.pc == 0 && rc.prev.stk == 0 {
		// Its details were overwritten in infoTab, as TSan's history runs out.
		b.WriteString("  [failed to restore the stack]\n")
	} else {
		writeStack(&b, o, append(stacks.get(rc.prev.stk), rc.prev.pc))
	}
	for _, id := range []int64{g.id, rc.prev.goid} {
		if id == 1 {
			continue // the main goroutine has no creation site
		}
		state, create, known := describeG(id)
		if !known || create == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nGoroutine %d (%s) created at:\n", id, state)
		writeStack(&b, o, stacks.get(create))
	}
	b.WriteString("==================\n")

	n := racesFound.Add(1)
	repMu.Lock()
	openOutput(o)
	if o.haltOnError {
		// Fatal path: no allocation beyond this point matters, but take no
		// lock a stuck goroutine could hold: raw write, raw exit.
		platform.Write(outFD, []byte(b.String()))
		msg := "==" + strconv.Itoa(os.Getpid()) + "==raceinst: halt_on_error: exiting after the first data race (thread " + strconv.FormatInt(platform.ThreadID(), 10) + ")\n"
		platform.Write(outFD, []byte(msg))
		platform.Exit(o.exitCode)
	}
	emit([]byte(b.String()))
	repMu.Unlock()
	if n == 1 {
		armSignalSummary()
	}
}

func kind(write bool) string {
	if write {
		return "Write"
	}
	return "Read"
}

func gname(id int64) string {
	if id == 1 {
		return "main goroutine"
	}
	return "goroutine " + strconv.FormatInt(id, 10)
}

// writeStack prints pcs (outermost first) innermost first, in the format of
// Go's race reports:
//
//	pkg.Func()
//	    /path/file.go:12 +0x44
func writeStack(b *strings.Builder, o *options, pcs []uintptr) {
	for i := len(pcs) - 1; i >= 0; i-- {
		pc := pcs[i]
		if pc == 0 {
			continue
		}
		frames := runtime.CallersFrames([]uintptr{pc})
		for {
			f, more := frames.Next()
			name := f.Function
			if name == "runtime.goexit" {
				break // the bottom of every goroutine; Go's reports leave it out
			}
			if more && (strings.HasPrefix(name, rtPrefix) || strings.Contains(name, ".__rt_")) {
				continue // rt or an instrumenter helper inlined at the access
			}
			if name == "" {
				name = "??"
			}
			file := strings.TrimPrefix(f.File, o.stripPathPrefix)
			fmt.Fprintf(b, "  %s()\n      %s:%d +0x%x\n", name, file, f.Line, f.PC-f.Entry)
			if !more {
				break
			}
		}
	}
}

// fatal reports an internal limit and ends the process.
func fatal(msg string) {
	platform.Write(platform.Stderr, []byte(msg+"\n"))
	platform.Exit(2)
}
