// Package flagged has a child entry point named only on the command line
// (-norace.child=flagged.childMain), as users do for code they cannot
// annotate.
package flagged

var sink int

func childMain() { // want childMain:`child\(-child flag\),noinstrument\(fork-child context: -child flag`
	step()
}

func step() { sink++ } // want step:`noinstrument\(reached from -child flag \(flagged.childMain`

func notNamed() { sink-- } // no fact: not named, not reached
