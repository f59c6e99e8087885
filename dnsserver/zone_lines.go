package dnsserver

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// position tells where the zone parser was when it returned a record: the
// file and the line of the last byte that was not a line break or blank.
// miekg's ZoneParser does not report lines for records it accepts, so the
// checks run after parsing take them from here.
type position struct {
	file string
	line int
}

// lineReader counts lines as the zone parser reads bytes from it. It is an
// io.ByteReader, so the parser reads it directly, byte by byte, and the
// count matches the parser's own.
type lineReader struct {
	name  string
	br    *bufio.Reader
	c     io.Closer
	lines int // line breaks read so far
	pos   *position
}

func newLineReader(name string, r io.Reader, pos *position) *lineReader {
	lr := &lineReader{name: name, br: bufio.NewReader(r), pos: pos}
	if c, ok := r.(io.Closer); ok {
		lr.c = c
	}
	return lr
}

// ReadByte reads one byte and moves the shared position past it.
func (r *lineReader) ReadByte() (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return b, err
	}
	switch b {
	case '\n':
		r.lines++
	case ' ', '\t', '\r':
	default:
		r.pos.file, r.pos.line = r.name, r.lines+1
	}
	return b, nil
}

func (r *lineReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

// includeFS opens the files named by $INCLUDE (absolute once miekg has
// joined them to the including file's directory) through lineReaders, so
// records in included files get their own file and line.
type includeFS struct {
	pos   *position
	files *[]string // every file opened, for change detection
}

// Open implements fs.FS. miekg strips the leading slash from absolute paths.
func (f includeFS) Open(name string) (fs.File, error) {
	path := filepath.FromSlash("/" + name)
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	*f.files = append(*f.files, path)
	return &includeFile{File: file, lr: newLineReader(path, file, f.pos)}, nil
}

// includeFile is an fs.File whose reads go through a lineReader.
type includeFile struct {
	*os.File
	lr *lineReader
}

func (f *includeFile) Read(p []byte) (int, error) { return f.lr.Read(p) }
func (f *includeFile) ReadByte() (byte, error)    { return f.lr.ReadByte() }
