// Package synconly is instrumented with Options.SyncOnly: its
// synchronisation becomes rt calls, its accesses, allocations, I/O and
// reflect calls stay as they are.
package synconly

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

type Group struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	n    atomic.Int64
	errs []error
	byID map[int]string
}

// Go runs f in a goroutine that Wait waits for.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
		g.n.Add(1)
	}()
}

// Wait waits for every f and returns the errors.
func (g *Group) Wait() []error {
	g.wg.Wait()
	return g.errs
}

var counter int64

func Pipe(in []int, w io.Writer) int {
	ch := make(chan int, len(in))
	done := make(chan struct{})
	sum := 0
	go func() {
		for v := range ch {
			sum += v
		}
		close(done)
	}()
	for _, v := range in {
		ch <- v
	}
	close(ch)
	<-done
	atomic.AddInt64(&counter, 1)
	buf := make([]int, len(in))
	copy(buf, in)
	p := &Group{byID: map[int]string{1: "a"}}
	p.byID[2] = "b"
	fmt.Fprintf(w, "%d %d\n", sum, len(p.byID))
	var x int
	reflect.ValueOf(&x).Elem().SetInt(3)
	return sum + buf[0] + x
}

func Later(t *time.Timer, d time.Duration) {
	t.Reset(d)
	select {
	case <-t.C:
	case <-time.After(d):
	}
}

func Handle(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("ok"))
}

func Fail(code int) {
	os.Exit(code)
}
