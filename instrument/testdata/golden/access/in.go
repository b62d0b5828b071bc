package access

type T struct {
	a, b int
	next *T
	arr  [4]int
	s    []int
}

var g int
var gt T

func deref(p *int) int {
	x := *p
	*p = x + 1
	*p += 2
	return *p
}

func globals() {
	g = 1
	g++
	x := g
	gt.a = x
	gt.arr[2] = gt.b
}

func fields(t *T, u T) int {
	t.a = 1
	t.next.b = t.a
	u.a = 3 // u is a local copy: not hooked
	return u.a + t.b
}

func slices(s []int, i int) int {
	s[i] = 1
	s[i+1] = s[i]
	var local [3]int
	local[i] = 2 // a non-escaping local array
	return local[0] + len(s)
}

func escapes() *int {
	x := 1
	p := &x
	x = 2
	return p
}

func captured() int {
	n := 0
	f := func() { n++ }
	f()
	return n
}

func loops(t *T) int {
	sum := 0
	for n := t; n != nil && n.a > 0; n = n.next {
		sum += n.b
	}
	for i := 0; i < len(t.s); i++ {
		if t.s[i] == 0 {
			continue
		}
		sum += t.s[i]
	}
	for _, v := range t.s {
		sum += v
	}
	return sum
}

func redundant(t *T) int {
	x := t.a
	y := t.a // same address, nothing in between: not hooked again
	t.a = x + y
	return t.a
}

func switches(t *T) int {
	switch t.a {
	case 1:
		return t.b
	}
	if v := t.b; v > 0 {
		return v
	} else if t.a > 2 {
		return 2
	}
	return 0
}

func strs(s string, b []byte) string {
	c := s[0]
	_ = c
	return string(b)
}

type E struct{ v int }

type O struct {
	*E
	arr *[4]int
}

// Hooks that cannot panic (guard.go): each runs only when its address is
// valid, so that the statement panics in its own place.
func guards(o *O, s []int, i, j int, str string) int {
	o.v = 1      // through the embedded pointer: o and o.E
	o.arr[i] = 2 // a pointer to an array
	o.arr[1] = 3 // a constant index: only the pointer
	copy(s[i:j], s[j:])
	s[i/j] = 4 // a division: the hook is not guarded
	return int(str[i]) + len(s[:j])
}

// A local len: the hook is not guarded.
func shadowed(s []int, i int) {
	len := 3
	s[i] = len
}

type node interface{ pos() int }

func (t *T) pos() int { return t.a }

// A field reached through a type assertion: the hook asserts again under
// a guard, and the statement panics in its own place if it fails.
func asserted(n node, v any) int {
	n.(*T).b = 2
	return n.(*T).a + v.(T).b + n.(*T).next.a
}

// A loop's post statement is hooked at the end of the body and before
// each continue, where the body's own len is in scope: that guarded hook
// is left out there.
func postShadow(s []int, j int) {
	for i := 0; i < 2; s[j]++ {
		len := 1
		_ = len
		i++
	}
}

// cap and nil of the package's own at the access: no guard.
func capShadow(s []int, i int) int {
	cap := 4
	s[i:cap][0] = 7
	return cap
}

func (t T) sum() int { return t.a + t.b }

func nilShadow(t *T) int {
	nil := 0
	return t.sum() + nil
}

// The checks of what && and || evaluate only sometimes apply only then.
func shortIndex(arr *[4]int, b2i map[bool]int, s []byte, i int) {
	arr[b2i[i < len(s) && s[i] == 0]] = 3
	arr[b2i[i >= len(s) || s[i] == 0]] = 4
}

// An interface key can panic (an unhashable dynamic type): no guard.
func anyKey(m map[any][]int, k any) int {
	return m[k][0]
}

type pair struct{ a, b *pair }

var gp = &pair{}

// A var group whose later specs read what the earlier ones declare.
func varGroup() *pair {
	var (
		p    = gp.a
		q    = p.b
		r, s = q.a, gp.b
	)
	var (
		t int
		u = gp.b
	)
	_, _, _ = s, t, u
	return r.a
}

type inner struct{ v int }

type outer struct {
	inner
	w  [2]int
	pp *pair
}

func mk() *outer { return &outer{} }

// Accesses through pointers that calls yield.
func throughCalls(n any) int {
	mk().w[1] = 2
	mk().v++
	x := mk().v + n.(*outer).w[0]
	_ = mk().pp.a.b
	*mk() = outer{}
	for _, v := range mkl().list {
		x += v
	}
	return x
}

type lst struct {
	list []int
	ch   chan int
	m    map[string]int
}

func mkl() *lst { return &lst{} }

// A channel or map reached through a call: its rewrite encloses the
// pointer's helper that starts where it does.
func sendThrough() int {
	mkl().ch <- 1
	mkl().m["a"] = 1
	return mkl().m["a"]
}

// A variable named uintptr in an address: the hook, which converts with
// the predeclared uintptr, cannot go there.
func uintptrVar(a []int) {
	uintptr := 1
	a[uintptr] = 2
}

var gq = &pair{}

// A var group whose spec shadows a variable a hook before it named: the
// shadowing spec's hook is not taken for the one before.
func shadowInGroup() *pair {
	x := gq.a
	var (
		gq = gp.b
		y  = gq.a
	)
	_ = x
	return y
}
