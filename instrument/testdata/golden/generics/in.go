package generics

type Box[T any] struct {
	v    T
	next *Box[T]
}

func Get[T any](b *Box[T]) T {
	return b.v
}

func Set[T any](b *Box[T], v T) {
	b.v = v
	b.next = nil
}

func Sum[T int | float64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

func Ptr[T any](p *T, v T) {
	*p = v
}
