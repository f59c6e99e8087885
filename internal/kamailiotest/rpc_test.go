package kamailiotest

import (
	"os"
	"strings"
	"testing"
)

func TestParseRPCError(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   RPCError
		wantOK bool
	}{
		{name: "not found", in: "error: 500 - AOR not found in location table\n", want: RPCError{Code: 500, Message: "AOR not found in location table"}, wantOK: true},
		{name: "no code", in: "error: oops\n", want: RPCError{Message: "oops"}, wantOK: true},
		{name: "reply", in: "{\n\tAoR: a@b\n}\n"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRPCError(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("parseRPCError ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && *got != tt.want {
				t.Errorf("parseRPCError = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestParseStatistic(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{name: "one", in: "usrloc:location_contacts = 10000\n", want: 10000},
		{name: "among others", in: "usrloc:location_users = 2\nusrloc:location_contacts = 3\n", want: 3},
		{name: "without group", in: "location_contacts = 0", want: 0},
		{name: "other name only", in: "usrloc:location_contacts_x = 3\n", wantErr: true},
		{name: "not a number", in: "usrloc:location_contacts = many\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatistic(tt.in, "location_contacts")
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatistic error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatistic = %d, want %d", got, tt.want)
			}
		})
	}
}

// FuzzKamcmdOutput feeds any kamcmd output to the parsers of kamcmd's
// replies: none may panic, and each accepts only what it looks for.
func FuzzKamcmdOutput(f *testing.F) {
	sample, err := os.ReadFile("testdata/uldump.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(sample))
	f.Add("error: 500 - AOR not found in location table\n")
	f.Add("usrloc:location_contacts = 3\n")
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := parseStatistic(in, "location_contacts"); err == nil && !strings.Contains(in, "location_contacts = ") {
			t.Errorf("statistic found in %q", in)
		}
		if _, isErr := parseRPCError(in); isErr && !strings.HasPrefix(strings.TrimSpace(in), "error: ") {
			t.Errorf("error reply found in %q", in)
		}
		_, _ = parseULDump(in)
	})
}
