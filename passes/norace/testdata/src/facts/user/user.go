package user

import "facts/lib"

func declared() // want "declared is implemented by facts/lib: nosplit"

func uses() { // want "lib.Clean: norace,nosplit" "lib.Plain: no directives"
	lib.Clean()
	lib.Plain()
}
