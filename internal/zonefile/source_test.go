package zonefile

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRecordLines checks that each record gets the line it starts on,
// across the shapes of RFC 1035 master files.
func TestRecordLines(t *testing.T) {
	const zone = `; comment line
$ORIGIN example.com.   ; directive
$TTL 300

@   IN SOA ns1 hostmaster (   ; line 5, spans four lines
        1 3600 600
        604800
        60 )
    IN NS ns1                 ; line 9: owner omitted
ns1 IN A 192.0.2.53
    ; indented comment

txt IN TXT "semi;colon" "paren(" ( "inside"
        "more" )              ; line 14
$GENERATE 1-2 h$ A 192.0.2.$
$INCLUDE inc.zone
after IN A 192.0.2.99
last IN A 192.0.2.100`
	fsys := fstest.MapFS{
		"z.zone":   {Data: []byte(zone)},
		"inc.zone": {Data: []byte("\n\ninc IN A 192.0.2.7\n")},
	}
	f, err := ReadFS(fsys, "z.zone", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Records {
		got = append(got, fmt.Sprintf("%s:%d %s", r.File, r.Line, strings.Fields(r.RR.String())[0]))
	}
	want := []string{
		"z.zone:5 example.com.", "z.zone:9 example.com.", "z.zone:10 ns1.example.com.",
		"z.zone:13 txt.example.com.", "z.zone:15 h1.example.com.", "z.zone:15 h2.example.com.",
		"inc.zone:3 inc.example.com.", "z.zone:17 after.example.com.", "z.zone:18 last.example.com.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n got %q\nwant %q", got, want)
	}
}
