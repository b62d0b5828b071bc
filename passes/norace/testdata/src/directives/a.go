package directives

// Near-misses of //go:norace and friends: the compiler ignores each of them.

// want +1 `// go:norace is not a compiler directive, so the compiler ignores it; write //go:norace`
// go:norace
func spaceAfterSlashes() {}

// want +1 `is not a compiler directive.*write //go:nosplit`
//go: nosplit
func spaceAfterColon() {}

// want +1 `is not a compiler directive.*write //go:norace`
//	go:norace
func tabAfterSlashes() {}

// want +1 `is not a compiler directive.*write //go:norace`
//go:NoRace
func wrongCase() {}

// want +1 `is not a compiler directive.*write //go:norace`
//go:noraces
func plural() {}

// want +1 `is not a compiler directive.*write //go:nosplit`
//go:nospilt
func misspelled() {}

// want +1 `is not a compiler directive.*write //go:nocheckptr`
//go:nocheckpt
func misspelledCheckptr() {}

// want +1 `is a block comment, which the compiler ignores; write //go:noinline`
/*go:noinline*/
func blockComment() {}

// want +1 `//go:norace takes no arguments; the compiler ignores "please"`
//go:norace please
func trailingArgs() {} // want trailingArgs:`func:norace,noinstrument\(//go:norace\)`

// Spelled right: quiet.

//go:norace
//go:nosplit
//go:noinline
//go:nocheckptr
func correct() {} // want correct:`func:norace,nosplit,noinstrument`

// Other real directives and prose are not near-misses: quiet.

//go:noescape
func noescape(p *int) // want noescape:`func:nobody,asm-split,noescape`

// The comment below mentions go:norace in prose.
// go:norace is what the compiler wants here, see above.
func prose() {}

//go:generate echo hello
func generate() {}

// want +1 `//go:norace is separated from func separated by a blank line`
//go:norace

func separated() {}

// want +1 `//go:nosplit has no effect on asmDecl, which has no Go body`
//go:nosplit
func asmDecl() // want asmDecl:`func:nosplit,nobody,asm-nosplit`

// want +1 `//go:norace has no effect on asmDecl2, which has no Go body`
//go:norace
func asmDecl2() // want asmDecl2:`func:norace,nobody,asm-split,noinstrument`

// want +1 `unknown directive //forkcheck:chidl; did you mean //forkcheck:child\?`
//forkcheck:chidl
func unknownVerb() {}

// want +1 `unknown directive //forkcheck:frobnicate; known:`
//forkcheck:frobnicate
func unknownVerb2() {}

func ignores() {
	// want +1 `//forkcheck:ignore needs a reason`
	//forkcheck:ignore
	_ = 1
	//forkcheck:ignore the fd is closed by exec
	_ = 2
}

// want +1 `"// forkcheck:child" is not a directive: write //forkcheck:child`
// forkcheck:child
func spacedForkcheck() {}

//forkcheck:child runs between fork and exec
func child() {} // want child:`child\(//forkcheck:child\),noinstrument\(fork-child context: //forkcheck:child`
