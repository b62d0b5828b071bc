// Command racyhelpers: the elements a conversion, an append and a range
// read through a slice operand that is a call, a map read through a call,
// a copy from a call and a field read through a pointer a call returns are
// hooked where the call returns (a helper), and the reports name the
// user's lines, not the helper's: six races are reported.
package main

import "fmt"

var (
	a    = []byte("abc")
	b, c = []int{1, 2}, []int{3, 4}
	d    = []int{5, 6}
	p    = &struct{ f, g int }{}
	m    = map[int]int{}
)

func get(s []int) []int { return s }

func getb() []byte { return a }

func getm() map[int]int { return m }

func getp() *struct{ f, g int } { return p }

func main() {
	done := make(chan bool)
	go func() {
		a[1] = 'x'
		b[1] = 5
		c[0] = 6
		m[1] = 7
		d[0] = 8
		p.g = 9
		done <- true
	}()
	str := string(getb())             // racy
	xs := append([]int{0}, get(b)...) // racy
	n := 0
	for _, v := range get(c) { // racy
		n += v
	}
	n += getm()[1]                    // racy
	n += copy(make([]int, 1), get(d)) // racy
	n += getp().g                     // racy
	<-done
	fmt.Println("done", len(str), len(xs), n > 0)
}
