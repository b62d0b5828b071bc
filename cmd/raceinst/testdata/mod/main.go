// Command mod is raceinst's end-to-end fixture: a main package that embeds
// a file and calls a library.
package main

import (
	_ "embed"
	"fmt"
	"os"

	"example.com/mod/lib"
)

//go:embed greeting.txt
var greeting string

func main() {
	fmt.Printf("%s sum=%d\n", greeting, lib.Sum(1, 2, 3))
	if len(os.Args) > 1 {
		os.Exit(len(os.Args[1]))
	}
}
