// Command workload is the program of the run-time benchmark
// (bench/raceinst/run_times.sh): the same fixed amount of work built plain,
// with go build -race, with raceinst build (its packages instrumented) and
// with raceinst build -instrument=.../pipeline (one package instrumented).
// It prints a checksum, so that every build is seen to do the same work.
package main

import (
	"flag"
	"fmt"

	"github.com/raceinst/raceinst/bench/raceinst/workload/kernels"
	"github.com/raceinst/raceinst/bench/raceinst/workload/pipeline"
)

func main() {
	scale := flag.Int("scale", 1, "multiplies the amount of work")
	flag.Parse()
	sum := 0
	for r := range *scale {
		a := make([]int, 200_000)
		x := uint32(r + 1)
		for i := range a {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			a[i] = int(x % 1_000_000)
		}
		kernels.Sort(a)
		sum += a[len(a)/2]

		text := make([]byte, 0, 1<<20)
		for i := 0; len(text) < 1<<20; i++ {
			text = fmt.Appendf(text, "w%d x_%d(%d) ", i%1000, i%37, i)
		}
		sum += len(kernels.Words(text)) + len(kernels.Tokenize(text))

		const n = 120
		m := make([]float64, n*n)
		for i := range m {
			m[i] = float64(i%17) / 7
		}
		c := kernels.MatMul(m, m, n)
		sum += int(c[n*n/2])

		sum += pipeline.Run(pipeline.NewTable(1024), 4, 2000, 512)
	}
	fmt.Println("checksum", sum)
}
