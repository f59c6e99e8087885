package locate

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestLocateSkipsUnderNXDOMAIN checks that questions about a name found
// not to exist, or about names under it, are not asked (RFC 2308 §5, RFC
// 8020 §2), that the trace still lists them with the reason, and that
// only an NXDOMAIN for the name itself counts (RFC 6604: after a CNAME
// the rcode speaks of the chain's last name).
func TestLocateSkipsUnderNXDOMAIN(t *testing.T) {
	srvZone := []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.3`}
	cnameToNowhere := &Answer{Name: "example.com.", NXDOMAIN: true,
		CNAMEs:  []CNAME{{Name: "example.com.", TTL: 60, Target: "gone.example.net."}},
		Expires: epoch.Add(60e9), Server: "192.0.2.53:53"}
	tests := []struct {
		name         string
		zone         []string
		answers      map[qkey]*Answer
		uri          string
		opts         Options
		wantAsked    []string // sorted
		wantInferred []string // "TYPE name <- absent name" of the trace's queries not asked
		wantTargets  int
		wantErr      error
		wantStep     string
	}{
		{
			name: "NAPTR NXDOMAIN: no SRV, no A/AAAA",
			uri:  "sip:nowhere.example", wantAsked: []string{"NAPTR nowhere.example."},
			wantInferred: []string{"SRV _sip._udp.nowhere.example. <- nowhere.example.", "SRV _sip._tcp.nowhere.example. <- nowhere.example.",
				"A nowhere.example. <- nowhere.example.", "AAAA nowhere.example. <- nowhere.example."},
			wantErr: ErrNXDOMAIN, wantStep: "NAPTR",
		},
		{
			name:    "NAPTR NXDOMAIN at the end of a CNAME: the domain exists, SRV is asked",
			zone:    srvZone,
			answers: map[qkey]*Answer{{"example.com.", TypeNAPTR}: cnameToNowhere},
			uri:     "example.com", opts: Options{Family: IPv4Only, Transports: []Transport{UDP}},
			wantAsked:   []string{"A a.example.com.", "NAPTR example.com.", "SRV _sip._udp.example.com."},
			wantTargets: 1,
		},
		{
			name: "empty non-terminal: NODATA, SRV is asked",
			zone: srvZone, uri: "example.com", opts: Options{Family: IPv4Only, Transports: []Transport{UDP}},
			wantAsked:   []string{"A a.example.com.", "NAPTR example.com.", "SRV _sip._udp.example.com."},
			wantTargets: 1,
		},
		{
			name: "SRV NXDOMAIN says nothing about the domain: A is asked",
			zone: []string{`example.com. 60 IN A 192.0.2.7`}, uri: "example.com",
			opts:      Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantAsked: []string{"A example.com.", "SRV _sip._udp.example.com."}, wantTargets: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.zone...)
			for k, a := range tt.answers {
				f.answers[k] = a
			}
			res, err := newTestLocator(f).Locate(context.Background(), tt.uri, tt.opts)
			var le *Error
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) || err != nil && (!errors.As(err, &le) || le.Step != tt.wantStep) {
				t.Fatalf("Locate error = %v, want %v at step %s", err, tt.wantErr, tt.wantStep)
			}
			if got := f.askedSorted(); !slices.Equal(got, tt.wantAsked) {
				t.Errorf("asked:\n got %q\nwant %q", got, tt.wantAsked)
			}
			var inferred []string
			for _, q := range res.Queries {
				if q.Inferred != "" {
					inferred = append(inferred, q.Type+" "+q.Name+" <- "+q.Inferred)
					if q.Rcode != "NXDOMAIN" || q.Server != "" || q.RTT != 0 || q.TTL != 60e9 {
						t.Errorf("inferred query %+v: want NXDOMAIN, no server, no RTT, the NXDOMAIN's TTL", q)
					}
				}
			}
			if !slices.Equal(inferred, tt.wantInferred) {
				t.Errorf("inferred:\n got %q\nwant %q", inferred, tt.wantInferred)
			}
			if len(res.Targets) != tt.wantTargets {
				t.Errorf("%d targets, want %d", len(res.Targets), tt.wantTargets)
			}
		})
	}
}
