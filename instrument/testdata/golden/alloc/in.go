package alloc

import "sync"

type T struct{ a, b int }

type E struct{}

var sink any

func (t *T) inc() { t.a++ }

// Declared variables SSA puts on the heap: rt.Alloc right after the
// declaration.
func decls(ch chan *int) {
	var x int
	y, z := 1, 2
	var (
		u    = 3
		v, w int
	)
	sink = &x
	sink = &y
	sink = &u
	sink = &v
	_, _ = z, w
	var e E // zero size: no hook
	sink = &e
	var local int // not on the heap: no hook
	local++
	_ = local
	y, q := 4, 5 // only q is new
	sink = &q
	ch <- &y
L:
	n := 0
	sink = &n
	if n < 0 {
		goto L // n is allocated again
	}
}

// Composite literals and new.
func lits() *T {
	p := &T{a: 1}
	q := new(T)
	r := new(int64(7))
	ts := []*T{{a: 1}, &T{b: 2}} // the elided one is not wrapped
	var wg sync.WaitGroup
	wg.Go(func() { sink = &E{} }) // zero size: not wrapped
	wg.Wait()
	(&T{}).inc()
	if p != nil && (&T{a: 2}) != p {
		sink = r
	}
	go sink2(&T{}, ts)
	defer sink2(&T{a: 3}, nil)
	sink = q
	return p
}

func sink2(*T, []*T) {}

// Parameters, results and receivers: at the top of the body.
func (t T) params(a int, b *T) (r int, err error) {
	f := func(c int) (d int) {
		sink = &c
		sink = &d
		return
	}
	sink, sink, sink, sink = &t, &a, &r, &err
	f(0)
	return
}

// Statements that declare in their header.
func headers(ch chan int, x any) {
	if v := 1; v > 0 {
		sink = &v
	} else if w := 2; w > 0 {
		sink = &w
	}
	switch s := 3; s {
	case 1:
		sink = &s
	default:
	}
	switch y := x.(type) {
	case int:
		sink = &y
	case string:
	case E:
		sink = &y
	default:
		_ = y
	}
	for i := 0; i < 3; i++ {
		sink = &i
	}
	for k, v := range []int{1} {
		sink, sink = &k, &v
	}
	select {
	case r := <-ch:
		sink = &r
	case r, ok := <-ch:
		sink, sink = &r, &ok
	}
}

// Generics: sizes of type parameters are not constants.
func gen[P any](p P) *P {
	var q P
	sink = &q
	sink = &p
	return new(P)
}

type G[P any] struct{ p P }

func genLit[P any]() *G[P] {
	return &G[P]{}
}

func init() {
	v := 1
	sink = &v
}

// Range over a function: the body is the yield function's, called anew
// for each value.
func overFunc(seq func(func(int) bool)) {
	for x := range seq {
		sink = &x
	}
}

// The init statement's x is shadowed by the type switch's in the clauses:
// its hook would name the wrong variable, and is left out.
func shadowed(f func() any) {
	switch x := f(); x := x.(type) {
	case int:
		sink = &x
	}
	switch x := f(); y := x.(type) {
	case int:
		sink, sink = &x, &y
	}
}
