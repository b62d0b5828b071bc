//go:build !unix

package rt

// armSignalSummary does nothing where there are no POSIX signals (windows,
// plan9, js, wasip1): the summary is printed by Fini only.
func armSignalSummary() {}
