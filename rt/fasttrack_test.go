package rt

import "testing"

// Tests of the FastTrack transitions, one shadow word at a time. Goroutines
// are ordered by wait (no edge rt sees) or by Release/Acquire (an edge).

func state(a uintptr) (w, r epoch, shared bool) {
	var s wordState
	s.load(cur().cell(a).Load())
	return s.w, s.r, uint64(s.r) == sharedReads
}

// readVecOf returns the read vector of the word at a, nil if none.
func readVecOf(a uintptr) *readVec {
	c := cur().cell(a).Load()
	if c&cellFull == 0 {
		return nil
	}
	return recAt(uint32(c)).rvc.Load()
}

func TestWriteSameEpoch(t *testing.T) {
	a := heapWord()
	wantRaces(t, 0, func() {
		if n := slowIn(func() { Write(a); Write(a); Write(a) }); n != 1 {
			t.Errorf("slow paths = %d, want 1 (later writes in the same epoch are fast)", n)
		}
	})
	if w, _, _ := state(a); w != cur().ep {
		t.Errorf("write epoch = %x, want current %x", w, cur().ep)
	}
}

func TestReadSameEpoch(t *testing.T) {
	a := heapWord()
	if n := slowIn(func() { Read(a); Read(a); Read(a) }); n != 1 {
		t.Errorf("slow paths = %d, want 1", n)
	}
	if _, r, _ := state(a); r != cur().ep {
		t.Errorf("read epoch = %x, want %x", r, cur().ep)
	}
}

// TestReadCoveredByWrite checks that a read of bytes the goroutine wrote in
// its current epoch takes no slow path (and leaves only the write), and
// that a write drops an earlier read of the same bytes that happens before
// it, so the word stays compact.
func TestReadCoveredByWrite(t *testing.T) {
	a, l := heapWord(), heapWord()
	if n := slowIn(func() { Write(a); Read(a); ReadRange(a, 1) }); n != 1 {
		t.Errorf("slow paths = %d, want 1 (the write covers the reads)", n)
	}
	if w, r, _ := state(a); w != cur().ep || r != 0 {
		t.Errorf("state after write+read = w %x r %x, want w %x r 0", w, r, cur().ep)
	}
	Read(a + 1) // another byte of the word: not covered
	if _, r, _ := state(a); r != cur().ep {
		t.Errorf("a read of an unwritten byte was not recorded")
	}
	Release(l)
	Write(a + 1) // covers the read of a+1, which happened before it
	if c := cur().cell(a).Load(); c&cellFull != 0 || c&cellR != 0 {
		t.Errorf("cell %x after a write covering the read: want compact, write only", c)
	}
	// A read by another goroutine, ordered before the write, is dropped
	// too; one not ordered before it still races.
	b := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Read(b); Release(l) })
		Acquire(l)
		Write(b)
	})
	wantRaces(t, 1, func() {
		c := heapWord()
		run(func() { Read(c) })
		Write(c)
	})
}

func TestNewEpochAfterRelease(t *testing.T) {
	a, l := heapWord(), heapWord()
	n := slowIn(func() {
		Write(a)
		Release(l) // ticks the clock
		Write(a)
	})
	if n != 2 {
		t.Errorf("slow paths = %d, want 2 (a release starts a new epoch)", n)
	}
}

func TestWriteExclusive(t *testing.T) {
	a, l := heapWord(), heapWord()
	wantRaces(t, 0, func() {
		run(func() { Write(a); Read(a); Release(l) })
		run(func() { Acquire(l); Write(a) })
	})
	b := heapWord()
	wantRaces(t, 1, func() {
		run(func() { Write(b) })
		run(func() { Write(b) }) // write-write, no edge
	})
}

func TestReadExclusive(t *testing.T) {
	a, l := heapWord(), heapWord()
	var second epoch
	run(func() { Read(a); Release(l) })
	run(func() { Acquire(l); Read(a); second = cur().ep })
	w, r, shared := state(a)
	if shared || r != second || w != 0 {
		t.Errorf("after ordered reads: w=%x r=%x shared=%v, want r=%x (the later read replaces the earlier)", w, r, shared, second)
	}
}

func TestReadShare(t *testing.T) {
	a := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Read(a) })
		run(func() { Read(a) }) // concurrent reads never race
	})
	_, _, shared := state(a)
	if !shared {
		t.Fatal("two concurrent reads did not turn the read epoch into a vector")
	}
	if rv := readVecOf(a); rv == nil {
		t.Fatal("shared word without read vector")
	}
}

func TestReadSharedSameEpoch(t *testing.T) {
	a := heapWord()
	run(func() { Read(a) })
	run(func() {
		Read(a) // share
		if n := slowIn(func() { Read(a); Read(a) }); n != 0 {
			t.Errorf("slow paths = %d, want 0 (read-shared same epoch is a fast path)", n)
		}
	})
	run(func() {
		if n := slowIn(func() { Read(a) }); n != 1 {
			t.Errorf("third reader: slow paths = %d, want 1 (read shared)", n)
		}
	})
	if _, _, shared := state(a); !shared {
		t.Error("word not shared")
	}
}

func TestWriteAfterSharedReads(t *testing.T) {
	a, l1, l2 := heapWord(), heapWord(), heapWord()
	wantRaces(t, 0, func() {
		run(func() { Read(a); Release(l1) })
		run(func() { Read(a); Release(l2) })
		run(func() { Acquire(l1); Acquire(l2); Write(a) }) // write shared: ordered after both readers
	})
	if _, r, shared := state(a); shared || r != 0 {
		t.Errorf("after write-shared: r=%x shared=%v, want the read vector dropped", r, shared)
	}
	// Two readers are too few to keep their vector for reuse (unless its
	// length, set by the readers' slots, is spareMin or more).
	if c := cur().cell(a).Load(); c&cellFull != 0 && recAt(uint32(c)).spare == nil {
		t.Errorf("after write-shared: cell %x still full with no spare vector, want compact", c)
	}
	b, l := heapWord(), heapWord()
	wantRaces(t, 1, func() {
		run(func() { Read(b); Release(l) })
		run(func() { Read(b) })
		run(func() { Acquire(l); Write(b) }) // ordered after one reader only
	})
}

func TestReadWriteRaces(t *testing.T) {
	a, b := heapWord(), heapWord()
	wantRaces(t, 1, func() {
		run(func() { Write(a) })
		run(func() { Read(a) }) // write, then unordered read
	})
	wantRaces(t, 1, func() {
		run(func() { Read(b) })
		run(func() { Write(b) }) // read, then unordered write
	})
}

func TestSameGoroutineNeverRaces(t *testing.T) {
	a, l := heapWord(), heapWord()
	wantRaces(t, 0, func() {
		Write(a)
		Read(a)
		Release(l)
		Write(a)
		Read(a)
		Write(a)
	})
}

func TestBytesOfOneWord(t *testing.T) {
	a := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Write(a) })
		run(func() { Write(a + 1) }) // another byte of the same word
		run(func() { Read(a + 4) })  // and another
		run(func() { WriteRange(a+2, 2) })
	})
	wantRaces(t, 1, func() {
		run(func() { WriteRange(a+8, 8) })
		run(func() { Read(a + 13) }) // inside the range written
	})
}

func TestRanges(t *testing.T) {
	a := heapWord() // 32 bytes
	wantRaces(t, 0, func() {
		run(func() { WriteRange(a, 16) })
		run(func() { WriteRange(a+16, 16) }) // adjacent, disjoint
	})
	b := heapWord()
	wantRaces(t, 1, func() {
		run(func() { ReadRange(b+3, 20) })
		run(func() { WriteRange(b+22, 1) })
	})
	if got, want := rangeMask(0, 3, 2), uint8(0b11000); got != want {
		t.Errorf("rangeMask(0,3,2) = %08b, want %08b", got, want)
	}
	if got, want := rangeMask(8, 0, 32), uint8(0xff); got != want {
		t.Errorf("rangeMask(8,0,32) = %08b, want %08b", got, want)
	}
}

func TestAllocForgets(t *testing.T) {
	a := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Write(a) })
		Alloc(a, 8) // the memory was freed and reused
		run(func() { Write(a) })
	})
}

func TestStackAddressesIgnored(t *testing.T) {
	wantRaces(t, 0, func() {
		run(func() {
			var local [2]uint64
			a := uintptrOf(&local)
			Write(a)
			run(func() { Write(a) }) // rt never sees a goroutine stack as shared
		})
	})
}

// TestReadVecReused checks that a write ending the read-shared state of a
// word read by many goroutines keeps their vector for the next readers,
// emptied, and that races are still found through the reused vector.
func TestReadVecReused(t *testing.T) {
	a, l, k := heapWord(), heapWord(), heapWord()
	// spareMin+2 goroutines alive at once hold distinct slots, so the
	// vector is at least that long. They stay alive for the second round,
	// so that its readers' slots fit the vector (a goroutine started later
	// may get a higher slot, and a vector without room for it is grown).
	const n = spareMin + 2
	start, done := make(chan struct{}), make(chan struct{})
	again := make([]chan struct{}, n)
	waits := make([]func(), n)
	for i := range waits {
		again[i] = make(chan struct{})
		waits[i] = spawn(func() {
			<-start
			Read(a)
			ReleaseMerge(l)
			done <- struct{}{}
			if _, ok := <-again[i]; ok {
				// After the write, which released l.
				Acquire(l)
				Read(a)
				ReleaseMerge(k)
				done <- struct{}{}
			}
		})
	}
	defer func() {
		for _, c := range again {
			close(c)
		}
		for _, w := range waits {
			w()
		}
	}()
	wantRaces(t, 0, func() {
		close(start)
		for range n {
			<-done
		}
		rv := readVecOf(a)
		if rv == nil || rv.n() < n {
			t.Fatalf("read vector %v after %d readers", rv, n)
		}
		run(func() { Acquire(l); Write(a); Release(l) })
		if readVecOf(a) != nil {
			t.Fatal("read vector kept as the current one after a write")
		}
		// Two concurrent readers (not ordered with each other), both after
		// the write: read-shared again.
		for i := range 2 {
			again[i] <- struct{}{}
			<-done
		}
		if got := readVecOf(a); got != rv {
			t.Errorf("read vector after the write and two readers: %p, want the spare %p", got, rv)
		}
		entries := 0
		for i := range uint32(rv.n()) {
			if rv.at(i).Load() != 0 {
				entries++
			}
		}
		if entries != 2 {
			t.Errorf("reused vector has %d entries, want the 2 new readers'", entries)
		}
	})
	// Through the reused vector: the second of two new readers (both
	// ordered after the last write) is not ordered before the next write.
	m := heapWord()
	wantRaces(t, 1, func() {
		run(func() { Acquire(l); Acquire(k); Write(a); Release(l); Release(m) })
		run(func() { Acquire(l); Read(a); Release(l) })
		run(func() { Acquire(m); Read(a) })
		run(func() { Acquire(l); Write(a) })
	})
}

// TestReadVecSpread checks that a read vector whose readers keep updating
// it (each read in a new epoch of its goroutine) is spread, one clock per
// cache line, and that same-epoch reads and races go on through it.
func TestReadVecSpread(t *testing.T) {
	// spreadWord returns a word read by two goroutines in turn in many
	// epochs (the second one's clock ends lower than the first's), with
	// a spread vector, and what each reader released after its last read.
	spreadWord := func() (a, r1, r2 uintptr) {
		a, l, r1, r2 := heapWord(), heapWord(), heapWord(), heapWord()
		run(func() { Write(a); Release(l) })
		// The first reader alone updates the vector often enough to make
		// it hot.
		const updates = 2 * hotSampleEvery * hotSamples
		shared, done2 := make(chan struct{}), make(chan struct{})
		wantRaces(t, 0, func() {
			w1 := spawn(func() {
				Acquire(l)
				Read(a)
				close(shared)
				<-done2
				for range updates {
					Read(a)
					Release(r1) // a new epoch: the next read updates the vector
				}
			})
			w2 := spawn(func() {
				<-shared
				Acquire(l)
				Read(a) // two unordered readers: read-shared
				for range updates / 4 {
					Read(a)
					Release(r2)
				}
				close(done2)
			})
			w1()
			w2()
		})
		rv := readVecOf(a)
		if rv == nil || rv.sclk == nil || rv.clk != nil {
			t.Fatalf("read vector after %d updates: %+v, want a spread one", updates, rv)
		}
		run(func() {
			Acquire(l)
			Read(a)
			if n := slowIn(func() { Read(a) }); n != 0 {
				t.Errorf("a second read in the same epoch took %d slow paths through a spread vector, want 0", n)
			}
			ReleaseMerge(r2)
		})
		rv = readVecOf(a)
		if rv.sclk == nil {
			t.Fatal("a new reader made the read vector dense again")
		}
		clocks := map[uint64]bool{}
		for i := range uint32(rv.n()) {
			if c := rv.at(i).Load(); c != 0 {
				clocks[c] = true
			}
		}
		if len(clocks) != 3 {
			t.Fatalf("the spread vector holds clocks %v, want the 3 readers' (each ends at another)", clocks)
		}
		return a, r1, r2
	}
	// A write ordered after every read does not race (each slot's clock
	// is its own: the first reader's higher clock is not the second's).
	a, r1, r2 := spreadWord()
	wantRaces(t, 0, func() { run(func() { Acquire(r1); Acquire(r2); Write(a) }) })
	// One ordered after the first reader's reads only races with the
	// second reader's.
	a, r1, _ = spreadWord()
	wantRaces(t, 1, func() { run(func() { Acquire(r1); Write(a) }) })
}

// TestWriteCompactLockFree checks that a write after a write or read that
// happens before it, in a compact cell, takes no word lock (writeCompact),
// and that the writes it must not settle still do.
func TestWriteCompactLockFree(t *testing.T) {
	a, b, l := heapWord(), heapWord(), heapWord()
	wantRaces(t, 0, func() {
		run(func() {
			Write(a)
			Release(l) // a new epoch
			if n := lockedIn(func() { Write(a) }); n != 0 {
				t.Errorf("a goroutine's write of its own word in a new epoch locked %d times, want 0", n)
			}
			if w, _, _ := state(a); w != cur().ep {
				t.Errorf("last write %v, want the current epoch %v", w, cur().ep)
			}
			Release(l)
		})
		run(func() {
			Acquire(l)
			if n := lockedIn(func() { Write(a) }); n != 0 {
				t.Errorf("an ordered write by another goroutine locked %d times, want 0", n)
			}
			Read(b)
			Release(l)
		})
		run(func() {
			Acquire(l)
			Write(b) // the read happens before and covers the same byte
			if _, r, _ := state(b); r != 0 {
				t.Errorf("read %v kept after a write of its byte", r)
			}
			Release(l)
		})
	})
	// A read of another byte of the word is kept: the locked path.
	c := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Acquire(l); Read(c + 1); Release(l) })
		run(func() {
			Acquire(l)
			if n := lockedIn(func() { Write(c) }); n != 1 {
				t.Errorf("a write next to a read of another byte locked %d times, want 1", n)
			}
			Release(l)
		})
	})
	// An unordered write is not settled without the lock: it races.
	wantRaces(t, 1, func() { run(func() { Write(a) }) })
}

// TestReadCompactLockFree checks that a read after a read that happens
// before it, alone in a compact cell, takes no word lock (readCompact) and
// replaces it, and that the reads it must not settle still take the lock:
// one after a write, one after an unordered read (read-shared), and one
// next to a read of another byte. A write racing with the new read is
// still found.
func TestReadCompactLockFree(t *testing.T) {
	a, l := heapWord(), heapWord()
	wantRaces(t, 0, func() {
		run(func() {
			Read(a)
			Release(l) // a new epoch
			if n := lockedIn(func() { Read(a) }); n != 0 {
				t.Errorf("a goroutine's read of a word it read before, in a new epoch, locked %d times, want 0", n)
			}
			if w, r, shared := state(a); w != 0 || shared || r != cur().ep {
				t.Errorf("after the read: w=%v r=%v shared=%v, want r=%v alone", w, r, shared, cur().ep)
			}
			Release(l)
		})
		run(func() {
			Acquire(l)
			if n := lockedIn(func() { Read(a) }); n != 0 {
				t.Errorf("an ordered read by another goroutine locked %d times, want 0", n)
			}
			Release(l)
		})
	})
	for _, c := range []struct {
		name  string
		first func(a uintptr)
	}{
		{"after a write", func(a uintptr) { Write(a) }},
		{"after a read of another byte", func(a uintptr) { Read(a + 1) }},
	} {
		b := heapWord()
		wantRaces(t, 0, func() {
			run(func() { Acquire(l); c.first(b); Release(l) })
			run(func() {
				Acquire(l)
				if n := lockedIn(func() { Read(b) }); n != 1 {
					t.Errorf("a read %s locked %d times, want 1", c.name, n)
				}
				Release(l)
			})
		})
	}
	// An unordered earlier read makes the word read-shared: the lock.
	b := heapWord()
	wantRaces(t, 0, func() {
		run(func() { Read(b) })
		run(func() {
			if n := lockedIn(func() { Read(b) }); n != 1 {
				t.Errorf("a read unordered with the last locked %d times, want 1", n)
			}
			if _, _, shared := state(b); !shared {
				t.Errorf("two unordered reads left the word not read-shared")
			}
		})
	})
	// The read that replaced the earlier one races with an unordered
	// write.
	wantRaces(t, 1, func() { run(func() { Write(a) }) })
}
