package kamailiotest

import (
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    procState
		wantErr bool
	}{
		{
			name: "kamailio child",
			in:   "11200 (kamailio) S 11198 11195 11195 0 -1 4194624 1183 0 0 0 0 0 0 0 20 0 1 0",
			want: procState{PID: 11200, State: 'S', PGID: 11195},
		},
		{
			name: "comm with spaces and parentheses",
			in:   "42 (a) b (c)) T 1 40 40 0",
			want: procState{PID: 42, State: 'T', PGID: 40},
		},
		{name: "empty", in: "", wantErr: true},
		{name: "no comm", in: "42 S 1 40", wantErr: true},
		{name: "short", in: "42 (x) S 1", wantErr: true},
		{name: "bad pid", in: "x (x) S 1 40", wantErr: true},
		{name: "bad pgrp", in: "42 (x) S 1 forty", wantErr: true},
		{name: "long state", in: "42 (x) SS 1 40", wantErr: true},
		{name: "NUL state (fuzz)", in: "0()\x00 0 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStat error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStat = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add("11200 (kamailio) S 11198 11195 11195 0 -1")
	f.Add("42 (a) b (c)) T 1 40 40 0")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := parseStat(in)
		if err == nil && p.State == 0 {
			t.Errorf("parseStat(%q) = %+v without a state", in, p)
		}
	})
}
