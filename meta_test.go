// Package siplocate_test holds the repository's meta-tests: every package
// has a doc comment, and the client side does not depend on the lab side.
package siplocate_test

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocs checks that every package has a doc comment.
func TestPackageDocs(t *testing.T) {
	dirs := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		documented, name := false, ""
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ParseComments|parser.PackageClauseOnly)
			if err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			name = af.Name.Name
			if af.Doc != nil && (strings.HasPrefix(af.Doc.Text(), "Package "+name+" ") || name == "main" && strings.HasPrefix(af.Doc.Text(), "Command ")) {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s in %s has no doc comment", name, dir)
		}
	}
}

// TestDependencyDirection checks the house's dependency rule: the client
// side (dnsclient, locate, locatedns, failover, register) never imports the
// lab side (dnsserver, registrar), dnsclient, locate and failover never
// import sipgo, locate imports neither miekg/dns nor dnsclient, and
// register and dnsserver leave Prometheus to package metrics (issue 9).
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/siplocate/siplocate/"
	const prometheus = "github.com/prometheus/client_golang" // metrics at the edge: package metrics
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"dnsclient", []string{"github.com/emiago/sipgo", mod + "locate", mod + "dnsserver", mod + "registrar"}},
		// locate owns its seam (issue 9): its Resolver speaks locate's types,
		// and locatedns adapts dnsclient to it.
		{"locate", []string{"github.com/emiago/sipgo", "github.com/miekg/dns", mod + "dnsclient", mod + "dnsserver", mod + "registrar", mod + "register"}},
		{"locatedns", []string{"github.com/emiago/sipgo", mod + "dnsserver", mod + "registrar", mod + "register"}},
		{"failover", []string{"github.com/emiago/sipgo", mod + "dnsserver", mod + "registrar", mod + "register"}},
		{"register", []string{mod + "dnsserver", mod + "registrar", prometheus}},
		{"sipsend", []string{mod + "dnsserver", mod + "registrar", mod + "register", prometheus}},
		{"dnsserver", []string{"github.com/emiago/sipgo", mod + "locate", mod + "dnsclient", mod + "register", prometheus}},
		{"registrar", []string{mod + "locate", mod + "dnsclient", mod + "register", mod + "dnsserver"}},
	}
	for _, r := range rules {
		if _, err := os.Stat(r.pkg); err != nil {
			continue // not written yet
		}
		out, err := exec.Command("go", "list", "-deps", "./"+r.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s: %v", r.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s imports %s", r.pkg, dep)
				}
			}
		}
	}
}
