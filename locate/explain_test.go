package locate

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestLocateExplains checks issue 9 item 4: every choice is explained in
// the trace (Query.Notes), and with no targets the error names the cause.
func TestLocateExplains(t *testing.T) {
	tests := []struct {
		name      string
		zone      []string
		uri       string
		opts      Options
		fake      func(f *fakeResolver) // changes to the zone's answers
		wantNotes map[string][]string   // "TYPE name" of a query: substrings its notes must hold
		wantErr   error
		wantMsg   string // substring of the error
	}{
		{
			name: "all SRV targets without addresses",
			zone: []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `_sip._udp.example.com. 60 IN SRV 0 0 5060 b.example.com.`,
				`a.example.com. 60 IN TXT "x"`, `b.example.com. 60 IN TXT "x"`},
			uri:  "example.com",
			opts: Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantNotes: map[string][]string{"SRV _sip._udp.example.com.": {
				"dropped target a.example.com.", "dropped target b.example.com.", "no A records"}},
			wantErr: ErrNoRecords,
			wantMsg: "locate: all 2 SRV targets of _sip._udp.example.com. have no address records",
		},
		{
			name: "SRV target NXDOMAIN, looking like a missing trailing dot",
			zone: []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 sip1.example.com.example.com.`, `sip1.example.com. 60 IN A 192.0.2.1`},
			uri:  "example.com",
			opts: Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantNotes: map[string][]string{"SRV _sip._udp.example.com.": {
				"dropped target sip1.example.com.example.com.", "does not exist (NXDOMAIN)", "trailing dot", "sip1.example.com."}},
			wantErr: ErrNXDOMAIN,
			wantMsg: "the only SRV target of _sip._udp.example.com. does not exist",
		},
		{
			name:      `a "." target among others`,
			zone:      []string{`_sip._udp.example.com. 60 IN SRV 0 0 0 .`, `_sip._udp.example.com. 60 IN SRV 1 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.1`},
			uri:       "example.com",
			opts:      Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantNotes: map[string][]string{"SRV _sip._udp.example.com.": {`target "."`, "RFC 2782"}},
		},
		{
			name: "an SRV target that is an alias",
			zone: []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 alias.example.com.`},
			fake: func(f *fakeResolver) { // the answer of a resolver that followed the CNAME
				f.answers[qkey{"alias.example.com.", TypeA}] = &Answer{Name: "alias.example.com.",
					CNAMEs: []CNAME{{Name: "alias.example.com.", TTL: 60, Target: "a.example.com."}},
					Addrs:  []Addr{{Name: "a.example.com.", TTL: 60, IP: netip.MustParseAddr("192.0.2.1")}}, Expires: epoch.Add(time.Minute)}
			},
			uri:       "example.com",
			opts:      Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantNotes: map[string][]string{"A alias.example.com.": {"alias", "RFC 2782", "MUST NOT"}},
		},
		{
			name: "NAPTR led nowhere: the SRV step goes beyond the RFC",
			zone: []string{`example.com. 60 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 gone.example.com.`,
				`_sip._tcp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.1`},
			uri:       "example.com",
			opts:      Options{Family: IPv4Only},
			wantNotes: map[string][]string{"SRV _sip._tcp.example.com.": {"beyond RFC 3263"}},
		},
		{
			name: "NAPTR records the client cannot use, and fallbacks of a higher order",
			zone: []string{`example.com. 60 IN NAPTR 10 10 "S" "SIP+D2W" "" _sip._ws.example.com.`,
				`example.com. 60 IN NAPTR 20 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`example.com. 60 IN NAPTR 30 10 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `_sip._tcp.example.com. 60 IN SRV 0 0 5060 a.example.com.`,
				`a.example.com. 60 IN A 192.0.2.1`},
			uri:       "example.com",
			opts:      Options{Family: IPv4Only},
			wantNotes: map[string][]string{"NAPTR example.com.": {`skipped NAPTR 10 10 "S" "SIP+D2W"`, "order 30", "fallback"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.zone...)
			if tt.fake != nil {
				tt.fake(f)
			}
			res, err := newTestLocator(f).Locate(context.Background(), tt.uri, tt.opts)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), tt.wantMsg)) {
				t.Errorf("error %v: want it to say %q", err, tt.wantMsg)
			}
			for q, subs := range tt.wantNotes {
				var notes []string
				for _, got := range res.Queries {
					if got.Type+" "+got.Name == q {
						notes = got.Notes
					}
				}
				all := strings.Join(notes, "\n")
				for _, sub := range subs {
					if !strings.Contains(all, sub) {
						t.Errorf("notes of %s %q: want %q", q, notes, sub)
					}
				}
			}
		})
	}
}

func TestMissingTrailingDot(t *testing.T) {
	tests := []struct{ name, want string }{
		{"sip1.example.com.example.com.", "sip1.example.com."},
		{"_sip._udp.example.com.example.com.", "_sip._udp.example.com."},
		{"example.com.example.com.", "example.com."},
		{"sip1.example.com.", ""},
		{"a.b.a.b.", "a.b."},
		{"com.com.", ""}, // one label repeated: too common to hint
		{".", ""},
	}
	for _, tt := range tests {
		if got := missingTrailingDot(tt.name); got != tt.want {
			t.Errorf("missingTrailingDot(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
