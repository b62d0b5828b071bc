package lib

import "example.com/mod/forkreach/lib2"

// ForTests exists only in lib's test variant, for child_test.go.
func ForTests() { lib2.Other() }
