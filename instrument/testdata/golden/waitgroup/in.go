package waitgroup

import "sync"

func work(n int) []int {
	var wg sync.WaitGroup
	res := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = i
		}()
	}
	wg.Wait()
	return res
}

func withGo(n int) []int {
	var wg sync.WaitGroup
	res := make([]int, n)
	for i := range n {
		wg.Go(func() { res[i] = i })
	}
	wg.Wait()
	return res
}
