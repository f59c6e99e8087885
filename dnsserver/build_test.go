package dnsserver

import (
	"os"
	"os/exec"
	"testing"
)

// TestBuildsElsewhere builds the package for the systems Go users have
// besides Linux: the UDP socket options that only Linux has stay behind
// build tags (udp_linux.go), the others take the portable path.
// scripts/test builds the whole module the same way.
func TestBuildsElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("cross builds: not with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, goos := range []string{"darwin", "freebsd", "windows"} {
		t.Run(goos, func(t *testing.T) {
			cmd := exec.Command(gobin, "build", "-o", os.DevNull, ".")
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s go build: %v\n%s", goos, err, out)
			}
		})
	}
}
