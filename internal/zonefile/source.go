package zonefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// maxFileSize bounds how much of one zone file is read, so that an
// $INCLUDE of a device or a huge file fails instead of exhausting memory.
const maxFileSize = 64 << 20

// source is one zone file being read. It hands the parser one byte at a
// time (it is an io.ByteReader, so miekg/dns's lexer does not buffer it),
// which keeps off exactly where the lexer is. After the parser returns a
// record, the record's text lies between mark and off.
type source struct {
	name string // the file's name as shown to the user
	text []byte
	off  int // bytes handed to the parser
	mark int // off when the previous record from this file was returned
	next int // line number at mark
	line int // line of the previous record from this file
	last **source
}

// newSource reads r whole (at most maxFileSize bytes).
func newSource(r io.Reader, name string, last **source) (*source, error) {
	text, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(text) > maxFileSize {
		return nil, fmt.Errorf("read %s: larger than %d MiB", name, maxFileSize>>20)
	}
	return &source{name: name, text: text, last: last}, nil
}

// ReadByte implements io.ByteReader and records that s was read last.
func (s *source) ReadByte() (byte, error) {
	*s.last = s
	if s.off >= len(s.text) {
		return 0, io.EOF
	}
	c := s.text[s.off]
	s.off++
	return c, nil
}

// Read implements io.Reader one byte at a time, for the same reason.
func (s *source) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := s.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	return 1, nil
}

// Close implements fs.File.
func (s *source) Close() error { return nil }

// Stat implements fs.File.
func (s *source) Stat() (fs.FileInfo, error) { return sourceInfo{s}, nil }

// recordLine returns the line on which the record the parser just returned
// starts, and moves the mark past it. The record is on the first line
// after the mark that is not blank, a comment or a directive ($ORIGIN,
// $TTL, $INCLUDE). A record made by $GENERATE gets the directive's line;
// those after the first consume no text and keep it.
func (s *source) recordLine() int {
	text := s.text[s.mark:s.off]
	if s.next == 0 {
		s.next = 1
	}
	line := s.next
	s.mark, s.next = s.off, s.next+bytes.Count(text, []byte("\n"))
	generate := 0
	for rest := text; len(rest) > 0; line++ {
		l, next, _ := bytes.Cut(rest, []byte("\n"))
		rest = next
		if isRecordLine(l) {
			s.line = line
			return line
		}
		if isGenerate(l) {
			generate = line
		}
	}
	if generate != 0 {
		s.line = generate
	}
	if s.line == 0 { // not reached for text the parser accepted
		s.line = max(1, line-1)
	}
	return s.line
}

// isGenerate reports whether a line of zone text is a $GENERATE directive.
func isGenerate(l []byte) bool {
	t := bytes.TrimLeft(l, " \t")
	return len(t) >= 9 && bytes.EqualFold(t[:9], []byte("$GENERATE"))
}

// isRecordLine reports whether a line of zone text holds (the start of) a
// resource record rather than nothing, a comment or a directive.
func isRecordLine(l []byte) bool {
	t := bytes.TrimLeft(l, " \t\r")
	return len(t) > 0 && t[0] != ';' && t[0] != '$'
}

// sourceInfo is the fs.FileInfo of a source.
type sourceInfo struct{ s *source }

func (i sourceInfo) Name() string       { return i.s.name }
func (i sourceInfo) Size() int64        { return int64(len(i.s.text)) }
func (i sourceInfo) Mode() fs.FileMode  { return 0o444 }
func (i sourceInfo) ModTime() time.Time { return time.Time{} }
func (i sourceInfo) IsDir() bool        { return false }
func (i sourceInfo) Sys() any           { return nil }

// includeFS opens $INCLUDE files from fsys as sources, giving each the
// name display(path) in records and errors.
type includeFS struct {
	fsys    fs.FS
	display func(name string) string
	last    **source
	opened  map[string]string // parser's file name -> display name
	files   *[]string         // display names of the files read, in order
}

// Open implements fs.FS. Only regular files are read.
func (f *includeFS) Open(name string) (fs.File, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	s, err := newSource(file, f.display(name), f.last)
	if err != nil {
		return nil, err
	}
	f.opened[name] = s.name
	*f.files = append(*f.files, s.name)
	return s, nil
}
