// Package platform holds the per-OS shims package rt needs: blocking and
// restoring signals around output that must not be cut short, the OS thread
// id for report headers, and a write that takes no lock for the fatal path.
//
// Every function is allocation-free and usable in a fork child: no locks,
// no allocation, raw system calls where the OS allows them. The exceptions
// are HugePageSize and MapHuge, the memory reservation for rt's shadow,
// which rt calls from its slow paths only. Ports that reach the kernel
// only through libc (darwin, ios, openbsd, solaris, illumos, aix) or that
// have no signal masks (plan9 notes, windows, js, wasip1) document what
// they do instead in their own file; one file per port, as in runtime/race.
package platform

// Sigset is a saved signal mask, large enough for every supported kernel's
// sigset_t (128 bits on NetBSD, FreeBSD, DragonFly and Linux/mips; 64 bits
// elsewhere on Linux).
type Sigset [4]uint32

// sigsetAll has every signal bit set.
var sigsetAll = Sigset{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}

// Stdout and Stderr are the descriptors Write accepts on every port.
const (
	Stdout = 1
	Stderr = 2
)
