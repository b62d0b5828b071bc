package rt

import (
	"sync"
	"testing"
)

// Tests of reader lanes (rlane.go).

// readLocked is one RLock, Read(x), RUnlock of rw, as instrumented code
// makes it.
func readLocked(rw *sync.RWMutex, x uintptr) {
	rw.RLock()
	RWMutexRLock(addr(rw))
	if x != 0 {
		Read(x)
	}
	RWMutexRUnlock(addr(rw))
	rw.RUnlock()
}

func writeLocked(rw *sync.RWMutex, x uintptr) {
	rw.Lock()
	RWMutexLock(addr(rw))
	Write(x)
	RWMutexUnlock(addr(rw))
	rw.Unlock()
}

// lanesIn returns how many RUnlocks of f released through a lane.
func lanesIn(f func()) int64 {
	before := laneRels.Load()
	f()
	return laneRels.Load() - before
}

// TestReaderLanes: readers of a busy RWMutex release through their lanes,
// and a Lock still happens after every RUnlock before it: each writer
// writes what every reader read.
func TestReaderLanes(t *testing.T) {
	var rw sync.RWMutex
	x := heapWord()
	var lanes int64
	wantRaces(t, 0, func() {
		lanes = lanesIn(func() {
			each(func(i int) {
				for r := range 300 {
					if i == 0 && r%25 == 0 {
						writeLocked(&rw, x)
					} else {
						readLocked(&rw, x)
					}
				}
			})
		})
	})
	if lanes < 300 {
		t.Errorf("%d RUnlocks released through a lane, want most of the readers' 900-odd", lanes)
	}
}

// TestReaderLaneOwnEpoch: what a reader does after its last RUnlock is not
// covered by its lane: a later Lock's write races with a read it did then.
func TestReaderLaneOwnEpoch(t *testing.T) {
	var rw sync.RWMutex
	y := heapWord()
	var lanes int64
	wantRaces(t, 1, func() {
		lanes = lanesIn(func() {
			run(func() {
				for range 100 {
					readLocked(&rw, 0)
				}
				Read(y) // after RUnlock: not ordered before the Lock
			})
		})
		writeLocked(&rw, y)
	})
	if lanes == 0 {
		t.Error("no RUnlock released through a lane")
	}
}

// TestReaderLaneNewKnowledge: a reader whose clock grew since its lane was
// set up (here it received what another goroutine wrote) releases all of
// it, not only its own epoch: the writer's write is ordered after the
// other goroutine's, through the reader.
func TestReaderLaneNewKnowledge(t *testing.T) {
	var rw sync.RWMutex
	z := heapWord()
	var ch sync.Mutex // a plain mutex as the channel: Unlock, then Lock
	ch.Lock()
	wantRaces(t, 0, func() {
		wait := spawn(func() {
			for range 100 {
				readLocked(&rw, 0)
			}
			ch.Lock()
			MutexLock(addr(&ch)) // acquires what the writer of z released
			readLocked(&rw, 0)
		})
		run(func() {
			Write(z)
			MutexUnlock(addr(&ch))
			ch.Unlock()
		})
		wait()
		writeLocked(&rw, z)
	})
}

// TestReaderLaneCoveredByUnlock: a reader whose clock is, after RLock,
// what the last Unlock released releases through its lane although its
// clock changed (a write comes between any two reads); one that knows
// more than that Unlock released does not.
func TestReaderLaneCoveredByUnlock(t *testing.T) {
	var rw sync.RWMutex
	x := heapWord()
	var lanes int64
	const rounds = 200
	copies := coveredCopies.Load()
	wantRaces(t, 0, func() {
		lanes = lanesIn(func() {
			read, written := make(chan struct{}), make(chan struct{}) // not hooked: no edges
			wait := spawn(func() {
				for range rounds {
					<-written
					readLocked(&rw, x)
					read <- struct{}{}
				}
			})
			for range rounds {
				writeLocked(&rw, x)
				written <- struct{}{}
				<-read
			}
			wait()
		})
	})
	if lanes < rounds/2 {
		t.Errorf("%d of %d RUnlocks released through a lane, want most", lanes, rounds)
	}
	if copies = coveredCopies.Load() - copies; copies < rounds/2 {
		t.Errorf("%d of %d RLocks copied the Unlock's clock, want most", copies, rounds)
	}

	z := heapWord()
	var mu sync.Mutex
	mu.Lock()
	toMain, toReader := make(chan struct{}), make(chan struct{}) // not hooked: no edges
	wantRaces(t, 0, func() {
		for range 2 * hotReleases {
			writeLocked(&rw, x)
		}
		wait := spawn(func() {
			for range 100 {
				readLocked(&rw, 0)
			}
			mu.Lock()
			MutexLock(addr(&mu)) // now knows of the write of z
			toMain <- struct{}{}
			<-toReader
			readLocked(&rw, 0) // joins the Unlock below, which does not know of z
		})
		run(func() {
			Write(z)
			MutexUnlock(addr(&mu))
			mu.Unlock()
		})
		<-toMain
		writeLocked(&rw, x)
		toReader <- struct{}{}
		wait()
		writeLocked(&rw, z)
	})
}

// TestCoveredCopy: a reader that was covered by an Unlock's clock takes
// the next one by a copy (acquireCovered), and still keeps what it learnt
// since from elsewhere, and what a release by a goroutine that had not
// acquired the RWMutex took out of the RWMutex's clock.
func TestCoveredCopy(t *testing.T) {
	t.Run("learnt since", func(t *testing.T) {
		var rw sync.RWMutex
		var mu sync.Mutex
		x, z := heapWord(), heapWord()
		mu.Lock()
		step, done := make(chan struct{}), make(chan struct{}) // not hooked: no edges
		const rounds = 4 * hotReleases
		wantRaces(t, 0, func() {
			copies := coveredCopies.Load()
			wait := spawn(func() {
				for range rounds {
					<-step
					readLocked(&rw, x)
					done <- struct{}{}
				}
				mu.Lock()
				MutexLock(addr(&mu)) // learns of the write of z
				done <- struct{}{}
				<-step
				readLocked(&rw, x) // a join: the Unlock does not know of z
				Write(z)
			})
			for range rounds {
				writeLocked(&rw, x)
				step <- struct{}{}
				<-done
			}
			if coveredCopies.Load() == copies {
				t.Error("the reader never copied the Unlock's clock")
			}
			run(func() {
				Write(z)
				MutexUnlock(addr(&mu))
				mu.Unlock()
			})
			<-done
			writeLocked(&rw, x)
			step <- struct{}{}
			wait()
		})
	})
	t.Run("break", func(t *testing.T) {
		var rw sync.RWMutex
		x, y := heapWord(), heapWord()
		step, done := make(chan struct{}), make(chan struct{}) // not hooked: no edges
		qstep := make(chan struct{})
		const rounds = 4 * hotReleases
		wantRaces(t, 0, func() {
			q := spawn(func() {
				<-qstep
				// A release on the RWMutex's address by a goroutine
				// that never acquired it: its clock lacks the write of y.
				Release(addr(&rw))
			})
			wait := spawn(func() {
				for range rounds {
					<-step
					readLocked(&rw, x)
					done <- struct{}{}
				}
				<-step
				readLocked(&rw, 0) // a join: the clock was replaced
				Read(y)
			})
			for range rounds - 1 {
				writeLocked(&rw, x)
				step <- struct{}{}
				<-done
			}
			writeLocked(&rw, y)
			step <- struct{}{}
			<-done
			qstep <- struct{}{}
			q()
			step <- struct{}{}
			wait()
		})
	})
}
