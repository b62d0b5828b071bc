package forksafe_test

import (
	"os"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/raceinst/raceinst/passes/forksafe"
)

// benchStdPkgs are the roots of BenchmarkStd: os/exec (syscall's child
// code and the runtime below it) and net/http (a large graph with little
// fork-related code), about 200 packages with their dependencies.
var benchStdPkgs = []string{"os/exec", "net/http"}

// BenchmarkStd runs forksafe and norace over benchStdPkgs and all their
// dependencies, as go vet does (facts for every dependency, diagnostics
// for the roots), on packages loaded once from source for linux/amd64.
// It measures the analyzers only, not loading or type checking.
//
//	go test -run='^$' -bench=Std -benchmem ./passes/forksafe
func BenchmarkStd(b *testing.B) {
	b.Setenv("GOOS", "linux")
	b.Setenv("GOARCH", "amd64")
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Env:  append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="),
	}
	initial, err := packages.Load(cfg, benchStdPkgs...)
	if err != nil {
		b.Fatal(err)
	}
	if packages.PrintErrors(initial) > 0 {
		b.Fatalf("errors loading %v", benchStdPkgs)
	}
	n := 0
	packages.Visit(initial, nil, func(*packages.Package) { n++ })
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		graph, err := checker.Analyze([]*analysis.Analyzer{forksafe.Analyzer}, initial, nil)
		if err != nil {
			b.Fatal(err)
		}
		for act := range graph.All() {
			if act.Err != nil {
				b.Fatalf("%s on %s: %v", act.Analyzer.Name, act.Package.PkgPath, act.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/pkg")
}
