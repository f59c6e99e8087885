package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siplocate/siplocate/zonecheck"
)

// TestRunWritesCleanZone checks that the benchmark zone passes the SIP
// linter and that the query file asks only for names the zone has, in the
// announced mix.
func TestRunWritesCleanZone(t *testing.T) {
	dir := t.TempDir()
	zone, queries := filepath.Join(dir, "z.zone"), filepath.Join(dir, "q.txt")
	if err := run(50, "bench.test.", zone, queries); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(zone)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := zonecheck.Check(f, zone, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 || rep.Records != 3+50*10 {
		t.Errorf("zone: %d records, findings %v; want %d records, none", rep.Records, rep.Findings, 3+50*10)
	}
	q, err := os.ReadFile(queries)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(q)), "\n") {
		counts[strings.Fields(line)[1]]++
	}
	if counts["NAPTR"] != 50 || counts["SRV"] != 100 || counts["A"] != 100 || len(counts) != 3 {
		t.Errorf("query mix = %v, want NAPTR 50, SRV 100, A 100", counts)
	}
}

// TestRunIsDeterministic checks that two runs write the same files, so
// that every server in a run, and every run, gets the same queries.
func TestRunIsDeterministic(t *testing.T) {
	var out [2][]byte
	for i := range out {
		dir := t.TempDir()
		if err := run(20, "bench.test.", filepath.Join(dir, "z"), filepath.Join(dir, "q")); err != nil {
			t.Fatal(err)
		}
		out[i], _ = os.ReadFile(filepath.Join(dir, "q"))
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("query files differ between runs")
	}
}

func TestRunRejectsBadCount(t *testing.T) {
	dir := t.TempDir()
	if err := run(0, "bench.test.", filepath.Join(dir, "z"), filepath.Join(dir, "q")); err == nil {
		t.Error("run(0 domains) succeeded, want an error")
	}
}
