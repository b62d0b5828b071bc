// Command peakrss touches 1 GiB of memory (an increment of every uint64 of
// a 1 GiB slice: a read and a write each) and prints the process's peak
// resident set size. With -hooks it calls rt.Read and rt.Write before each
// increment, as instrumented code does; built with -race and without
// -hooks it measures ThreadSanitizer's memory for the same loop. See
// ../peakrss.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/raceinst/raceinst/rt"
)

func main() {
	hooks := flag.Bool("hooks", false, "call rt's hooks before each access")
	mib := flag.Int("mib", 1024, "MiB of memory to touch")
	flag.Parse()
	d := make([]uint64, *mib<<20/8)
	if *hooks {
		for i := range d {
			p := uintptr(unsafe.Pointer(&d[i]))
			rt.Read(p)
			rt.Write(p)
			d[i]++
		}
	} else {
		for i := range d {
			d[i]++
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "getrusage:", err)
		os.Exit(1)
	}
	// ru_maxrss is in KiB on Linux and the BSDs (bytes on darwin).
	fmt.Printf("peak RSS %d KiB, touched %d MiB\n", ru.Maxrss, *mib)
	if *hooks {
		rt.Exit(0)
	}
}
