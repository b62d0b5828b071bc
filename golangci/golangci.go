// Package golangci is the golangci-lint (v2) module plugin of forkcheck: it
// registers a linter named "forkcheck" that runs the analyzers norace and
// forksafe.
//
// Build a golangci-lint that includes it with golangci-lint custom and this
// .custom-gcl.yml:
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/raceinst/raceinst
//	    import: github.com/raceinst/raceinst/golangci
//	    version: latest
//
// and enable it in .golangci.yml:
//
//	version: "2"
//	linters:
//	  enable: [forkcheck]
//	  settings:
//	    custom: {forkcheck: {type: module, settings: {child: [example.com/sandbox.childMain]}}}
//	issues:
//	  uniq-by-line: false
//
// (child is optional: more fork-child contexts, as norace's -child flag;
// uniq-by-line: false keeps forksafe's several classes at one call.)
// The README ("Editors") shows the offline equivalent that
// TestGolangciLint builds: golangci-lint's own main package plus a blank
// import of this package.
package golangci

import (
	"fmt"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/raceinst/raceinst/passes/forksafe"
	"github.com/raceinst/raceinst/passes/norace"
)

func init() {
	register.Plugin("forkcheck", New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	// Child names more functions to treat as fork-child contexts
	// (pkg/path.Func or pkg/path.Type.Method), as norace's -child flag.
	Child []string `json:"child"`
}

// Plugin is the forkcheck linter.
type Plugin struct {
	settings Settings
}

// New is the plugin's constructor, called by golangci-lint with the
// settings from .golangci.yml.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, fmt.Errorf("forkcheck settings: %w", err)
	}
	return &Plugin{settings: s}, nil
}

// BuildAnalyzers returns norace and forksafe.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	if len(p.settings.Child) > 0 {
		if err := norace.Analyzer.Flags.Set("child", strings.Join(p.settings.Child, ",")); err != nil {
			return nil, fmt.Errorf("forkcheck settings: %w", err)
		}
	}
	return []*analysis.Analyzer{norace.Analyzer, forksafe.Analyzer}, nil
}

// GetLoadMode says the analyzers need type information.
func (p *Plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}
