package kamailiotest

import (
	"strings"
	"testing"
)

func TestParseStatusLine(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{name: "200", in: "SIP/2.0 200 OK\r\n", want: 200},
		{name: "no reason phrase", in: "SIP/2.0 423\r\n", want: 423},
		{name: "request line", in: "OPTIONS sip:a SIP/2.0\r\n", wantErr: true},
		{name: "other version", in: "SIP/3.0 200 OK\r\n", wantErr: true},
		{name: "code too low", in: "SIP/2.0 099 x\r\n", wantErr: true},
		{name: "code not a number", in: "SIP/2.0 2x0 OK\r\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatusLine(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatusLine error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatusLine = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOptionsRequest(t *testing.T) {
	req := string(optionsRequest("udp", "127.0.0.1:4000", "127.0.0.13:5060"))
	for _, want := range []string{
		"OPTIONS sip:127.0.0.13:5060 SIP/2.0\r\n",
		"Via: SIP/2.0/UDP 127.0.0.1:4000;branch=z9hG4bK",
		"CSeq: 1 OPTIONS\r\n",
	} {
		if !strings.Contains(req, want) {
			t.Errorf("request lacks %q:\n%s", want, req)
		}
	}
	if !strings.HasSuffix(req, "\r\n\r\n") {
		t.Errorf("request does not end with an empty line:\n%q", req)
	}
}

func FuzzParseStatusLine(f *testing.F) {
	f.Add("SIP/2.0 200 OK\r\n")
	f.Add("SIP/2.0 423 Interval Too Brief\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		code, err := parseStatusLine(in)
		if err == nil && (code < 100 || code > 699) {
			t.Errorf("parseStatusLine(%q) = %d", in, code)
		}
	})
}
