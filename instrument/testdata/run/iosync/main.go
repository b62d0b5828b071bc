// Command iosync hands data over through a file and through HTTP: I/O
// orders the goroutines (std's syscalls under -race), which raceinst
// models at the call sites.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

func main() {
	dir, err := os.MkdirTemp("", "iosync")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "data")
	x := 0
	go func() {
		x = 42
		f, _ := os.Create(name + ".tmp")
		f.Write([]byte("done"))
		f.Close()
		os.Rename(name+".tmp", name)
	}()
	for {
		f, err := os.Open(name)
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		buf := make([]byte, 10)
		n, _ := f.Read(buf)
		f.Close()
		if n > 0 {
			break
		}
	}
	fmt.Println("file", x)

	hits := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		hits++
		fmt.Fprintf(w, "hit")
		hits++
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go http.Serve(ln, mux)
	for range 2 {
		hits++
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body), hits)
	}
}
