package instrument

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// I/O is an edge. Under -race, std's syscall package release-merges one
// global object (syscall.ioSync) before every write to a file descriptor
// and acquires it after every read: a file or socket written by one
// goroutine and read by another orders them (TestNoRaceIOFile). rt sees
// no call inside std, so the calls of user code that write out or read in
// are wrapped: the callee, evaluated as before, goes through a generic
// helper that returns a function of the same type, which calls rt.IOWrite
// (a release-merge on rt's one I/O object) before the call and rt.IORead
// (an acquire of it) after:
//
//	f.Write(b)             →  __rt_io_out_1_2(f.Write)(b)
//	n, err := c.Read(buf)  →  n, err := __rt_io_in_1_2(c.Read)(buf)
//	fmt.Fprintf(w, "x")    →  __rt_io_out_2v_2(fmt.Fprintf)(w, "x")
//	http.Get(url)          →  __rt_io_inout_1_2(http.Get)(url)
//
// The arguments are evaluated as before, between the callee and the hooks,
// so the hooks are right around the call; defer keeps them at the deferred
// call's time. A go statement's call is not wrapped.
//
// Which calls: the table ioCalls (os.File, os.ReadFile and WriteFile, io's
// copy and read functions, fmt's printing and scanning, bufio, the net/http
// client), every Read*/Write* method of package net's types and
// interfaces, and the io-shaped methods (Write, WriteString, WriteAt, Read,
// ReadAt, ReadFrom, WriteTo with io's signatures) of any interface, whose
// dynamic value may be a file or a connection (not a hash's: hash.Hash and
// the interfaces of hash/... and crypto/... get no edge). The edges are coarser than
// -race's (a bytes.Buffer behind an io.Writer gets them too, a bufio.Reader
// acquires without a system call): extra edges can hide races, never report
// false ones.
//
// An HTTP server runs handlers in goroutines rt does not see start, reads
// the request before and writes the response after the handler (from its
// buffer, after the handler returned). So every function with a handler's
// signature, func(http.ResponseWriter, *http.Request) (a ServeHTTP method,
// a HandleFunc literal), starts with "__rt.IORead(); defer __rt.IOWrite()":
// the request read happens before the handler, the handler before the
// response is written (TestNoRaceIOHttp). Called directly (a test with
// httptest.NewRecorder), it gets extra edges.

// ioSpec says whether a call writes out (IOWrite before it) and reads in
// (IORead after it).
type ioSpec struct{ out, in bool }

var (
	ioOut  = ioSpec{out: true}
	ioIn   = ioSpec{in: true}
	ioBoth = ioSpec{out: true, in: true}
)

// ioCalls is the table of I/O functions and methods of concrete types,
// keyed "pkgpath.Func" or "pkgpath.Type.Method".
var ioCalls = map[string]ioSpec{
	"os.WriteFile":        ioOut,
	"os.ReadFile":         ioIn,
	"os.File.Write":       ioOut,
	"os.File.WriteString": ioOut,
	"os.File.WriteAt":     ioOut,
	"os.File.Read":        ioIn,
	"os.File.ReadAt":      ioIn,
	// ReadFrom reads its argument (maybe a file) and writes the file;
	// WriteTo the other way round.
	"os.File.ReadFrom": ioBoth,
	"os.File.WriteTo":  ioBoth,

	"io.Copy":        ioBoth,
	"io.CopyN":       ioBoth,
	"io.CopyBuffer":  ioBoth,
	"io.WriteString": ioOut,
	"io.ReadAll":     ioIn,
	"io.ReadFull":    ioIn,
	"io.ReadAtLeast": ioIn,

	// Print* write to standard output, a file.
	"fmt.Fprint":   ioOut,
	"fmt.Fprintf":  ioOut,
	"fmt.Fprintln": ioOut,
	"fmt.Print":    ioOut,
	"fmt.Printf":   ioOut,
	"fmt.Println":  ioOut,
	"fmt.Fscan":    ioIn,
	"fmt.Fscanf":   ioIn,
	"fmt.Fscanln":  ioIn,
	"fmt.Scan":     ioIn,
	"fmt.Scanf":    ioIn,
	"fmt.Scanln":   ioIn,

	// A buffered writer writes out in Write when its buffer fills, and in
	// Flush; a buffered reader reads in when its buffer is empty.
	"bufio.Writer.Write":       ioOut,
	"bufio.Writer.WriteString": ioOut,
	"bufio.Writer.WriteByte":   ioOut,
	"bufio.Writer.WriteRune":   ioOut,
	"bufio.Writer.Flush":       ioOut,
	"bufio.Writer.ReadFrom":    ioBoth,
	"bufio.Reader.Read":        ioIn,
	"bufio.Reader.ReadByte":    ioIn,
	"bufio.Reader.ReadBytes":   ioIn,
	"bufio.Reader.ReadLine":    ioIn,
	"bufio.Reader.ReadRune":    ioIn,
	"bufio.Reader.ReadSlice":   ioIn,
	"bufio.Reader.ReadString":  ioIn,
	"bufio.Reader.Peek":        ioIn,
	"bufio.Reader.WriteTo":     ioBoth,
	"bufio.Scanner.Scan":       ioIn,

	// A client call writes the request (in a goroutine of the transport)
	// and returns after the response's header was read.
	"net/http.Get":                    ioBoth,
	"net/http.Head":                   ioBoth,
	"net/http.Post":                   ioBoth,
	"net/http.PostForm":               ioBoth,
	"net/http.Client.Do":              ioBoth,
	"net/http.Client.Get":             ioBoth,
	"net/http.Client.Head":            ioBoth,
	"net/http.Client.Post":            ioBoth,
	"net/http.Client.PostForm":        ioBoth,
	"net/http.Transport.RoundTrip":    ioBoth,
	"net/http.RoundTripper.RoundTrip": ioBoth,
}

// ioInterfaceMethods are the methods of io's interfaces, with their
// signatures: called on any interface, the dynamic value may be a file or
// a connection.
var ioInterfaceMethods = map[string]struct {
	sig  string
	spec ioSpec
}{
	"Write":       {"([]byte)(int,error)", ioOut},
	"WriteString": {"(string)(int,error)", ioOut},
	"WriteAt":     {"([]byte,int64)(int,error)", ioOut},
	"Read":        {"([]byte)(int,error)", ioIn},
	"ReadAt":      {"([]byte,int64)(int,error)", ioIn},
	"ReadFrom":    {"(io.Reader)(int64,error)", ioBoth},
	"WriteTo":     {"(io.Writer)(int64,error)", ioBoth},
}

// lookupIOCall says whether a call of fn writes out or reads in.
func lookupIOCall(fn *types.Func) (ioSpec, bool) {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return ioSpec{}, false
	}
	sig := fn.Signature()
	recv := sig.Recv()
	if recv == nil {
		spec, ok := ioCalls[fn.Pkg().Path()+"."+fn.Name()]
		return spec, ok
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		path := n.Obj().Pkg().Path()
		if spec, ok := ioCalls[path+"."+n.Obj().Name()+"."+fn.Name()]; ok {
			return spec, true
		}
		if path == "net" {
			// Every net type's reads and writes are socket I/O
			// (TCPConn.ReadFrom copies from a reader into the socket).
			switch name := fn.Name(); {
			case name == "ReadFrom" || name == "WriteTo":
				return ioBoth, true
			case strings.HasPrefix(name, "Write"):
				return ioOut, true
			case strings.HasPrefix(name, "Read"):
				return ioIn, true
			}
		}
	}
	if types.IsInterface(t) {
		if m, ok := ioInterfaceMethods[fn.Name()]; ok && signatureText(sig) == m.sig {
			return m.spec, true
		}
	}
	return ioSpec{}, false
}

// signatureText spells a signature's parameter and result types, without
// names or spaces: "([]byte)(int,error)".
func signatureText(sig *types.Signature) string {
	list := func(t *types.Tuple) string {
		var parts []string
		for i := range t.Len() {
			parts = append(parts, types.TypeString(t.At(i).Type(), (*types.Package).Path))
		}
		return "(" + strings.Join(parts, ",") + ")"
	}
	return list(sig.Params()) + list(sig.Results())
}

// ioCall wraps the callee of an I/O call in its helper. It runs before the
// callee is walked, so that a rewrite inside the callee nests inside.
func (w *funcWalker) ioCall(e *ast.CallExpr, fn *types.Func) {
	spec, ok := lookupIOCall(fn)
	if !ok || w.hashWrite(e) {
		return
	}
	sig, ok := w.info.TypeOf(e.Fun).Underlying().(*types.Signature)
	if !ok || sig.TypeParams().Len() > 0 {
		return
	}
	name, text := ioHelper(spec, sig)
	fs := w.fs
	fs.usesRT = true
	w.useHelper(name, text)
	fs.buf.insert(fs.off(e.Fun.Pos()), prioOpen, name+"(")
	fs.buf.insert(fs.off(e.Fun.End()), prioClose, ")")
}

// hashWrite reports whether e calls a method of a hash's interface
// (hash.Hash and the interfaces of hash/... and crypto/...: an io.Writer
// that is never a file or a connection), which gets no I/O edge.
func (w *funcWalker) hashWrite(e *ast.CallExpr) bool {
	sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	n, ok := types.Unalias(w.info.TypeOf(sel.X)).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || !types.IsInterface(n) {
		return false
	}
	path := n.Obj().Pkg().Path()
	return path == "hash" || strings.HasPrefix(path, "hash/") || path == "crypto" || strings.HasPrefix(path, "crypto/")
}

// ioHelper returns the helper for calls of spec's kind with sig's shape:
//
//	func __rt_io_out_1_2[P0, R0, R1 any](f func(P0) (R0, R1)) func(P0) (R0, R1) {
//		return func(p0 P0) (R0, R1) {
//			__rt.IOWrite()
//			r0, r1 := f(p0)
//			return r0, r1
//		}
//	}
func ioHelper(spec ioSpec, sig *types.Signature) (string, string) {
	kind := "inout"
	switch {
	case !spec.in:
		kind = "out"
	case !spec.out:
		kind = "in"
	}
	np, nr := sig.Params().Len(), sig.Results().Len()
	variadic := ""
	if sig.Variadic() {
		variadic = "v"
	}
	name := fmt.Sprintf("__rt_io_%s_%d%s_%d", kind, np, variadic, nr)
	var tparams, ptypes, params, args, rtypes, rnames []string
	for i := range np {
		p := fmt.Sprintf("P%d", i)
		tparams = append(tparams, p)
		if i == np-1 && sig.Variadic() {
			p = "..." + p
			args = append(args, fmt.Sprintf("p%d...", i))
		} else {
			args = append(args, fmt.Sprintf("p%d", i))
		}
		ptypes = append(ptypes, p)
		params = append(params, fmt.Sprintf("p%d %s", i, p))
	}
	for i := range nr {
		r := fmt.Sprintf("R%d", i)
		tparams = append(tparams, r)
		rtypes = append(rtypes, r)
		rnames = append(rnames, fmt.Sprintf("r%d", i))
	}
	res := ""
	switch nr {
	case 0:
	case 1:
		res = " " + rtypes[0]
	default:
		res = " (" + strings.Join(rtypes, ", ") + ")"
	}
	ftype := "func(" + strings.Join(ptypes, ", ") + ")" + res
	var b strings.Builder
	b.WriteString("func " + name)
	if len(tparams) > 0 {
		b.WriteString("[" + strings.Join(tparams, ", ") + " any]")
	}
	fmt.Fprintf(&b, "(f %s) %s {\n", ftype, ftype)
	fmt.Fprintf(&b, "\treturn func(%s)%s {\n", strings.Join(params, ", "), res)
	if spec.out {
		b.WriteString("\t\t__rt.IOWrite()\n")
	}
	call := "f(" + strings.Join(args, ", ") + ")"
	switch {
	case nr == 0:
		fmt.Fprintf(&b, "\t\t%s\n", call)
	case !spec.in:
		fmt.Fprintf(&b, "\t\treturn %s\n", call)
	default:
		fmt.Fprintf(&b, "\t\t%s := %s\n", strings.Join(rnames, ", "), call)
	}
	if spec.in {
		b.WriteString("\t\t__rt.IORead()\n")
		if nr > 0 {
			fmt.Fprintf(&b, "\t\treturn %s\n", strings.Join(rnames, ", "))
		}
	}
	b.WriteString("\t}\n}\n")
	return name, b.String()
}

// isHTTPHandler reports whether sig is func(http.ResponseWriter,
// *http.Request), the signature of an HTTP handler.
func isHTTPHandler(sig *types.Signature) bool {
	if sig == nil || sig.Params().Len() != 2 || sig.Results().Len() != 0 || sig.Variadic() {
		return false
	}
	p, ok := sig.Params().At(1).Type().(*types.Pointer)
	return ok && isNamed(sig.Params().At(0).Type(), "net/http", "ResponseWriter") && isNamed(p.Elem(), "net/http", "Request")
}

// httpHandlerPrologue is the start of an HTTP handler's body: the server
// read the request before, and writes the response after.
const httpHandlerPrologue = "__rt.IORead(); defer __rt.IOWrite()"
