// Package subtests checks the edges of t.Run: what a subtest did happens
// before its parent goes on after t.Run (or, for parallel subtests, after
// the parent's end), and parallel siblings stay concurrent.
package subtests

import (
	"fmt"
	"testing"
)

func TestResultAfterRun(t *testing.T) {
	got := 0
	t.Run("sets", func(t *testing.T) { got = 1 })
	if got != 1 {
		t.Fatalf("got %d", got)
	}
}

// TestSharedLoopVar is go-cmp's TestDifferenceFuzz pattern: under go1.21
// loop semantics the subtests' closures read the loop variable that the
// loop's post statement writes after each t.Run.
func TestSharedLoopVar(t *testing.T) {
	n := 1
	for ; n <= 8; n <<= 1 {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n == 0 {
				t.Fatal("zero")
			}
		})
	}
}

func TestParallelResults(t *testing.T) {
	results := make([]int, 4)
	t.Run("group", func(t *testing.T) {
		for i := range results {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				results[i] = i + 1
			})
		}
	})
	for i, r := range results {
		if r != i+1 {
			t.Errorf("results[%d] = %d", i, r)
		}
	}
}

// TestParallelAfterParentBody: a parallel subtest resumes from
// t.Parallel only after its parent's function returned, so the parent's
// writes after t.Run happen before it (go1.21 range variables shared by
// parallel subtests). Both a top-level and a nested parent.
func TestParallelAfterParentBody(t *testing.T) {
	x := 0
	t.Run("top", func(t *testing.T) {
		t.Parallel()
		_ = x
	})
	x = 1
	t.Run("group", func(t *testing.T) {
		y := 0
		t.Run("nested", func(t *testing.T) {
			t.Parallel()
			_ = y
		})
		y = 1
	})
}

func BenchmarkResultAfterRun(b *testing.B) {
	got := 0
	b.Run("sets", func(b *testing.B) { got = b.N })
	if got == 0 {
		b.Fatal("sub-benchmark did not run")
	}
}

// TestParallelSiblingsRace must report a race: parallel siblings are not
// ordered by their parent.
func TestParallelSiblingsRace(t *testing.T) {
	x := 0
	t.Run("group", func(t *testing.T) {
		for i := range 2 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				x++
			})
		}
	})
}
