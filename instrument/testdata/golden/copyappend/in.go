package copyappend

var buf []byte

func ops(dst, src []byte, s string, more []int, xs []int) ([]int, int) {
	n := copy(dst, src)
	n += copy(dst[1:], s)
	buf = append(buf, src...)
	xs = append(xs, more...)
	xs = append(xs, 1, 2)
	str := string(src)
	return xs, n + len(str)
}

func get() []byte { return buf }

func calls(xs []int) (int, string) {
	n := 0
	for _, v := range append(xs, 1) {
		n += v
	}
	xs = append(xs[:0], append(xs, 2)...)
	clear(get())
	return n, string(get())
}

type bytesT []byte

func copies(dst []byte, s string) int {
	n := copy(dst, get())
	n += copy(get(), dst)
	n += copy(bytesT(get()), s)
	n += copy(get()[1:], dst[2:])
	return n
}

// A result named len and a local min: hooks that call the predeclared
// ones cannot go where they are shadowed: helpers, which name none, do.
func lenResult(runes []rune) (len int) {
	for _, r := range runes {
		len += int(r)
	}
	return len
}

func minLocal(dst, src []byte) int {
	min := 1
	return copy(dst, src) + min
}
