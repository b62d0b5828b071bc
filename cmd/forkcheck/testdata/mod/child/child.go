package child

//go:nospilt
func misspelled() {}

//go:norace
func ok() {}
