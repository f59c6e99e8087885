package kamailiotest

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseULDump(t *testing.T) {
	sample, err := os.ReadFile("testdata/uldump.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    []Binding
		wantErr bool
	}{
		{
			name: "kamailio 5.6 output",
			in:   string(sample),
			want: []Binding{
				{
					AOR: "alice@example.test", Contact: "sip:alice@127.0.0.13:5061;transport=UDP",
					Expires: 3600, CallID: "1-11413@127.0.0.13", CSeq: 2, Socket: "udp:127.0.0.13:5070",
				},
				{
					AOR: "alice@example.test", Contact: "sip:alice@192.0.2.7:5060;transport=tcp",
					Expires: 0, CallID: "a84b4c76e66710@pc33", CSeq: 314159,
					UserAgent: "siplocate/0.1 (test: yes)", Received: "sip:198.51.100.1:40000",
					Socket: "tcp:127.0.0.13:5070", Instance: "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>", RegID: 1,
				},
				{AOR: "bob@example.test", Contact: "sip:bob@127.0.0.12:5060", Expires: -1, CSeq: 7},
			},
		},
		{
			name: "empty table",
			in:   "{\n\tDomains: {\n\t\tDomain: {\n\t\t\tDomain: location\n\t\t\tAoRs: {\n\t\t\t}\n\t\t}\n\t}\n}\n",
		},
		{
			name: "fields outside a contact are ignored",
			in:   "Expires: soon\nCSeq: x\nAoR: a@b\n",
		},
		{
			name:    "bad CSeq",
			in:      "AoR: a@b\nContact: {\nCSeq: two\n}\n",
			want:    []Binding{{AOR: "a@b"}},
			wantErr: true,
		},
		{
			name:    "bad Expires",
			in:      "AoR: a@b\nContact: {\nExpires: soon\n}\n",
			want:    []Binding{{AOR: "a@b"}},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseULDump(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseULDump error = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseULDump =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	bs := []Binding{{AOR: "alice@example.test"}}
	tests := []struct {
		name    string
		cond    func([]Binding) error
		wantErr bool
	}{
		{name: "HasAOR present", cond: HasAOR("alice@example.test")},
		{name: "HasAOR absent", cond: HasAOR("bob@example.test"), wantErr: true},
		{name: "NoAOR present", cond: NoAOR("alice@example.test"), wantErr: true},
		{name: "NoAOR absent", cond: NoAOR("bob@example.test")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cond(bs); (err != nil) != tt.wantErr {
				t.Errorf("cond = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseULDump checks that no kamcmd output makes the parser panic and
// that every binding it returns was opened by a "Contact: {" line.
func FuzzParseULDump(f *testing.F) {
	sample, err := os.ReadFile("testdata/uldump.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(sample))
	f.Fuzz(func(t *testing.T, in string) {
		bs, _ := parseULDump(in)
		if opened := strings.Count(in, "Contact"); len(bs) > opened {
			t.Errorf("%d bindings from %d Contact lines", len(bs), opened)
		}
	})
}
