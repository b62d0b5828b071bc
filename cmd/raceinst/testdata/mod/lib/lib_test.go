package lib

import "testing"

func TestSum(t *testing.T) {
	if got := Sum(1, 2, 3); got != 6 {
		t.Fatalf("Sum = %d, want 6", got)
	}
}

func TestOther(t *testing.T) {}
