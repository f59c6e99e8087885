package registrar

import (
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    Fault
		wantStr string
		wantErr bool
	}{
		{in: "none", want: Fault{}, wantStr: "none"},
		{in: "silent", want: Fault{Kind: FaultSilent}, wantStr: "silent"},
		{in: "503", want: Fault{Kind: Fault503}, wantStr: "503:30"},
		{in: "503:5", want: Fault{Kind: Fault503, RetryAfter: 5 * time.Second}, wantStr: "503:5"},
		{in: " Refuse-TCP ", want: Fault{Kind: FaultRefuseTCP}, wantStr: "refuse-tcp"},
		{in: "503:0", wantErr: true},
		{in: "503:-1", wantErr: true},
		{in: "503:x", wantErr: true},
		{in: "silent:3", wantErr: true},
		{in: "crash", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFault(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != tt.wantStr {
				t.Errorf("got %v (%q), %v; want %v (%q)", got, got.String(), err, tt.want, tt.wantStr)
			}
		})
	}
}

func TestParseListen(t *testing.T) {
	tests := []struct {
		in      string
		want    Listen
		wantErr bool
	}{
		{in: "udp:127.0.0.13:5060", want: Listen{Network: "udp", Addr: "127.0.0.13:5060"}},
		{in: "TCP:[::1]:5060", want: Listen{Network: "tcp", Addr: "[::1]:5060"}},
		{in: "tcp:127.0.0.1:0", want: Listen{Network: "tcp", Addr: "127.0.0.1:0"}},
		{in: "tls:127.0.0.1:5061", wantErr: true},
		{in: "udp:127.0.0.1", wantErr: true},
		{in: "127.0.0.1:5060", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseListen(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "users", cfg: Config{Users: Users{"a": "b"}}},
		{name: "no auth", cfg: Config{NoAuth: true}},
		{name: "neither", cfg: Config{}, wantErr: true},
		{name: "bad algorithm", cfg: Config{NoAuth: true, Algorithms: []string{"SHA-1"}}, wantErr: true},
		{name: "min one second", cfg: Config{NoAuth: true, MinExpires: time.Second, DefaultExpires: 2 * time.Second}},
		{name: "min below a second", cfg: Config{NoAuth: true, MinExpires: time.Millisecond}, wantErr: true},
		{name: "max below min", cfg: Config{NoAuth: true, MinExpires: time.Hour, MaxExpires: time.Minute}, wantErr: true},
		{name: "default below min", cfg: Config{NoAuth: true, MinExpires: 2 * time.Hour, MaxExpires: 3 * time.Hour}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); (err != nil) != tt.wantErr {
				t.Errorf("New: %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseFault checks that what ParseFault accepts prints back to itself.
func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"none", "silent", "503", "503:7", "refuse-tcp", "503:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFault(s)
		if err != nil {
			return
		}
		again, err := ParseFault(got.String())
		if err != nil || again.String() != got.String() {
			t.Fatalf("%q -> %v -> %v, %v", s, got, again, err)
		}
	})
}

// FuzzParseListen checks that what ParseListen accepts prints back to itself.
func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"udp:127.0.0.1:5060", "tcp:[::1]:0", "tls:x:1", "udp:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseListen(s)
		if err != nil {
			return
		}
		again, err := ParseListen(got.String())
		if err != nil || again != got {
			t.Fatalf("%q -> %v -> %v, %v", s, got, again, err)
		}
	})
}
