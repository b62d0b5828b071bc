package gostmt

import "fmt"

type W struct{ n int }

func (w *W) Run(x int) { w.n = x }

func f(a int, s string) {}

func g[T any](x T) {}

func shapes(fn func(int), w *W, ch chan int, p *int) {
	go fn(*p)
	go w.Run(2)
	go func(x int) {
		*p = x
	}(3)
	go f(*p, "const")
	go g(1.5)
	go g[int](*p)
	go fmt.Println("x", *p)
	go close(ch)
	go println(1)
	go func() {
		go func() {}()
	}()
	go f(1,
		"two lines")
}
