package fork

import "syscall"

var g int

func spawn(p *int) {
	*p = 1
	pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)
	if pid == 0 {
		g = 2
		*p = 3
		syscall.RawSyscall(syscall.SYS_EXIT, 0, 0, 0)
	}
	g = 4
}
