package subtests

import "testing"

// runner has a Run method that is not testing's: left alone.
type runner struct{}

func (runner) Run(name string, f func(*testing.T)) bool { return true }

type suite struct{ *testing.T }

func TestSub(t *testing.T) {
	n := 0
	t.Run("a", func(t *testing.T) {
		n++
	})
	if !t.Run("b", func(t *testing.T) { t.Run("c", func(*testing.T) {}) }) {
		t.Fatal(n)
	}
	s := suite{t}
	s.Run("d", sub)
	runner{}.Run("e", sub)
	t.Run(
		"f",
		sub,
	)
}

func sub(t *testing.T) { t.Parallel() }

func BenchmarkSub(b *testing.B) {
	b.Run("x", func(b *testing.B) {})
}
