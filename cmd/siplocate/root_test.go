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

// TestSameFlagNames checks that the same thing has the same flag in every
// subcommand (issue 14): each command below parses its flags (the bad
// value it is given last is what it refuses), and the spellings that were
// documented before still work, with a warning.
func TestSameFlagNames(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in the output
	}{
		{name: "lookup --dns-mode", args: []string{"lookup", "--dns-mode", "static", "--primary-ip", "192.0.2.13", "--dns-timeout", "1s", "example.com"}, want: "192.0.2.13"},
		{name: "lookup --dns-mode bad", args: []string{"lookup", "--dns-mode", "bogus", "example.com"}, wantCode: 2, want: `--dns-mode "bogus"`},
		{name: "lookup --mode", args: []string{"lookup", "--mode", "static", "--primary-ip", "192.0.2.13", "example.com"}, want: "warning: --mode is deprecated; use --dns-mode"},
		{name: "lookup --timeout", args: []string{"lookup", "--timeout", "1s", "--dns-mode", "static", "--primary-ip", "192.0.2.13", "example.com"}, want: "warning: --timeout is deprecated; use --dns-timeout"},
		{name: "lookup --mode and --dns-mode", args: []string{"lookup", "--mode", "srv", "--dns-mode", "a", "example.com"}, wantCode: 2, want: "--mode and --dns-mode are the same flag"},
		{name: "options --dns-timeout", args: []string{"options", "--dns-timeout", "1s", "--count", "0", "example.com"}, wantCode: 2, want: "--count 0"},
		{name: "options --timeout", args: []string{"options", "--timeout", "1s", "--count", "0", "example.com"}, wantCode: 2, want: "warning: --timeout is deprecated; use --dns-timeout"},
		{name: "doctor --dns-timeout", args: []string{"doctor", "--dns-timeout", "1s", "--transport", "sctp", "example.com"}, wantCode: 2, want: `--transport "sctp"`},
		{name: "demo --primary-ip --backup-ip", args: []string{"demo", "--primary-ip", "127.0.18.13", "--backup-ip", "127.0.18.12", "--dns-timeout", "1s", "--dns-mode", "bogus"}, wantCode: 2, want: `--dns-mode "bogus"`},
		{name: "demo --primary", args: []string{"demo", "--primary", "127.0.18.13", "--dns-mode", "bogus"}, wantCode: 2, want: "warning: --primary is deprecated; use --primary-ip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			code := run(ctx, tc.args, &out, &out)
			if code != tc.wantCode || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, out.String(), tc.wantCode, tc.want)
			}
		})
	}
}
