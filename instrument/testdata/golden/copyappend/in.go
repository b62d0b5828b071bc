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
