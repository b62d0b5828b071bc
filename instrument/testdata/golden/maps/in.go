package maps

var cache = map[string]int{}

type S struct{ m map[int]string }

func mapOps(m map[string]int, s *S, k string) int {
	m[k] = 1
	m[k]++
	v := m[k]
	x, ok := m["y"]
	if ok {
		v += x
	}
	delete(m, k)
	cache[k] = v
	s.m[1] = "a"
	for key, val := range m {
		_, _ = key, val
	}
	nested := map[string]map[string]int{}
	nested["a"]["b"] = 2
	clear(m)
	return v + len(m)
}
