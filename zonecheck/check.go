package zonecheck

import (
	"io"
	"io/fs"

	"github.com/siplocate/siplocate/internal/zonefile"
)

// ParseError reports a zone that could not be read, does not parse, or
// breaks a rule of zones: FILE:LINE: reason. It is the error type
// dnsserver refuses a file with, so both say the same thing.
type ParseError = zonefile.Error

// Check parses the zone in r and reports what is wrong with it. file names
// the zone in findings and errors ("-" if empty), and $INCLUDE directives
// are read from the disk relative to its directory. origin is the zone's
// name, used for relative names before any $ORIGIN; it may be empty if the
// file sets $ORIGIN or uses only absolute names.
//
// A zone that cannot be read or parsed gives a *ParseError with the file
// and line; findings are only about zones that parse. Every reason
// `dns serve` has to refuse a zone that parses is an error finding here,
// at the same file and line and in the same words.
func Check(r io.Reader, file, origin string) (*Report, error) {
	f, err := zonefile.Read(r, file, origin)
	if err != nil {
		return nil, err
	}
	return CheckFile(f), nil
}

// CheckFS is Check for the zone file name in fsys; $INCLUDE directives are
// read from fsys too, relative to name's directory.
func CheckFS(fsys fs.FS, name, origin string) (*Report, error) {
	f, err := zonefile.ReadFS(fsys, name, origin)
	if err != nil {
		return nil, err
	}
	return CheckFile(f), nil
}

// CheckFile runs every rule over a zone file already read. dnsserver calls
// it on the files it loads; from outside this module use Check.
func CheckFile(f *zonefile.File) *Report {
	z := newZone(f)
	var fs findings
	for _, e := range f.Faults() {
		fs.addFault(e)
	}
	for _, rule := range rules {
		rule(z, &fs)
	}
	return &Report{Apex: z.apex, Records: len(f.Records), Findings: fs.sorted(f.Files[0])}
}

// rules are run in this order after the rules of zones (File.Faults); the
// findings are sorted afterwards.
var rules = []func(*zone, *findings){
	checkTTL,
	checkSRV,
	checkSRVSets,
	checkNAPTR,
}
