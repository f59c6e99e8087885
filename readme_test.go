package siplocate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGoProgram checks that the program in README.md's "Use it from
// Go" section still compiles and passes go vet against the packages as
// they are.
func TestReadmeGoProgram(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := goBlockAfter(string(b), "## Use it from Go\n")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(file, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "go", "vet", file).CombinedOutput()
	if err != nil {
		t.Errorf("go vet README.md's program: %v\n%s", err, out)
	}
}

// goBlockAfter returns the first ```go block after heading in a Markdown
// text.
func goBlockAfter(md, heading string) (string, error) {
	_, rest, ok := strings.Cut(md, heading)
	if !ok {
		return "", fmt.Errorf("README.md: no heading %q", strings.TrimSpace(heading))
	}
	_, rest, ok = strings.Cut(rest, "```go\n")
	if !ok {
		return "", fmt.Errorf("README.md: no ```go block after %q", strings.TrimSpace(heading))
	}
	prog, _, ok := strings.Cut(rest, "```")
	if !ok {
		return "", fmt.Errorf("README.md: unterminated ```go block after %q", strings.TrimSpace(heading))
	}
	return prog, nil
}
