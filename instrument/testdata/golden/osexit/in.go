package main

import (
	"fmt"
	"os"
)

var g int

func run() int {
	g++
	return g
}

func main() {
	if len(os.Args) > 3 {
		os.Exit(3)
	}
	if run() > 1 {
		return
	}
	exit := os.Exit
	defer fmt.Println("deferred")
	_ = exit
}
