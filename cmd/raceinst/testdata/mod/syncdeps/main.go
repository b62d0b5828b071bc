// Command syncdeps relies on a dependency's synchronisation (example.com/dep/group):
// with no argument it is race-free; with "racy" it also makes one race
// that no synchronisation orders.
package main

import (
	"fmt"
	"os"

	"example.com/dep/group"
)

func main() {
	var g group.Group
	n, last := 0, 0
	for i := range 4 {
		g.Go(func() {
			g.Locked(func() { n++ })
		})
		group.Handoff(func() { last = i })
	}
	g.Wait()
	fmt.Println(n, last)
	if len(os.Args) > 1 && os.Args[1] == "racy" {
		x := 0
		g.Go(func() { x = 1 })
		g.Go(func() { x = 2 })
		g.Wait()
		fmt.Println(x > 0)
	}
}
