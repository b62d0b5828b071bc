package tests

var shared int

func Set(v int) { shared = v }
