package zonecheck

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Check parses the zone in r and reports what is wrong with its SIP
// records. file names the zone in findings and errors ("-" if empty), and
// $INCLUDE directives are read from the disk relative to its directory. origin is
// the zone's name, used for relative names before any $ORIGIN; it may be
// empty if the file sets $ORIGIN or uses only absolute names.
//
// A zone that cannot be read or parsed gives a *ParseError with the file
// and line; findings are only about zones that parse.
func Check(r io.Reader, file, origin string) (*Report, error) {
	if file == "" {
		file = "-"
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	dir := filepath.Dir(file)
	in := input{
		r:       r,
		name:    filepath.ToSlash(abs),
		display: file,
		origin:  origin,
		fsys:    os.DirFS("/"),
		incName: func(name string) string {
			real := filepath.FromSlash("/" + name)
			if rel, err := filepath.Rel(filepath.Dir(abs), real); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.Join(dir, rel)
			}
			return real
		},
	}
	return check(in)
}

// CheckFS is Check for the zone file name in fsys; $INCLUDE directives are
// read from fsys too, relative to name's directory.
func CheckFS(fsys fs.FS, name, origin string) (*Report, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	defer f.Close()
	in := input{
		r:       f,
		name:    path.Clean(name),
		display: name,
		origin:  origin,
		fsys:    fsys,
		incName: func(name string) string { return name },
	}
	return check(in)
}

// check parses the input and runs every rule over it.
func check(in input) (*Report, error) {
	recs, dirOrigin, err := parse(in)
	if err != nil {
		return nil, err
	}
	z := newZone(recs, in.origin, dirOrigin)
	var fs findings
	for _, rule := range rules {
		rule(z, &fs)
	}
	return &Report{Apex: z.apex, Records: len(recs), Findings: fs.sorted(in.display)}, nil
}

// rules are run in this order; the findings are sorted afterwards.
var rules = []func(*zone, *findings){
	checkSOA,
	checkOwners,
	checkCNAME,
	checkTTL,
	checkSRV,
	checkSRVSets,
	checkNAPTR,
}
