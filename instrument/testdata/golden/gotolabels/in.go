package gotolabels

var g int

func jumps(p *int, n int) int {
	i := 0
loop:
	if i < n {
		*p += i
		i++
		goto loop
	}
	goto end
end:
	g = *p
outer:
	for j := 0; j < n; j++ {
		for k := 0; k < n; k++ {
			if k == j {
				continue outer
			}
			g += k
		}
	}
	return g
}
