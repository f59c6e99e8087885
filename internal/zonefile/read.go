package zonefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// ErrNoOwner is a first record that starts with a blank: it has no previous
// record to take its owner from (RFC 1035 §5.1). BIND refuses the file.
var ErrNoOwner = errors.New("no owner name: the first record starts with a blank, and there is no previous owner (RFC 1035 §5.1)")

// maxRecords bounds the records read from one zone, $INCLUDEs and
// $GENERATEs included.
const maxRecords = 1 << 20

// ReadFile reads the zone file at path; $INCLUDE paths are relative to its
// directory.
func ReadFile(path, origin string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &File{Files: []string{path}}, &Error{File: path, Err: err}
	}
	defer f.Close()
	return Read(f, path, origin)
}

// Read reads the zone text in r. name names it in records and errors, and
// $INCLUDE directives are read from the disk relative to name's directory.
// An included file is named by its path relative to name's directory
// joined to that directory, or by its absolute path when it lies outside.
func Read(r io.Reader, name, origin string) (*File, error) {
	if name == "" {
		name = "-"
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	dir := filepath.Dir(name)
	return read(input{
		r: r, name: filepath.ToSlash(abs), display: name, origin: origin, fsys: os.DirFS("/"),
		incName: func(inc string) string {
			real := filepath.FromSlash("/" + inc)
			if rel, err := filepath.Rel(filepath.Dir(abs), real); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.Join(dir, rel)
			}
			return real
		},
	})
}

// ReadFS reads the zone file name in fsys; $INCLUDE directives are read
// from fsys too, relative to name's directory.
func ReadFS(fsys fs.FS, name, origin string) (*File, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return &File{Files: []string{name}}, &Error{File: name, Err: err}
	}
	defer f.Close()
	return read(input{
		r: f, name: path.Clean(name), display: name, origin: origin, fsys: fsys,
		incName: func(inc string) string { return inc },
	})
}

// Parse reads zone text that does not come from a file: as Read, but
// $INCLUDE is refused.
func Parse(r io.Reader, name, origin string) (*File, error) {
	return read(input{r: r, name: name, display: name, origin: origin})
}

// input names what to read: the main file's reader, the name the parser
// knows it by (its $INCLUDEs are resolved relative to it inside fsys) and
// the name records and errors show.
type input struct {
	r       io.Reader
	name    string
	display string
	origin  string
	fsys    fs.FS               // nil: $INCLUDE refused
	incName func(string) string // display name of an included file
}

// read parses every record of the zone, following $INCLUDE.
func read(in input) (*File, error) {
	var last *source
	f := &File{Files: []string{in.display}}
	main, err := newSource(in.r, in.display, &last)
	if err != nil {
		return f, &Error{File: in.display, Err: err}
	}
	inc := &includeFS{fsys: in.fsys, display: in.incName, last: &last, opened: map[string]string{in.name: in.display}, files: &f.Files}
	zp := dns.NewZoneParser(main, in.origin, in.name)
	zp.SetIncludeAllowed(in.fsys != nil)
	if in.fsys != nil {
		zp.SetIncludeFS(inc)
	}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if len(f.Records) == maxRecords {
			return f, &Error{File: in.display, Err: fmt.Errorf("more than %d records", maxRecords)}
		}
		rec := Record{RR: rr, File: last.name, Line: last.recordLine()}
		if rr.Header().Name == "" { // miekg's parser lets a first record go without
			return f, &Error{File: rec.File, Line: rec.Line, Rule: RuleSyntax, Err: ErrNoOwner}
		}
		f.Records = append(f.Records, rec)
	}
	if err := zp.Err(); err != nil {
		return f, syntaxError(err, in.display, inc.opened)
	}
	f.Apex = findApex(f.Records, in.origin, firstOrigin(main.text))
	return f, nil
}

// firstOrigin returns the name of the first $ORIGIN directive in text when
// it is absolute, else "".
func firstOrigin(text []byte) string {
	for line := range bytes.Lines(text) {
		f := bytes.Fields(line)
		if len(f) >= 2 && bytes.EqualFold(f[0], []byte("$ORIGIN")) && bytes.HasSuffix(f[1], []byte(".")) {
			if _, ok := dns.IsDomainName(string(f[1])); ok {
				return string(f[1])
			}
		}
	}
	return ""
}

// parseErrorRE takes miekg/dns's ParseError text apart: it does not export
// the file, line and reason, only this message.
var parseErrorRE = regexp.MustCompile(`(?s)^(?:(.*?): )?dns: (.*) at line: (\d+):\d+$`)

// syntaxError turns a ZoneParser error into an *Error with the file's
// display name, the line and miekg's reason. Other errors are returned
// wrapped as they are.
func syntaxError(err error, file string, names map[string]string) error {
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: file, Rule: RuleSyntax, Err: err}
	}
	m := parseErrorRE.FindStringSubmatch(pe.Error())
	if m == nil {
		return &Error{File: file, Rule: RuleSyntax, Err: err}
	}
	if n, ok := names[m[1]]; ok {
		file = n
	}
	line, _ := strconv.Atoi(m[3])
	return &Error{File: file, Line: line, Rule: RuleSyntax, Err: &parseError{reason: m[2], pe: pe}}
}

// parseError is miekg's *dns.ParseError told in the words of its reason
// alone: the file and line are the Error's.
type parseError struct {
	reason string
	pe     *dns.ParseError
}

func (e *parseError) Error() string { return e.reason }
func (e *parseError) Unwrap() error { return e.pe }
