package multireturn

type T struct{ a, b int }

func two(t *T) (int, int) { return t.a, t.b }

func use(t *T) int {
	x, y := two(t)
	t.a, t.b = t.b, t.a
	return x + y
}

func named(t *T) (a, b int) {
	a = t.a
	b = t.b
	return
}
