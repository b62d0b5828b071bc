// Command local relies on a main-module package's synchronisation
// (syncdeps/localgroup) and is race-free.
package main

import (
	"fmt"

	"example.com/mod/syncdeps/localgroup"
)

func main() {
	var g localgroup.Group
	res := make([]int, 4)
	for i := range res {
		g.Go(func() { res[i] = i * i })
	}
	g.Wait()
	fmt.Println(res)
}
