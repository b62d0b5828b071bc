// Package kernels is the single-goroutine half of the run-time benchmark
// workload (bench/raceinst/run_times.sh): sorting, hashing into a map,
// matrix multiplication and tokenising, written out here rather than taken
// from std, so that the work happens in code raceinst instruments (Go's
// -race instruments std too).
package kernels

// Sort sorts a in place (quicksort, insertion sort below 12 elements).
func Sort(a []int) {
	for len(a) > 12 {
		p := partition(a)
		if p < len(a)-p {
			Sort(a[:p])
			a = a[p+1:]
		} else {
			Sort(a[p+1:])
			a = a[:p]
		}
	}
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func partition(a []int) int {
	m := len(a) / 2
	a[m], a[len(a)-1] = a[len(a)-1], a[m]
	pivot, i := a[len(a)-1], 0
	for j := 0; j < len(a)-1; j++ {
		if a[j] < pivot {
			a[i], a[j] = a[j], a[i]
			i++
		}
	}
	a[i], a[len(a)-1] = a[len(a)-1], a[i]
	return i
}

// Words counts the space-separated words of text.
func Words(text []byte) map[string]int {
	counts := map[string]int{}
	start := -1
	for i, c := range text {
		if c == ' ' || c == '\n' {
			if start >= 0 {
				counts[string(text[start:i])]++
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		counts[string(text[start:])]++
	}
	return counts
}

// MatMul returns a×b for n×n matrices stored row by row.
func MatMul(a, b []float64, n int) []float64 {
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			aik := a[i*n+k]
			for j := 0; j < n; j++ {
				c[i*n+j] += aik * b[k*n+j]
			}
		}
	}
	return c
}

// Token is a token of Tokenize.
type Token struct {
	Kind  byte // 'n' number, 'i' identifier, 'p' punctuation
	Start int
	End   int
}

// Tokenize splits src into numbers, identifiers and punctuation.
func Tokenize(src []byte) []Token {
	var toks []Token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			toks = append(toks, Token{'n', i, j})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, Token{'i', i, j})
			i = j
		default:
			toks = append(toks, Token{'p', i, i + 1})
			i++
		}
	}
	return toks
}
