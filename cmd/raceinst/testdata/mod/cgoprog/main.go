// Command cgoprog calls C.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import "fmt"

func main() {
	n := 0
	for i := range 3 {
		n += int(C.twice(C.int(i)))
	}
	fmt.Println("cgo says", n)
}
