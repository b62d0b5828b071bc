//go:build unix

package rtbench

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process used so far (all threads, user
// and system): on a shared machine a steadier measure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
