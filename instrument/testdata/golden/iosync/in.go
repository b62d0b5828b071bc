package iosync

import (
	"bufio"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
)

var data int

func files(name string) ([]byte, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data = 1
	f.Write([]byte("done"))
	defer f.WriteString("end")
	buf := make([]byte, 4)
	n, err := f.Read(buf)
	_ = n
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "%d %s\n", data, "x")
	w.Flush()
	return os.ReadFile(name)
}

func conns(c net.Conn, r io.Reader, w io.Writer) error {
	c.Write(nil)
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	b, err := io.ReadAll(c)
	_ = b
	fmt.Println("read", len(b))
	go fmt.Println("not wrapped")
	return err
}

type server struct{ hits int }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits++
	fmt.Fprint(w, s.hits)
}

func handler(w http.ResponseWriter, r *http.Request) {}

func client(url string) (int, error) {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		data++
		w.Write([]byte("ok"))
	})
	http.Handle("/s", &server{})
	http.HandleFunc("/h", handler)
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var buf [8]byte
	n, _ := resp.Body.Read(buf[:])
	return n + data, nil
}

// A hash is an io.Writer that is never a file or a connection: no edge.
func sum(h hash.Hash, w io.Writer, b []byte) []byte {
	h.Write(b)
	w.Write(b)
	return h.Sum(nil)
}
