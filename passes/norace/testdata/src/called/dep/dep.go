// Package dep is called by package called.
package dep

var n int

func Leaf()      { n++ }
func Other()     { n-- }
func Unreached() { n = 0 }
