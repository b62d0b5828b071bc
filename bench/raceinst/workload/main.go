// Command workload is the program of the run-time benchmark
// (bench/raceinst/run_times.sh): the same fixed amount of work built plain,
// with go build -race, with raceinst build (its packages instrumented) and
// with raceinst build -instrument=.../pipeline (one package instrumented).
// It prints a checksum, so that every build is seen to do the same work.
// -part=pipeline or -part=kernels runs one package's share of the work
// alone (to profile it, or to see what one package costs by itself).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/raceinst/raceinst/bench/raceinst/workload/kernels"
	"github.com/raceinst/raceinst/bench/raceinst/workload/pipeline"
)

func main() {
	scale := flag.Int("scale", 1, "multiplies the amount of work")
	part := flag.String("part", "", "run only this package's share of the work: kernels or pipeline")
	flag.Parse()
	if *part != "" && *part != "kernels" && *part != "pipeline" {
		fmt.Fprintf(os.Stderr, "workload: -part=%q: want kernels or pipeline\n", *part)
		os.Exit(2)
	}
	sum := 0
	for r := range *scale {
		if *part != "pipeline" {
			sum += kernelWork(r)
		}
		if *part != "kernels" {
			sum += pipeline.Run(pipeline.NewTable(1024), 4, 2000, 512)
		}
	}
	fmt.Println("checksum", sum)
}

// kernelWork is round r's single-goroutine work: kernels' sorting,
// tokenising and matrix multiplication.
func kernelWork(r int) int {
	sum := 0
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
	return sum + int(c[n*n/2])
}
