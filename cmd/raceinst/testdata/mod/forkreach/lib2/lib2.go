// Package lib2 is reached from fork-child code of package main through
// lib.F (G), and from parent code (Other).
package lib2

var m int

func G() { m++ }

func Other() { m-- }
