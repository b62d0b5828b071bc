package norace

// This file mirrors the compiler's own table of special packages
// (cmd/internal/objabi/pkgspecial.go, Go 1.26): the packages whose code
// -race never instruments. forksafe uses it to decide whether a callee would
// get race instrumentation; instrument/ uses it to decide what it may never
// touch. Keep it in step with the compiler's table.

// neverInstrumented maps each package -race never instruments to the reason.
var neverInstrumented = map[string]string{
	// objabi runtimePkgs: the runtime and everything it imports; race
	// instrumentation there would recurse into the runtime.
	"runtime":                          "the runtime",
	"internal/runtime/atomic":          "imported by the runtime",
	"internal/runtime/cgroup":          "imported by the runtime",
	"internal/runtime/exithook":        "imported by the runtime",
	"internal/runtime/gc":              "imported by the runtime",
	"internal/runtime/gc/scan":         "imported by the runtime",
	"internal/runtime/maps":            "imported by the runtime",
	"internal/runtime/math":            "imported by the runtime",
	"internal/runtime/sys":             "imported by the runtime",
	"internal/runtime/syscall/linux":   "imported by the runtime",
	"internal/runtime/syscall/windows": "imported by the runtime",
	"internal/abi":                     "imported by the runtime",
	"internal/byteorder":               "imported by the runtime",
	"internal/chacha8rand":             "imported by the runtime",
	"internal/coverage/rtcov":          "imported by the runtime",
	"internal/cpu":                     "imported by the runtime",
	"internal/goarch":                  "imported by the runtime",
	"internal/godebugs":                "imported by the runtime",
	"internal/goexperiment":            "imported by the runtime",
	"internal/goos":                    "imported by the runtime",
	"internal/profilerecord":           "imported by the runtime",
	"internal/strconv":                 "imported by the runtime",
	"internal/stringslite":             "imported by the runtime",
	// objabi extraNoInstrumentPkgs: the sanitizers' own support.
	"runtime/race": "supports the race detector",
	"runtime/msan": "supports msan",
	"runtime/asan": "supports asan",
	// internal/bytealg is imported by the runtime but deliberately
	// instrumented: it backs package bytes (golang/go#61204).
}

// noRaceFunc are packages whose memory accesses -race instruments but whose
// functions get no racefuncenter/racefuncexit (objabi noRaceFuncPkgs): their
// accesses model synchronisation and would cause false reports.
var noRaceFunc = map[string]string{
	"sync":                    "synchronisation primitives",
	"sync/atomic":             "atomic operations",
	"internal/sync":           "synchronisation primitives",
	"internal/runtime/atomic": "atomic operations",
}

// NeverInstrumented reports whether -race never instruments the package at
// path, and why.
func NeverInstrumented(path string) (reason string, ok bool) {
	reason, ok = neverInstrumented[path]
	return reason, ok
}

// NoRaceFunc reports whether the compiler omits function entry/exit hooks
// in the package at path, and why.
func NoRaceFunc(path string) (reason string, ok bool) {
	reason, ok = noRaceFunc[path]
	return reason, ok
}
