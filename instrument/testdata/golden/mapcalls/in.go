package mapcalls

// Map operands that cannot be evaluated twice are hooked in place, where
// they are evaluated (this file has no other hook that needs unsafe).
func mapCalls(tables func() map[string]int, k string) int {
	tables()[k] = 1
	n := len(tables()) + tables()[k]
	if v, ok := tables()[k]; ok {
		n += v
	}
	delete(tables(), k)
	for key := range tables() {
		n += len(key)
	}
	return n
}
