//go:build !unix

package rtbench

import "time"

// cpuTime is not measured on this OS: cpu-ns metrics read 0.
func cpuTime() time.Duration { return 0 }
