package zonecheck_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/internal/zonefile"
)

// peerCheckers are NSD's and BIND's own zone checkers: the programs that
// load a zone the way those servers do, as secondaries of ours would.
var peerCheckers = []string{"nsd-checkzone", "named-checkzone"}

// TestInteropServeRefusesWhatPeersRefuse runs NSD's and BIND's checkers
// beside dnsserver over every zone file in testdata: a file both refuse,
// dns serve refuses too, so that a zone we serve and transfer loads on
// either. Files we refuse and one of them loads are logged: NSD refuses
// data outside the zone that BIND ignores, and loads a zone without NS
// records that BIND refuses.
func TestInteropServeRefusesWhatPeersRefuse(t *testing.T) {
	testenv.RequireInterop(t)
	paths := map[string]string{}
	for _, tool := range peerCheckers {
		paths[tool] = testenv.LookPath(t, tool)
	}
	for _, path := range zoneFiles(t) {
		t.Run(path, func(t *testing.T) {
			_, err := dnsserver.LoadZone(path, "")
			var refusedBy []string
			for _, tool := range peerCheckers {
				if out, perr := runChecker(t, paths[tool], zoneName(path), path); perr != nil {
					refusedBy = append(refusedBy, tool)
					t.Logf("%s refuses %s: %v\n%s", tool, path, perr, out)
				}
			}
			switch {
			case len(refusedBy) == len(peerCheckers) && err == nil:
				t.Errorf("%s refuse %s, dns serve loads it", strings.Join(refusedBy, " and "), path)
			case len(refusedBy) < len(peerCheckers) && err != nil:
				t.Logf("dns serve refuses %s (%v); only %d of %d peers do", path, err, len(refusedBy), len(peerCheckers))
			}
		})
	}
}

// zoneName returns the zone the peers are told the file holds: the apex
// we find in it, or example.com when it does not read.
func zoneName(path string) string {
	f, err := zonefile.ReadFile(path, "")
	if err != nil || f.Apex == "." {
		return "example.com"
	}
	return strings.TrimSuffix(f.Apex, ".")
}

// runChecker runs tool ZONE FILE in the file's directory, where its
// $INCLUDE paths are relative to, and returns the output and the exit.
func runChecker(t *testing.T, tool, zone, path string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, zone, filepath.Base(path))
	cmd.Dir = filepath.Dir(path)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
