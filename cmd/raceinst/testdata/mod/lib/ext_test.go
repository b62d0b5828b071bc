package lib_test

import (
	"fmt"
	"os"
	"testing"

	"example.com/mod/lib"
)

func TestMain(m *testing.M) {
	fmt.Println("TestMain ran")
	os.Exit(m.Run())
}

func TestExternal(t *testing.T) {
	if lib.Sum() != 0 {
		t.Fatal("Sum() != 0")
	}
}
