// Command forkcheck reports code that would deadlock or crash between fork
// and exec, and compiler directives that the compiler silently ignores.
//
// Run it under go vet:
//
//	go vet -vettool=$(which forkcheck) ./...
//
// or on its own:
//
//	forkcheck [-json] [-fix] [-diff] [-norace.child=pkg.Func,...] ./...
//
// It runs the analyzers norace (directives, fork-child contexts) and
// forksafe (allocation, locks, stack growth, preemption, dynamic calls and
// race instrumentation in child code). See the packages' documentation.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/raceinst/raceinst/passes/forksafe"
	"github.com/raceinst/raceinst/passes/norace"
)

func main() {
	multichecker.Main(norace.Analyzer, forksafe.Analyzer)
}
