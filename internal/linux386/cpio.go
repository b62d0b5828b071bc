package linux386

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// File modes of the cpio "newc" format (the kernel's initramfs format).
const (
	modeDir  = 0o040000
	modeReg  = 0o100000
	modeChar = 0o020000
)

// cpioWriter writes a cpio archive in the "newc" (SVR4, no CRC) format that
// the Linux kernel unpacks as an initramfs. It creates the parent
// directories of every entry, since the kernel does not.
type cpioWriter struct {
	w    *bufio.Writer
	ino  uint32
	dirs map[string]bool
	err  error
}

func newCPIO(w io.Writer) *cpioWriter {
	return &cpioWriter{w: bufio.NewWriter(w), ino: 1, dirs: map[string]bool{"": true, ".": true, "/": true}}
}

// header writes one entry's header and name; the caller writes size bytes
// of data after it and then pad.
func (c *cpioWriter) header(name string, mode uint32, size int64, rdevMajor, rdevMinor uint32) {
	if c.err != nil {
		return
	}
	if size > 0xffffffff {
		c.err = fmt.Errorf("cpio: %s: %d bytes is too large for newc", name, size)
		return
	}
	nlink := uint32(1)
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize, check
	_, c.err = fmt.Fprintf(c.w, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\x00",
		c.ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevMajor, rdevMinor, len(name)+1, 0, name)
	c.ino++
	c.pad(110 + len(name) + 1)
}

func (c *cpioWriter) pad(n int) {
	if c.err != nil {
		return
	}
	if r := n % 4; r != 0 {
		_, c.err = c.w.Write(make([]byte, 4-r))
	}
}

// clean turns an absolute or relative slash path into the relative form
// the archive uses ("dev/console").
func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// Dir adds a directory and its parents.
func (c *cpioWriter) Dir(name string, perm uint32) {
	name = clean(name)
	if c.dirs[name] {
		return
	}
	c.Dir(path.Dir(name), 0o755)
	c.dirs[name] = true
	c.header(name, modeDir|perm&0o7777, 0, 0, 0)
}

// CharDev adds a character device node.
func (c *cpioWriter) CharDev(name string, perm, major, minor uint32) {
	name = clean(name)
	c.Dir(path.Dir(name), 0o755)
	c.header(name, modeChar|perm&0o7777, 0, major, minor)
}

// Bytes adds a regular file with the given contents.
func (c *cpioWriter) Bytes(name string, perm uint32, data []byte) {
	name = clean(name)
	c.Dir(path.Dir(name), 0o755)
	c.header(name, modeReg|perm&0o7777, int64(len(data)), 0, 0)
	if c.err == nil {
		_, c.err = c.w.Write(data)
	}
	c.pad(len(data))
}

// File adds the regular file src of the host as name, keeping its
// permission bits.
func (c *cpioWriter) File(name, src string) {
	if c.err != nil {
		return
	}
	f, err := os.Open(src)
	if err != nil {
		c.err = err
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		c.err = err
		return
	}
	if !fi.Mode().IsRegular() {
		c.err = fmt.Errorf("cpio: %s is not a regular file", src)
		return
	}
	name = clean(name)
	c.Dir(path.Dir(name), 0o755)
	c.header(name, modeReg|uint32(fi.Mode().Perm()), fi.Size(), 0, 0)
	if c.err != nil {
		return
	}
	n, err := io.Copy(c.w, f)
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("cpio: %s changed size while being archived", src)
	}
	c.err = err
	c.pad(int(n))
}

// Close writes the trailer and flushes. It returns the first error met.
func (c *cpioWriter) Close() error {
	c.ino = 0
	c.header("TRAILER!!!", 0, 0, 0, 0)
	if c.err == nil {
		c.err = c.w.Flush()
	}
	return c.err
}
