package reader

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
)

// The shared strings table, held compactly: the largest sheet Excel allows
// (1,048,576 rows, millions of distinct strings, a quarter of a gigabyte
// of XML) must be imported within the memory SPEC §8 allows.
//
// The strings' text lies end to end. Writers (Excel, LibreOffice,
// excelize) number the strings in the order the sheet first uses them, so
// the first strings are the values every few rows repeat (sexes, streets,
// common names) and later ones are mostly used once, near the row that
// introduces them. Hence: the first sstMemLimit bytes of text stay in
// memory; the rest goes to an unlinked temporary file, read back through a
// small direct-mapped cache of pages, where the rows that introduce new
// strings read them one page after another, and only a string repeated
// far down the sheet costs a read (from the operating system's page
// cache, which the process's memory does not count).
//
// Where each string begins is not stored: a string's length is one byte
// (255 or more: looked up in long), and where every sstGroup-th string
// begins is kept, so string i begins at its group's start plus the
// lengths of the strings before it in the group. That is about 1.25 bytes
// a string rather than 4 (or 8 for an []int).

var (
	// sstMemLimit is how much of the text is held in memory.
	sstMemLimit = 16 << 20
	// sstPageSize and sstCachePages size the cache of the spilled text:
	// with 4 KiB pages, a page read costs hardly more than a string's.
	sstPageSize   = 4 << 10
	sstCachePages = 1024
)

const (
	sstGroup    = 16
	sstChunk    = 256 << 10 // the in-memory text is held in chunks: it never moves
	sstLongLen  = 255       // a length byte of 255: the length is in long
	sstMaxBytes = 1<<32 - 1 // group starts are uint32
)

// sharedStrings is the shared strings table (see above).
type sharedStrings struct {
	tmpDir string
	n      int
	starts []uint32  // where strings 0, sstGroup, 2·sstGroup, … begin
	lens   []uint8   // each string's length, sstLongLen when it is in long
	long   []longLen // the lengths of sstLongLen bytes or more, by index
	size   int64     // bytes of text

	mem    [][]byte // the text in memory: bytes [0, memLen), in chunks of sstChunk
	memLen int64

	// The text past memLen: file offset = text offset − memLen.
	file  *os.File
	fw    *bufio.Writer
	pages pageCache
}

type longLen struct {
	i uint32
	n uint32
}

func newSharedStrings(tmpDir string) *sharedStrings {
	return &sharedStrings{tmpDir: tmpDir}
}

func (t *sharedStrings) len() int { return t.n }

// add appends the next string to the table.
func (t *sharedStrings) add(s []byte) error {
	if t.size+int64(len(s)) > sstMaxBytes {
		return errors.New("the shared strings hold more than 4 GiB of text")
	}
	if t.file == nil && t.size+int64(len(s)) > int64(sstMemLimit) {
		if err := t.spill(); err != nil {
			return err
		}
	}
	if t.file != nil {
		if _, err := t.fw.Write(s); err != nil {
			return fmt.Errorf("writing the shared strings to a temporary file: %w", err)
		}
	}
	if t.n%sstGroup == 0 {
		t.starts = append(t.starts, uint32(t.size))
	}
	if len(s) < sstLongLen {
		t.lens = append(t.lens, uint8(len(s)))
	} else {
		t.lens = append(t.lens, sstLongLen)
		t.long = append(t.long, longLen{uint32(t.n), uint32(len(s))})
	}
	t.n++
	t.size += int64(len(s))
	if t.file != nil {
		return nil
	}
	for len(s) > 0 {
		if len(t.mem) == 0 || len(t.mem[len(t.mem)-1]) == sstChunk {
			t.mem = append(t.mem, make([]byte, 0, sstChunk))
		}
		c := &t.mem[len(t.mem)-1]
		k := min(len(s), sstChunk-len(*c))
		*c = append(*c, s[:k]...)
		s = s[k:]
	}
	t.memLen = t.size
	return nil
}

// spill opens the temporary file that takes the text from now on.
func (t *sharedStrings) spill() error {
	f, err := os.CreateTemp(t.tmpDir, ".mipimport-sst-*")
	if err != nil {
		return fmt.Errorf("the shared strings need a temporary file: %w", err)
	}
	os.Remove(f.Name()) // unlinked: gone with the process, whatever happens
	t.file, t.fw = f, bufio.NewWriterSize(f, 64<<10)
	return nil
}

// finish ends the loading: the spilled text is written out, and the
// cache reads it from now on.
func (t *sharedStrings) finish() error {
	if t.file == nil {
		return nil
	}
	if err := t.fw.Flush(); err != nil {
		return fmt.Errorf("writing the shared strings to a temporary file: %w", err)
	}
	t.fw = nil
	t.pages = pageCache{f: t.file, size: t.size - t.memLen, page: int64(sstPageSize), slots: sstCachePages}
	return nil
}

// strLen is string i's length.
func (t *sharedStrings) strLen(i int) int64 {
	if n := t.lens[i]; n != sstLongLen {
		return int64(n)
	}
	k, _ := slices.BinarySearchFunc(t.long, uint32(i), func(l longLen, i uint32) int { return cmp.Compare(l.i, i) })
	return int64(t.long[k].n)
}

// appendString appends string i to dst.
func (t *sharedStrings) appendString(dst []byte, i int) ([]byte, error) {
	if i < 0 || i >= t.n {
		return dst, fmt.Errorf("a cell refers to shared string %d; the table holds %d", i, t.n)
	}
	off := int64(t.starts[i/sstGroup])
	for j := i &^ (sstGroup - 1); j < i; j++ {
		off += t.strLen(j)
	}
	n := t.strLen(i)
	if n == 0 {
		return dst, nil
	}
	if off < t.memLen {
		// A string is held whole in memory or whole in the file.
		for n > 0 {
			c := t.mem[off/sstChunk]
			o := off % sstChunk
			k := min(n, int64(len(c))-o)
			dst = append(dst, c[o:o+k]...)
			off, n = off+k, n-k
		}
		return dst, nil
	}
	dst, err := t.pages.appendAt(dst, off-t.memLen, n)
	if err != nil {
		return dst, fmt.Errorf("reading the shared strings back from their temporary file: %w", err)
	}
	return dst, nil
}

func (t *sharedStrings) Close() error {
	if t.file == nil {
		return nil
	}
	return t.file.Close()
}

// pageCache reads a file through a direct-mapped cache of pages: page p
// goes to slot p mod slots. Slots are allocated when first used.
type pageCache struct {
	f     *os.File
	size  int64 // the file's size
	page  int64
	slots int
	data  [][]byte // each slot's page, its bytes read
	held  []int64  // the page each slot holds
}

// appendAt appends the file's bytes [off, off+n) to dst.
func (c *pageCache) appendAt(dst []byte, off, n int64) ([]byte, error) {
	if off+n > c.size {
		return dst, fmt.Errorf("bytes %d to %d are past the end, %d", off, off+n, c.size)
	}
	if n >= c.page {
		// A string as long as a page would only push others out.
		from := len(dst)
		dst = append(dst, make([]byte, n)...)
		if _, err := c.f.ReadAt(dst[from:], off); err != nil {
			return dst[:from], err
		}
		return dst, nil
	}
	if c.data == nil {
		c.data, c.held = make([][]byte, c.slots), make([]int64, c.slots)
	}
	for n > 0 {
		p := off / c.page
		s := int(p % int64(c.slots))
		if c.data[s] == nil || c.held[s] != p {
			if err := c.load(s, p); err != nil {
				return dst, err
			}
		}
		o := off - p*c.page
		k := min(n, int64(len(c.data[s]))-o)
		dst = append(dst, c.data[s][o:o+k]...)
		off, n = off+k, n-k
	}
	return dst, nil
}

// load reads page p into slot s.
func (c *pageCache) load(s int, p int64) error {
	if c.data[s] == nil {
		c.data[s] = make([]byte, c.page)
	}
	buf := c.data[s][:min(c.page, c.size-p*c.page)]
	c.held[s] = -1
	if _, err := c.f.ReadAt(buf, p*c.page); err != nil {
		return err
	}
	c.data[s], c.held[s] = buf, p
	return nil
}
