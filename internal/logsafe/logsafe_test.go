package logsafe

import "testing"

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "sip:alice@127.0.0.1:5062", want: "sip:alice@127.0.0.1:5062"},
		{name: "empty", in: "", want: ""},
		{name: "space", in: "Service Unavailable", want: "Service Unavailable"},
		{name: "unicode", in: "sip:zoë@lab", want: "sip:zoë@lab"},
		{name: "ESC", in: "sip:a\x1b[2J@h", want: `"sip:a\x1b[2J@h"`},
		{name: "CR LF", in: "a\r\nb", want: `"a\r\nb"`},
		{name: "DEL", in: "a\x7f", want: `"a\x7f"`},
		{name: "C1 CSI", in: "a\u009b2J", want: `"a\u009b2J"`},
		{name: "invalid UTF-8", in: "a\xff", want: `"a\xff"`},
		{name: "leading quote", in: `"x"`, want: `"\"x\""`},
		{name: "inner quote", in: `a"b`, want: `a"b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quote(tt.in); got != tt.want {
				t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzQuote checks that no input yields a control character.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"sip:a@b", "a\x1b[31m", "\"", "\xff\xfe", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Quote(s) {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("Quote(%q) holds %U", s, r)
			}
		}
	})
}
