package rangefunc

import "iter"

type T struct{ v []int }

func seq(t *T) iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, x := range t.v {
			if !yield(x) {
				return
			}
		}
	}
}

func use(t *T, p *int) int {
	total := 0
	for x := range seq(t) {
		if x == 0 {
			continue
		}
		*p += x
		total += x
	}
	for i := range 3 {
		*p += i
	}
	return total
}
