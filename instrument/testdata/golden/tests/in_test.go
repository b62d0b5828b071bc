package tests

import "testing"

func TestSet(t *testing.T) {
	Set(1)
	if shared != 1 {
		t.Fatal("no")
	}
}

func TestUnnamed(*testing.T) {}

func BenchmarkX(b *testing.B) {}

func helper(t *testing.T) { Set(2) }
