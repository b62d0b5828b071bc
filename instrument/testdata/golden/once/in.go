package once

import "sync"

var (
	once sync.Once
	cfg  *int
)

func get() int {
	once.Do(func() {
		v := 42
		cfg = &v
	})
	return *cfg
}
