//go:build linux && (mips || mipsle || mips64 || mips64le)

package platform

// Linux/mips numbers SIG_BLOCK=1, SIG_SETMASK=3, and has 128 signals, so
// rt_sigprocmask wants a 16-byte set.
const (
	sigBlock   = 1
	sigSetmask = 3
	sigsetSize = 16
)
