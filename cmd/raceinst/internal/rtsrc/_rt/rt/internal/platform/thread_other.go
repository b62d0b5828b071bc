//go:build !linux && !netbsd && !freebsd && !dragonfly && !darwin && !plan9 && !windows

package platform

// ThreadID returns 0 where std offers no allocation-free way to ask:
// openbsd (getthrid(2) needs libc; the indirect syscall(2) is gone since
// OpenBSD 7.5), solaris and illumos (thr_self is libc's), aix, and js and
// wasip1, which have one thread.
//
//go:nosplit
//go:norace
func ThreadID() int64 { return 0 }
