package composite

type Big struct {
	a, b, c int
	arr     [8]byte
}

var global Big

func copies(p, q *Big) Big {
	*p = *q
	local := global
	global = local
	arr := p.arr
	p.arr = arr
	return *p
}

func (b Big) Sum() int { return b.a + b.b + b.c }

func valueRecv(p *Big) int {
	return p.Sum()
}

type Empty struct{}

var e Empty

func zero(p *Empty) Empty {
	*p = e // zero-size: not hooked
	return *p
}
