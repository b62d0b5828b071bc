package bad

// go:norace
func typo() {}

func broken() int {
	return "not an int"
}
