package shortcircuit

type T struct {
	ok   bool
	next *T
	v    int
}

type MyBool bool

func sc(t *T, q *T) bool {
	if t != nil && t.v > 0 {
		return true
	}
	x := t == nil || t.next.v == 1
	for t != nil && t.ok {
		t = t.next
	}
	return x || (q != nil && q.ok)
}

func named(a, b MyBool, t *T) MyBool {
	return a && b || MyBool(t.ok)
}
