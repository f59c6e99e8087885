package zonefile

import (
	"errors"
	"strings"
	"testing"
)

// TestReadErrors holds inputs that do not read, the fuzzers' finds among
// them, as named cases.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		err  error // nil: any syntax error
	}{
		{name: "first record without owner (fuzz: dnsserver a23038bfb17ead10)", text: "$ORIGIN 0.\n$TTL 0\n SOA 0 0 0 0 0 0 0\n NS ", line: 3, err: ErrNoOwner},
		{name: "bad address", text: "$ORIGIN example.com.\n$TTL 60\n\nsip A 192.0.2.300\n", line: 4},
		{name: "include refused by Parse", text: "$ORIGIN example.com.\n$INCLUDE /etc/hosts\n", line: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.text), "z.zone", "")
			var e *Error
			if !errors.As(err, &e) || e.File != "z.zone" || e.Line != tt.line || e.Rule != RuleSyntax {
				t.Fatalf("error %v, want a syntax error at z.zone:%d", err, tt.line)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
		})
	}
}
