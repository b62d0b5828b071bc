package instrument

import (
	"bytes"
	"sort"
)

// An editBuffer collects insertions and replacements at byte offsets of one
// source file and applies them at once, as cmd/internal/edit does for
// cmd/cover. Edits at the same offset are ordered insertions first, then by
// prio, then by the order they were made.
type editBuffer struct {
	src   []byte
	edits []textEdit
}

type textEdit struct {
	start, end int // replaced range [start, end); start == end inserts
	prio       int
	// order is a wrapper's extent, by which wrappers that share an offset
	// nest (wrap, nested).
	order int
	wrap  bool // made by wrap
	seq   int
	text  string
}

// Priorities of insertions that share an offset, smallest first: hooks
// that go before a statement come before the opening text of rewritten
// expressions starting there, and closing text of the innermost rewrite
// comes first.
const (
	prioBlock  = -1 // opening brace of a block made around a statement
	prioStmt   = 0  // hooks placed before a statement
	prioCond   = 2  // a hooks closure in front of a condition operand
	prioWrap   = 4  // opening text of a wrapper added after the rewrites inside its operand
	prioOpen   = 5  // opening text of an expression rewrite
	prioClose  = 10 // closing text of an expression rewrite
	prioUnwrap = 11 // closing text of a prioWrap wrapper
	prioAfter  = 20 // text after a statement
)

func (b *editBuffer) insert(off, prio int, text string) {
	b.edits = append(b.edits, textEdit{start: off, end: off, prio: prio, seq: len(b.edits), text: text})
}

func (b *editBuffer) replace(start, end, prio int, text string) {
	b.edits = append(b.edits, textEdit{start: start, end: end, prio: prio, seq: len(b.edits), text: text})
}

// nested orders a wrapper's text against another opening or closing
// insertion at the same offset (an expression rewrite, a select's
// capture), and reports whether it applies: the walk makes the rewrites
// of an operand before those of the expressions around it, so of two
// openings the one made later encloses the other and goes first, and of
// two closings the one made earlier goes first; two wrappers nest by
// their extent first.
func nested(a, c textEdit) (before, ok bool) {
	opening := func(e textEdit) bool { return e.prio == prioWrap || e.prio == prioOpen }
	closing := func(e textEdit) bool { return e.prio == prioClose || e.prio == prioUnwrap }
	switch {
	case opening(a) && opening(c):
		if a.wrap && c.wrap && a.order != c.order {
			return a.order < c.order, true
		}
		return a.seq > c.seq, true
	case closing(a) && closing(c):
		if a.wrap && c.wrap && a.order != c.order {
			return a.order < c.order, true
		}
		return a.seq < c.seq, true
	}
	return false, false
}

// wrap puts open before and close after the text of [start, end), around
// the rewrites inside it (prioWrap, prioUnwrap), whatever the order the
// wrappers are made in: of two that start together the longer opens first,
// and of two that end together the one that started later closes first.
func (b *editBuffer) wrap(start, end int, open, close string) {
	b.edits = append(b.edits,
		textEdit{start: start, end: start, prio: prioWrap, order: -end, wrap: true, seq: len(b.edits), text: open},
		textEdit{start: end, end: end, prio: prioUnwrap, order: -start, wrap: true, seq: len(b.edits) + 1, text: close})
}

func (b *editBuffer) empty() bool { return len(b.edits) == 0 }

// bytes applies the edits. Overlapping replacements are a bug in the caller
// and panic (Package recovers and reports it).
func (b *editBuffer) bytes() []byte {
	edits := append([]textEdit(nil), b.edits...)
	sort.SliceStable(edits, func(i, j int) bool {
		a, c := edits[i], edits[j]
		if a.start != c.start {
			return a.start < c.start
		}
		if ra, rc := a.end > a.start, c.end > c.start; ra != rc {
			return rc // insertions before a replacement starting there
		}
		if a.wrap || c.wrap {
			if before, ok := nested(a, c); ok {
				return before
			}
		}
		if a.prio != c.prio {
			return a.prio < c.prio
		}
		return a.seq < c.seq
	})
	var out bytes.Buffer
	out.Grow(len(b.src) + len(b.src)/4)
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			panic("overlapping edits")
		}
		out.Write(b.src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(b.src[pos:])
	return out.Bytes()
}
