package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestReportUnhooked checks that a package's unhooked accesses cost one
// line of build output unless RACEINST_WARN=all asks for the list (the go
// command replays a cached compile's output at every build).
func TestReportUnhooked(t *testing.T) {
	warnings := []string{"a.go:3: slice operand has side effects: element range not hooked", "a.go:9: case expression not instrumented"}
	for _, tc := range []struct {
		name     string
		warnings []string
		all      bool
		want     []string
	}{
		{"none", nil, false, nil},
		{"one", warnings[:1], false, []string{"raceinst: p: " + warnings[0]}},
		{"summary", warnings, false, []string{"raceinst: p: 2 accesses or operations not hooked, first " + warnings[0] + " (RACEINST_WARN=all lists them)"}},
		{"all", warnings, true, []string{"raceinst: p: " + warnings[0], "raceinst: p: " + warnings[1]}},
	} {
		got := captureStderr(t, func() { reportUnhooked("p", tc.warnings, tc.all) })
		var lines []string
		if got != "" {
			lines = strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		}
		if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, strings.Join(tc.want, "\n"))
		}
	}
}

func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	f()
	os.Stderr = old
	w.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
