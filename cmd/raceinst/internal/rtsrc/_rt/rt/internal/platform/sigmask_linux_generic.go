//go:build linux && !(mips || mipsle || mips64 || mips64le)

package platform

// Linux outside mips: SIG_BLOCK=0, SIG_SETMASK=2, and the kernel's sigset_t
// for rt_sigprocmask is 8 bytes (_NSIG=64).
const (
	sigBlock   = 0
	sigSetmask = 2
	sigsetSize = 8
)
