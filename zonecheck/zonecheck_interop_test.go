package zonecheck

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/siplocate/siplocate/internal/testenv"
)

// TestInteropExampleZoneLoads checks that the guide's zone, which
// zonecheck finds clean, also loads in BIND's and NSD's own checkers.
func TestInteropExampleZoneLoads(t *testing.T) {
	testenv.RequireInterop(t)
	const file = "../docs/examples/example.com.zone"
	for _, tool := range []string{"named-checkzone", "nsd-checkzone"} {
		out, err := exec.Command(testenv.LookPath(t, tool), "example.com", file).CombinedOutput()
		if err != nil {
			t.Errorf("%s example.com %s: %v\n%s", tool, file, err, out)
		}
	}
}

// namedSRVRE matches named-checkzone's SRV integrity messages about
// in-zone targets.
var namedSRVRE = regexp.MustCompile(`SRV '([^']+)' (has no address records|is a CNAME)`)

// TestInteropAgreesWithNamedCheckzone checks that every SRV target BIND's
// integrity check rejects in a zone (an alias, or no address record) is an
// error for zonecheck too, on the same target.
func TestInteropAgreesWithNamedCheckzone(t *testing.T) {
	testenv.RequireInterop(t)
	const file = "testdata/broken.zone"
	out, _ := exec.Command(testenv.LookPath(t, "named-checkzone"), "-i", "full", "example.net", file).CombinedOutput()
	matches := namedSRVRE.FindAllStringSubmatch(string(out), -1)
	if len(matches) == 0 {
		t.Fatalf("named-checkzone reported no SRV problems in %s:\n%s", file, out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Check(f, file, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		check := map[bool]string{true: "srv-target-cname", false: "srv-target-no-address"}[strings.HasPrefix(m[2], "is a CNAME")]
		if !hasFinding(rep, check, m[1]) {
			t.Errorf("named-checkzone says SRV target %s %s; zonecheck has no %s about it", m[1], m[2], check)
		}
	}
}

// hasFinding reports whether rep has an error of the check naming target.
func hasFinding(rep *Report, check, target string) bool {
	for _, f := range rep.Findings {
		if f.Check == check && f.Severity == Error && strings.Contains(f.Message, target+".") {
			return true
		}
	}
	return false
}
