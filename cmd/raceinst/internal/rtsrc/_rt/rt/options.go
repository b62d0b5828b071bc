package rt

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// options are the GORACE settings, with the names, defaults and meaning of
// Go's race detector (https://go.dev/doc/articles/race_detector#Options).
type options struct {
	logPath         string // log_path: reports go to log_path.PID; "stdout"/"stderr" name those
	exitCode        int    // exitcode: exit status when races were found
	stripPathPrefix string // strip_path_prefix: removed from file names in reports
	historySize     int    // history_size: accepted; rt keeps one access per word (doc.go)
	haltOnError     bool   // halt_on_error: exit after the first report
	atexitSleepMs   int    // atexit_sleep_ms: wait for other goroutines before the summary
	suppressStacks  bool   // suppress_equal_stacks: one report per pair of access sites
	suppressAddrs   bool   // suppress_equal_addresses: one report per word
	warnings        []string
	unknown         []string
}

func defaultOptions() options {
	return options{
		exitCode:       66,
		historySize:    1,
		atexitSleepMs:  1000,
		suppressStacks: true,
		suppressAddrs:  true,
	}
}

// parseOptions reads a GORACE value: space-separated name=value pairs.
func parseOptions(s string) options {
	o := defaultOptions()
	for _, f := range strings.Fields(s) {
		name, val, ok := strings.Cut(f, "=")
		if !ok {
			o.unknown = append(o.unknown, f)
			continue
		}
		var err error
		switch name {
		case "log_path":
			o.logPath = val
		case "exitcode":
			o.exitCode, err = strconv.Atoi(val)
		case "strip_path_prefix":
			o.stripPathPrefix = val
		case "history_size":
			o.historySize, err = strconv.Atoi(val)
		case "halt_on_error":
			o.haltOnError, err = parseBool(val)
		case "atexit_sleep_ms":
			o.atexitSleepMs, err = strconv.Atoi(val)
		case "suppress_equal_stacks":
			o.suppressStacks, err = parseBool(val)
		case "suppress_equal_addresses":
			o.suppressAddrs, err = parseBool(val)
		default:
			o.unknown = append(o.unknown, name)
			continue
		}
		if err != nil {
			o.warnings = append(o.warnings, fmt.Sprintf("invalid value for GORACE option %s: %q", name, val))
		}
	}
	return o
}

func parseBool(s string) (bool, error) {
	switch s {
	case "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, fmt.Errorf("not a boolean")
}

var (
	optsOnce sync.Once
	opts     options
)

// getOptions parses GORACE once and prints its complaints, like TSan does
// at start-up: "==PID==WARNING: found 1 unrecognized flag(s):".
func getOptions() *options {
	optsOnce.Do(func() {
		opts = parseOptions(os.Getenv("GORACE"))
		var b strings.Builder
		pid := os.Getpid()
		for _, w := range opts.warnings {
			fmt.Fprintf(&b, "==%d==WARNING: %s\n", pid, w)
		}
		if len(opts.unknown) > 0 {
			fmt.Fprintf(&b, "==%d==WARNING: found %d unrecognized flag(s):\n", pid, len(opts.unknown))
			for _, u := range opts.unknown {
				fmt.Fprintf(&b, "    %s\n", u)
			}
		}
		if b.Len() > 0 {
			os.Stderr.WriteString(b.String())
		}
	})
	return &opts
}
