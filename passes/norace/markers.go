package norace

import (
	"sort"
	"strings"
)

// ChildMarkers returns strings of which at least one occurs in the Go
// source of every package in which norace finds a fork-child context, so
// that a driver can byte-scan a program's files and type-check only the
// packages that may hold child code. A marker does not mean there is a
// context. They are derived from the recognizers (contexts.go), since a
// context needs one of:
//
//   - a //forkcheck:child directive;
//   - a declaration of one of namedChildren;
//   - a function named with the -child flag (its name);
//   - a raw fork: a call that names one of rawCallFuncs (the trap may be a
//     literal, so the SYS_ names are not necessary), one of forkFuncs, or
//     takes one of forkTrampolines by address.
//
// A before-fork window is only found before one of these forks. Markers
// that contain another marker are left out ("RawSyscall" holds "Syscall").
func ChildMarkers() []string {
	var all []string
	for verb := range forkcheckVerbs {
		if verb == "child" {
			all = append(all, "//forkcheck:"+verb)
		}
	}
	for _, n := range namedChildren {
		all = append(all, n.name)
	}
	for _, f := range childFlag {
		all = append(all, f[strings.LastIndexByte(f, '.')+1:])
	}
	all = append(all, rawCallFuncs...)
	for _, f := range forkFuncs {
		all = append(all, f.name)
	}
	all = append(all, forkTrampolines...)

	var markers []string
	for i, m := range all {
		redundant := false
		for j, o := range all {
			// o makes m redundant if m contains it; of two equal
			// strings the first is kept.
			if j != i && strings.Contains(m, o) && (m != o || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			markers = append(markers, m)
		}
	}
	sort.Strings(markers)
	return markers
}
