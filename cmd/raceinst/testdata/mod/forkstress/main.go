//go:build linux

// Command forkstress races on shared data in some goroutines while others
// fork 1000 children through os/exec and a raw-fork child body. Under
// raceinst it must not hang or crash (the child body writes a global, which
// must stay uninstrumented: an rt hook in a fork child could take a lock
// held by a thread that no longer exists), and the race must be reported.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// childSeen is written by the raw-fork child, in its own copy of memory.
var childSeen int

// rawFork forks by hand and waits for the child, which writes a global and
// exits at once.
func rawFork() error {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno != 0 {
		return errno
	}
	if pid == 0 {
		childSeen = 1
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	var status syscall.WaitStatus
	for {
		_, err := syscall.Wait4(int(pid), &status, 0, nil)
		if err != syscall.EINTR {
			return err
		}
	}
}

func main() {
	const children = 1000
	truePath, err := exec.LookPath("true")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var (
		wg      sync.WaitGroup
		counter int // raced on by the two racers
		stop    = make(chan struct{})
		racers  sync.WaitGroup
	)
	for range 2 {
		racers.Add(1)
		go func() {
			defer racers.Done()
			for {
				select {
				case <-stop:
					return
				default:
					counter++
				}
			}
		}()
	}
	jobs := make(chan int)
	var mu sync.Mutex
	var failures []error
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var err error
				if (i+w)%2 == 0 {
					err = exec.Command(truePath).Run()
				} else {
					err = rawFork()
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range children {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(stop)
	racers.Wait()
	fmt.Printf("children: %d, failures: %d, counter > 0: %v\n", children, len(failures), counter > 0)
}
