package rt

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// Channel tests with the hooks where the instrumenter's helpers put them.

func send[T any](c chan T, v T) {
	a := chanPtr(c)
	ChanSend(a)
	c <- v
	ChanSendDone(a, cap(c))
}

func recv[T any](c chan T) (T, bool) {
	a := chanPtr(c)
	ChanRecv(a)
	v, ok := <-c
	ChanRecvDoneOK(a, ok)
	return v, ok
}

func closeChan[T any](c chan T) {
	ChanClose(chanPtr(c))
	close(c)
}

// TestChanWrongSend: a receive is ordered after the send whose value it
// got, not after another send (runtime/race TestRaceChanWrongSend).
func TestChanWrongSend(t *testing.T) {
	for _, capacity := range []int{2, 5} {
		c := make(chan int, capacity)
		v1, v2 := heapWord(), heapWord()
		wantRaces(t, 1, func() {
			run(func() { Write(v1); send(c, 1) })
			run(func() { Write(v2); send(c, 2) })
			if x, _ := recv(c); x == 1 {
				Write(v2)
			} else {
				t.Fatal("FIFO order broken")
			}
			if x, _ := recv(c); x == 2 {
				Write(v2) // now ordered after the second send
			}
			Write(v1)
		})
	}
}

// TestChanAsyncRev: a buffered send does not wait for a receive that
// started after it (TestRaceChanAsyncRev).
func TestChanAsyncRev(t *testing.T) {
	c := make(chan int, 10)
	v := heapWord()
	wantRaces(t, 1, func() {
		w := spawn(func() {
			send(c, 0)
			Write(v)
		})
		Write(v)
		recv(c)
		w()
	})
}

// TestChanSem: the k-th receive happens before the (k+C)-th send
// completes, not before the k-th (TestRaceChanSem).
func TestChanSem(t *testing.T) {
	for _, tc := range []struct {
		capacity int
		races    int64
	}{{2, 1}, {1, 0}} {
		mtx := make(chan bool, tc.capacity)
		data := heapWord()
		ready := make(chan struct{})
		if got := racesIn(func() {
			w := spawn(func() {
				<-ready
				send(mtx, true) // the second send
				Write(data)
				recv(mtx)
			})
			send(mtx, true)
			Write(data)
			recv(mtx)
			close(ready)
			w()
		}); got != tc.races {
			t.Errorf("capacity %d: %d races, want %d", tc.capacity, got, tc.races)
		}
	}
}

// TestChanUnbufferedNextRecv: the sender of an unbuffered channel is
// ordered after the receive that took its value, not after the receiver's
// next receive (TestRaceForTest).
func TestChanUnbufferedNextRecv(t *testing.T) {
	c := make(chan bool)
	stop := heapWord()
	gotFirst := make(chan struct{})
	wantRaces(t, 1, func() {
		w := spawn(func() {
			recv(c)
			Write(stop)
			a := chanPtr(c)
			ChanRecv(a) // the next receive starts before the sender completes
			close(gotFirst)
			<-c
			ChanRecvDoneOK(a, true)
		})
		a := chanPtr(c)
		ChanSend(a)
		c <- true
		<-gotFirst
		ChanSendDone(a, 0)
		Read(stop)
		send(c, true)
		w()
	})
}

// TestChanCloseAccess: send is a read of the channel and close a write.
func TestChanCloseAccess(t *testing.T) {
	c := make(chan int, 1)
	wantRaces(t, 1, func() {
		run(func() { send(c, 1) })
		closeChan(c)
	})
	c2 := make(chan int)
	wantRaces(t, 1, func() {
		run(func() {
			defer func() { recover() }()
			closeChan(c2)
		})
		defer func() { recover() }()
		closeChan(c2)
	})
	// A close after the value was received is ordered after the send.
	c3 := make(chan int, 1)
	wantRaces(t, 0, func() {
		run(func() { send(c3, 1) })
		recv(c3)
		closeChan(c3)
	})
	// A receive of a value does not acquire the close
	// (TestRaceChanWrongClose; the send and the close race too).
	c4 := make(chan int, 1)
	v := heapWord()
	wantRaces(t, 2, func() {
		run(func() { send(c4, 1) })
		run(func() { Write(v); closeChan(c4) })
		if _, ok := recv(c4); !ok {
			t.Fatal("no value")
		}
		Write(v)
	})
	// The receive that returns because of the close does.
	c5 := make(chan int)
	wantRaces(t, 0, func() {
		run(func() { Write(v); closeChan(c5) })
		if _, ok := recv(c5); ok {
			t.Fatal("value from a closed channel")
		}
		Write(v)
	})
}

// TestChanSelectCancel: the cases a select did not take leave no trace
// that orders later operations wrongly.
func TestChanSelectCancel(t *testing.T) {
	a, b := make(chan int, 1), make(chan int, 1)
	pa, pb := chanPtr(a), chanPtr(b)
	x := heapWord()
	wantRaces(t, 0, func() {
		for range 10 {
			w := spawn(func() { Write(x); send(b, 1) })
			ChanRecv(pa)
			ChanRecv(pb)
			select {
			case <-a:
				ChanRecvDone(pa)
				ChanCancel(pb)
			case <-b:
				ChanRecvDone(pb)
				ChanCancel(pa)
			}
			Write(x)
			w()
		}
	})
	st := stateOf(pa)
	if n := len(st.recv.recs); n != 0 || st.recv.started != 0 {
		t.Errorf("channel a: %d records, %d started; want none", n, st.recv.started)
	}
}

func stateOf(ch uintptr) *chanState {
	sh, st := lockChan(ch)
	sh.mu.Unlock()
	return st
}

// TestChanConcurrentNoFalseRace: many senders and receivers at once on
// channels of several capacities; every receiver reads what the sender of
// its value wrote, and a channel used as a semaphore guards a word. rt
// must report nothing, whatever the interleaving.
func TestChanConcurrentNoFalseRace(t *testing.T) {
	for _, capacity := range []int{0, 1, 3, 64} {
		const perWorker = 200
		c := make(chan int, capacity)
		words := make([]uintptr, workers*perWorker)
		for i := range words {
			words[i] = heapWord()
		}
		var got atomic.Int64
		wantRaces(t, 0, func() {
			var waits []func()
			for w := range workers {
				waits = append(waits, spawn(func() {
					for i := range perWorker {
						k := w*perWorker + i
						Write(words[k])
						send(c, k)
					}
				}))
				waits = append(waits, spawn(func() {
					for range perWorker {
						k, _ := recv(c)
						Read(words[k])
						Write(words[k])
						got.Add(1)
					}
				}))
			}
			for _, w := range waits {
				w()
			}
		})
		if got.Load() != workers*perWorker {
			t.Fatalf("received %d", got.Load())
		}
		sem := make(chan struct{}, 1)
		guarded := heapWord()
		wantRaces(t, 0, func() {
			each(func(int) {
				for range 100 {
					send(sem, struct{}{})
					Read(guarded)
					Write(guarded)
					recv(sem)
				}
			})
		})
	}
}

// TestChanManyRecordsBounded: a channel with many values in flight keeps
// a bounded number of records, and what it merges is still acquired.
func TestChanManyRecordsBounded(t *testing.T) {
	const n = 1000
	c := make(chan int, n)
	xs := make([]uintptr, n)
	for i := range xs {
		xs[i] = heapWord()
	}
	ready := make(chan struct{})
	wantRaces(t, 0, func() {
		w := spawn(func() {
			<-ready
			for range n {
				k, _ := recv(c)
				Read(xs[k])
			}
		})
		for i := range n {
			Write(xs[i])
			send(c, i)
		}
		st := stateOf(chanPtr(c))
		if got := len(st.send.recs); got > maxChanRecs+1 {
			t.Errorf("%d send records kept, want at most %d", got, maxChanRecs+1)
		}
		close(ready)
		w()
	})
}

// TestChanBroadcast: what happens before t.Reset happens before the
// receive of the tick the runtime sends after it.
func TestChanBroadcast(t *testing.T) {
	tm := time.NewTimer(time.Hour)
	a := chanPtr(tm.C)
	x := heapWord()
	wantRaces(t, 0, func() {
		w := spawn(func() {
			Write(x)
			ChanBroadcast(a)
			tm.Reset(time.Millisecond)
		})
		ChanRecv(a)
		<-tm.C
		ChanRecvDoneOK(a, true)
		Write(x)
		w()
	})
}

// TestChanDoneAllocatesNothing: the done hooks give records back without
// allocating. A done hook may run after its partner went on (the sender of
// a hand-off is still in ChanSendDone while the receiver runs), and
// programs count their mallocs there ($GOROOT/test/closure.go does).
// Mallocs counts the whole process: an attempt that saw none passes (each
// attempt's new channel grew a free slice at the same points).
func TestChanDoneAllocatesNothing(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = maxChanRecs // fewer than would be merged into a floor clock
	var allocs uint64
	for range 3 {
		c := make(chan int, n)
		a := chanPtr(c)
		var before, after runtime.MemStats
		allocs = 0
		for i := range n {
			ChanSend(a)
			c <- i
			runtime.ReadMemStats(&before)
			ChanSendDone(a, cap(c))
			runtime.ReadMemStats(&after)
			allocs += after.Mallocs - before.Mallocs
		}
		for range n {
			ChanRecv(a)
			<-c
			runtime.ReadMemStats(&before)
			ChanRecvDone(a)
			runtime.ReadMemStats(&after)
			allocs += after.Mallocs - before.Mallocs
		}
		if st := stateOf(a); st.free == nil {
			t.Fatalf("no free records after %d sends and receives", n)
		}
		if allocs == 0 {
			return
		}
	}
	t.Errorf("done hooks allocated %d times in %d operations; want 0", allocs, 2*n)
}
