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
// or as a language server for editors, next to gopls (stdin/stdout):
//
//	forkcheck lsp
//
// It runs the analyzers norace (directives, fork-child contexts) and
// forksafe (allocation, locks, stack growth, preemption, dynamic calls and
// race instrumentation in child code). See the packages' documentation.
package main

import (
	"os"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/raceinst/raceinst/passes/forksafe"
	"github.com/raceinst/raceinst/passes/norace"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "lsp" {
		os.Exit(lspMain(os.Args[2:], []*analysis.Analyzer{norace.Analyzer, forksafe.Analyzer}))
	}
	multichecker.Main(norace.Analyzer, forksafe.Analyzer)
}
