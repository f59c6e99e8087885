package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/zonecheck"
)

// dnsCheckFlags are the flags of `siplocate dns check`.
type dnsCheckFlags struct {
	origin string
	json   bool
}

func newDNSCheckCmd(g *globals) *cobra.Command {
	f := &dnsCheckFlags{}
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Lint the SIP records (NAPTR, SRV, A/AAAA) of a zone file",
		Long: `Check a zone file for the mistakes people make in SIP records, each reported
with its file and line, sorted by line:

  SRV target that is a CNAME or has no A/AAAA record in the zone (RFC 2782),
  target "." next to other SRV records, weight 0 mixed with non-zero weights
  at one priority; NAPTR whose replacement has no SRV (flag S), no A/AAAA
  (flag A) or no NAPTR (no flag), with both a regexp and a replacement, an
  unknown flag (RFC 3403, RFC 3404) or an unknown SIP service (RFC 3263); a
  SIPS service that does not lead to TLS; TTLs of SIP records below 30 s or
  above one day; targets and replacements outside the zone (warnings).

Every reason 'dns serve' refuses a file is an error here, at the same line
and in the same words: not exactly one SOA at the apex, no NS at the apex,
a class other than IN, a record outside the zone, a CNAME beside other
data. A file with no errors here always loads in 'dns serve'.

$INCLUDE files are read relative to FILE. --origin names the zone when FILE
uses relative names without $ORIGIN. --json prints one object (version 1).

Exit status: 0 when there are no errors (warnings allowed), 1 when there
are errors, 2 when FILE cannot be read or parsed (FILE:LINE: reason).`,
		Example: `  siplocate dns check docs/examples/example.com.zone
  siplocate dns check --origin example.com db.example.com
  siplocate dns check --json example.com.zone`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return f.run(g, args[0])
		},
	}
	cmd.Flags().StringVar(&f.origin, "origin", "", "zone name for relative names before any $ORIGIN")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the report as JSON")
	return cmd
}

// run checks one file and prints its report.
func (f *dnsCheckFlags) run(g *globals, file string) error {
	rep, err := checkZoneFile(file, f.origin)
	if err != nil {
		return &exitError{code: exitBadUsage, err: err}
	}
	if f.json {
		err = writeCheckJSON(g.stdout, file, rep)
	} else {
		err = writeCheckText(g.stdout, file, rep)
	}
	if err != nil {
		return failure(err)
	}
	if n := rep.Count(zonecheck.Error); n > 0 {
		return failure(fmt.Errorf("dns check %s: %s", file, countNoun(n, "error")))
	}
	return nil
}

// checkZoneFile opens and checks file; errors carry the file and line.
func checkZoneFile(file, origin string) (*zonecheck.Report, error) {
	fh, err := os.Open(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &zonecheck.ParseError{File: file, Err: pe.Err}
		}
		return nil, err
	}
	defer fh.Close()
	return zonecheck.Check(fh, file, origin)
}

// writeCheckText prints one line per finding, then a summary.
func writeCheckText(w io.Writer, file string, rep *zonecheck.Report) error {
	for _, fd := range rep.Findings {
		if _, err := fmt.Fprintln(w, fd); err != nil {
			return err
		}
	}
	e, wn := rep.Count(zonecheck.Error), rep.Count(zonecheck.Warning)
	summary := "no problems"
	if e+wn > 0 {
		summary = countNoun(e, "error") + ", " + countNoun(wn, "warning")
	}
	_, err := fmt.Fprintf(w, "%s: %s in %s (zone %s)\n", file, summary, countNoun(rep.Records, "record"), rep.Apex)
	return err
}

// dnsCheckJSONv1 is the stable shape of `dns check --json`.
type dnsCheckJSONv1 struct {
	Version  int                 `json:"version"`
	File     string              `json:"file"`
	Zone     string              `json:"zone"`
	Records  int                 `json:"records"`
	Errors   int                 `json:"errors"`
	Warnings int                 `json:"warnings"`
	Findings []dnsCheckFindingV1 `json:"findings"`
}

// dnsCheckFindingV1 is one finding in dnsCheckJSONv1.
type dnsCheckFindingV1 struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Message  string `json:"message"`
}

// writeCheckJSON prints the report as one dnsCheckJSONv1 object.
func writeCheckJSON(w io.Writer, file string, rep *zonecheck.Report) error {
	out := dnsCheckJSONv1{
		Version: 1, File: file, Zone: rep.Apex, Records: rep.Records,
		Errors: rep.Count(zonecheck.Error), Warnings: rep.Count(zonecheck.Warning),
		Findings: []dnsCheckFindingV1{},
	}
	for _, fd := range rep.Findings {
		out.Findings = append(out.Findings, dnsCheckFindingV1{
			File: fd.File, Line: fd.Line, Severity: fd.Severity.String(), Check: fd.Check,
			Name: fd.Name, Type: fd.Type, Message: fd.Message,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// countNoun returns "1 error", "2 errors".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
