package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"--version"}, &out, &out)
	if code != 0 || !strings.HasPrefix(out.String(), "siplocate version ") || !strings.Contains(out.String(), "go1.") {
		t.Fatalf("--version: exit %d, %q", code, out.String())
	}
}

// TestDurationFlags checks one convention for every duration flag (issue
// 14): a bare number is refused with the same words in every subcommand,
// the registrar's expiry flags included.
func TestDurationFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "lookup", args: []string{"lookup", "--timeout", "2", "example.com"}},
		{name: "demo", args: []string{"demo", "--expires", "6"}},
		{name: "dns serve", args: []string{"dns", "serve", "--reload-interval", "2"}},
		{name: "registrar min-expires", args: []string{"registrar", "--no-auth", "--min-expires", "60"}},
		{name: "registrar tcp-idle-timeout", args: []string{"registrar", "--no-auth", "--tcp-idle-timeout", "120"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// bounded: on a flag that took the number, the command runs
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var out bytes.Buffer
			code := run(ctx, tc.args, &out, &out)
			if code != 2 || !strings.Contains(out.String(), "want a duration such as 60s or 5m") {
				t.Errorf("exit %d, %q; want 2 and 'want a duration such as 60s or 5m'", code, out.String())
			}
		})
	}
}
