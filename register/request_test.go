package register

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// parseResponse parses a response written with \n line ends.
func parseResponse(t testing.TB, text string) *sip.Response {
	t.Helper()
	msg, err := sip.NewParser().ParseSIP([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return msg.(*sip.Response)
}

const head = "SIP/2.0 %s\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=1\nTo: <sip:a@x>\nCall-ID: c\nCSeq: 1 REGISTER\n"

func TestGrantedExpiry(t *testing.T) {
	mine := sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1", Port: 5555}
	tests := []struct {
		name    string
		headers string
		want    time.Duration
	}{
		{name: "our contact's expires", headers: "Contact: <sip:bob@10.0.0.1>;expires=30, <sip:alice@127.0.0.1:5555>;expires=120\nExpires: 60\n", want: 120 * time.Second},
		{name: "Expires header", headers: "Contact: <sip:bob@10.0.0.1>;expires=30\nExpires: 60\n", want: 60 * time.Second},
		{name: "nothing: what we asked", headers: "", want: time.Hour},
		{name: "bad expires param", headers: "Contact: <sip:alice@127.0.0.1:5555>;expires=soon\n", want: time.Hour},
		{name: "longer than asked: asked (RFC 3261 §10.3 step 7)", headers: "Contact: <sip:alice@127.0.0.1:5555>;expires=7200\n", want: time.Hour},
		{name: "Expires header longer than asked", headers: "Expires: 4294967295\n", want: time.Hour},
		{name: "Expires header overflowing 32 bits", headers: "Expires: 99999999999\n", want: time.Hour},
	}
	for _, tc := range tests {
		res := parseResponse(t, strings.Replace(head, "%s", "200 OK", 1)+tc.headers+"Content-Length: 0\n\n")
		if got := grantedExpiry(res, mine, time.Hour); got != tc.want {
			t.Errorf("%s: granted %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMinExpiresAndRetryAfter(t *testing.T) {
	tests := []struct {
		name      string
		headers   string
		wantMin   time.Duration // 0: an error
		wantRetry time.Duration
	}{
		{name: "both", headers: "Min-Expires: 120\nRetry-After: 30\n", wantMin: 120 * time.Second, wantRetry: 30 * time.Second},
		{name: "retry-after with comment and params", headers: "Min-Expires: 3600\nRetry-After: 18000 (in a meeting);duration=3600\n", wantMin: time.Hour, wantRetry: 5 * time.Hour},
		{name: "min not above asked", headers: "Min-Expires: 60\n"},
		{name: "min absurd", headers: "Min-Expires: 99999999\n"},
		{name: "min garbage", headers: "Min-Expires: soon\nRetry-After: later\n"},
		{name: "retry-after capped", headers: "Retry-After: 999999999\n", wantRetry: 24 * time.Hour},
		{name: "none", headers: ""},
	}
	for _, tc := range tests {
		res := parseResponse(t, strings.Replace(head, "%s", "423 Interval Too Brief", 1)+tc.headers+"Content-Length: 0\n\n")
		got, err := minExpires(res, 60*time.Second)
		if (err != nil) != (tc.wantMin == 0) || got != tc.wantMin {
			t.Errorf("%s: minExpires = %v, %v; want %v", tc.name, got, err, tc.wantMin)
		}
		if got := retryAfter(res); got != tc.wantRetry {
			t.Errorf("%s: retryAfter = %v, want %v", tc.name, got, tc.wantRetry)
		}
	}
}

func TestPickChallenge(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		wantAlg string // "-" for an error
	}{
		{name: "MD5", values: []string{`Digest realm="r", nonce="n", qop="auth"`}, wantAlg: ""},
		{name: "lower-case md5", values: []string{`Digest realm="r", nonce="n", algorithm=md5`}, wantAlg: "MD5"},
		{name: "first supported wins", values: []string{`Digest realm="r", nonce="n", algorithm=SHA-256`, `Digest realm="r", nonce="n", algorithm=MD5`}, wantAlg: "SHA-256"},
		{name: "skip unsupported", values: []string{`Digest realm="r", nonce="n", algorithm=AKAv1-MD5`, `Digest realm="r", nonce="n", algorithm=MD5`}, wantAlg: "MD5"},
		{name: "qop list with spaces", values: []string{`Digest realm="r", nonce="n", qop="auth-int, auth"`}, wantAlg: ""},
		{name: "none", wantAlg: "-"},
		{name: "no nonce", values: []string{`Digest realm="r"`}, wantAlg: "-"},
		{name: "huge", values: []string{`Digest realm="` + strings.Repeat("r", 5000) + `", nonce="n"`}, wantAlg: "-"},
		{name: "sess", values: []string{`Digest realm="r", nonce="n", algorithm=MD5-sess`}, wantAlg: "-"},
	}
	for _, tc := range tests {
		chal, err := pickChallenge(tc.values)
		switch {
		case tc.wantAlg == "-" && err == nil:
			t.Errorf("%s: got %+v, want an error", tc.name, chal)
		case tc.wantAlg != "-" && (err != nil || chal.Algorithm != tc.wantAlg):
			t.Errorf("%s: got %+v, %v; want algorithm %q", tc.name, chal, err, tc.wantAlg)
		}
	}
}
