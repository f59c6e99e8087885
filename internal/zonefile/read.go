package zonecheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"

	"github.com/miekg/dns"
)

// maxRecords bounds the records read from one zone, $INCLUDEs and
// $GENERATEs included.
const maxRecords = 1 << 20

// record is a resource record and where it was written.
type record struct {
	rr   dns.RR
	file string
	line int
}

// ParseError reports a zone that could not be read or parsed, with the
// file and line as miekg/dns's parser found them.
type ParseError struct {
	File string
	Line int // 0 when the error has no line (the file could not be read)
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// input names what to parse: the main file's reader, the name the parser
// knows it by (its $INCLUDEs are resolved relative to it inside fsys) and
// the name findings show.
type input struct {
	r       io.Reader
	name    string
	display string
	origin  string
	fsys    fs.FS
	incName func(string) string // display name of an included file
}

// parse reads every record of the zone, following $INCLUDE. It also
// returns the main file's first absolute $ORIGIN, if any.
func parse(in input) ([]record, string, error) {
	var last *source
	main, err := newSource(in.r, in.display, &last)
	if err != nil {
		return nil, "", &ParseError{File: in.display, Err: err}
	}
	inc := &includeFS{fsys: in.fsys, display: in.incName, last: &last, opened: map[string]string{in.name: in.display}}
	zp := dns.NewZoneParser(main, in.origin, in.name)
	zp.SetIncludeAllowed(in.fsys != nil)
	if in.fsys != nil {
		zp.SetIncludeFS(inc)
	}
	var recs []record
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if len(recs) == maxRecords {
			return nil, "", &ParseError{File: in.display, Err: fmt.Errorf("more than %d records", maxRecords)}
		}
		recs = append(recs, record{rr: rr, file: last.name, line: last.recordLine()})
	}
	if err := zp.Err(); err != nil {
		return nil, "", parseError(err, in.display, inc.opened)
	}
	return recs, firstOrigin(main.text), nil
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

// parseError turns a ZoneParser error into a *ParseError with the file's
// display name and the line. Other errors are returned wrapped as they are.
func parseError(err error, file string, names map[string]string) error {
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return &ParseError{File: file, Err: err}
	}
	m := parseErrorRE.FindStringSubmatch(pe.Error())
	if m == nil {
		return &ParseError{File: file, Err: err}
	}
	if n, ok := names[m[1]]; ok {
		file = n
	}
	line, _ := strconv.Atoi(m[3])
	return &ParseError{File: file, Line: line, Err: errors.New(m[2])}
}
