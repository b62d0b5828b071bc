package norace

// ForkScanned reports whether the analysis searched the package's
// functions for fork calls (the package may fork: mayFork).
func ForkScanned(r *Result) bool { return r.forkScan }

// SSABuilt reports whether the package's SSA has been built.
func SSABuilt(r *Result) bool { return r.ssa != nil && r.ssa.pkg != nil }
