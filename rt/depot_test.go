package rt

import (
	"slices"
	"testing"
)

func TestDepotRoundTrip(t *testing.T) {
	var d stackDepot
	a := d.intern([]uintptr{1, 2, 3})
	b := d.intern([]uintptr{1, 2, 4})
	if a == b || a == 0 || b == 0 {
		t.Fatalf("ids %d, %d", a, b)
	}
	if got := d.intern([]uintptr{1, 2, 3}); got != a {
		t.Errorf("same stack interned twice: %d, then %d", a, got)
	}
	if got := d.get(a); !slices.Equal(got, []uintptr{1, 2, 3}) {
		t.Errorf("get(a) = %v", got)
	}
	if got := d.get(d.internWith(b, 9)); !slices.Equal(got, []uintptr{1, 2, 4, 9}) {
		t.Errorf("get(internWith(b, 9)) = %v", got)
	}
	if got := d.get(0); len(got) != 0 {
		t.Errorf("get(0) = %v", got)
	}
	if len(d.nodes) != 5 { // 1, 1-2, 1-2-3, 1-2-4, 1-2-4-9
		t.Errorf("%d nodes, want 5 (prefixes shared)", len(d.nodes))
	}
}

// TestDeepRecursionStacks: a recursion N frames deep that takes a stack at
// every level costs N depot nodes (it cost N²/2 pcs when every stack was
// stored whole: go-cmp's cyclic transformer tests, 15k frames deep, ran
// out of memory), and the stacks stay right as frames come and go.
func TestDeepRecursionStacks(t *testing.T) {
	const depth = 20000
	done := make(chan struct{})
	tok := Go()
	go func() {
		defer close(done)
		Started(tok)
		defer Finished()
		g := cur()
		base := g.stack()
		stacks.mu.Lock()
		before := len(stacks.nodes)
		stacks.mu.Unlock()
		for i := 0; i < depth; i++ {
			FuncEnter(0x1000)
			g.stack()
		}
		stacks.mu.Lock()
		added := len(stacks.nodes) - before
		stacks.mu.Unlock()
		if added > depth {
			t.Errorf("%d frames deep: %d depot nodes added, want at most %d", depth, added, depth)
		}
		// Return two levels, enter another function: its stack must be
		// the shorter prefix plus the new pc, not a stale id.
		FuncExit()
		FuncExit()
		FuncEnter(0x2000)
		got := stacks.get(g.stack())
		want := append(stacks.get(base), slices.Repeat([]uintptr{0x1000}, depth-2)...)
		want = append(want, 0x2000)
		if !slices.Equal(got, want) {
			t.Errorf("stack after exit/enter: %d pcs ending %x, want %d ending %x", len(got), got[len(got)-3:], len(want), want[len(want)-3:])
		}
		for range depth - 1 {
			FuncExit()
		}
		if id := g.stack(); id != base {
			t.Errorf("after returning to the base: stack %d, want %d", id, base)
		}
	}()
	<-done
}
