// Package pipeline is the concurrent half of the run-time benchmark
// workload (bench/raceinst/run_times.sh): a worker pool fed through a
// buffered channel, results merged under a mutex, a WaitGroup to finish,
// and a shared read-mostly table behind an RWMutex.
package pipeline

import "sync"

type job struct{ id, n int }

// Table is a read-mostly lookup table.
type Table struct {
	size int // immutable
	mu   sync.RWMutex
	vals map[int]int
}

// NewTable returns a table of n entries.
func NewTable(n int) *Table {
	t := &Table{size: n, vals: make(map[int]int, n)}
	for i := range n {
		t.vals[i] = i * 7 % 13
	}
	return t
}

func (t *Table) get(k int) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.vals[k]
}

func (t *Table) set(k, v int) {
	t.mu.Lock()
	t.vals[k] = v
	t.mu.Unlock()
}

// Run hands jobs jobs of size n to workers goroutines and returns the sum
// of their results.
func Run(t *Table, workers, jobs, n int) int {
	ch := make(chan job, 64)
	var (
		mu    sync.Mutex
		total int
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]int, n)
			for j := range ch {
				s := 0
				for i := range local {
					local[i] = (j.id*i + i) % 1009 // this job's alone: the sum is the same in any schedule
					s += local[i] + t.get((i+j.id)%(t.size/2))
				}
				if j.id%97 == 0 {
					t.set(t.size/2+j.id%(t.size/2), s%13) // a half get never reads: the sum stays deterministic
				}
				mu.Lock()
				total += s
				mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		ch <- job{i, n}
	}
	close(ch)
	wg.Wait()
	return total
}
