package forksafe_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/raceinst/raceinst/passes/forksafe"
)

// The fixtures run with the host's GOOS/GOARCH; the race rules need a
// port where -race exists.
func setRacePort(t *testing.T) {
	t.Setenv("GOOS", "linux")
	t.Setenv("GOARCH", "amd64")
}

func TestRules(t *testing.T) {
	setRacePort(t)
	analysistest.Run(t, analysistest.TestData(), forksafe.Analyzer, "rules")
}

func TestCrossPackage(t *testing.T) {
	setRacePort(t)
	analysistest.Run(t, analysistest.TestData(), forksafe.Analyzer, "b", "c")
}

func TestSuggestedFix(t *testing.T) {
	setRacePort(t)
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), forksafe.Analyzer, "fix")
}

func TestFixtures(t *testing.T) {
	setRacePort(t)
	analysistest.Run(t, analysistest.TestData(), forksafe.Analyzer, "sandbox", "tracer", "stubs")
}
