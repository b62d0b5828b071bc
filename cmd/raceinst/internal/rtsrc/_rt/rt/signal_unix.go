//go:build unix

package rt

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var signalOnce sync.Once

// armSignalSummary makes SIGINT and SIGTERM print the summary of the races
// found so far before the process dies of the signal as it would have.
// It is armed only once a race has been reported, so a race-free program's
// signal handling is untouched.
func armSignalSummary() {
	signalOnce.Do(func() {
		if signal.Ignored(syscall.SIGINT) && signal.Ignored(syscall.SIGTERM) {
			return
		}
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			sig := (<-ch).(syscall.Signal)
			writeSummary(racesFound.Load())
			// Die of the signal, with its default action.
			signal.Reset(sig)
			syscall.Kill(syscall.Getpid(), sig)
			time.Sleep(time.Second)
			os.Exit(128 + int(sig))
		}()
	})
}
