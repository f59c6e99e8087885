package registrar

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// kamailioUACConfig makes Kamailio a client: its uac module registers the
// account in the uacreg table (db_text, in {{dir}}) and refreshes it.
const kamailioUACConfig = `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=1
disable_tcp=yes
listen=udp:127.0.3.10:5060
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "db_text.so"
loadmodule "uac.so"
modparam("uac", "reg_db_url", "text://{{dir}}")
modparam("uac", "reg_contact_addr", "127.0.3.10:5060")
modparam("uac", "reg_timer_interval", 1)
modparam("uac", "restore_mode", "none")
request_route {
	sl_send_reply("404", "Not Here");
}
`

// uacregTable is the db_text uacreg table (version 5, Kamailio 5.6) with
// one account: alice at the registrar 127.0.3.1:5060, expiry 60 s.
const uacregTable = `id(int,auto) l_uuid(string) l_username(string) l_domain(string) r_username(string) r_domain(string) realm(string) auth_username(string) auth_password(string) auth_ha1(string,null) auth_proxy(string) expires(int) flags(int) reg_delay(int) contact_addr(string,null) socket(string,null)
1:kamailio:alice:127.0.3.10:alice:127.0.3.1:lab:alice:secret::sip\:127.0.3.1\:5060:60:0:0::
`

const versionTable = `id(int,auto) table_name(string) table_version(int)
0:uacreg:5
`

// TestInteropKamailioRegisters has Kamailio's uac module register to the
// registrar with digest authentication: 401, then 200, and the binding
// holds Kamailio's contact.
func TestInteropKamailioRegisters(t *testing.T) {
	testenv.RequireInterop(t)
	bin := testenv.LookPath(t, "kamailio")
	events := make(chan Event, 64)
	r, err := New(Config{
		Listen: []Listen{{Network: "udp", Addr: "127.0.3.1:5060"}},
		Realm:  "lab",
		Users:  Users{"alice": "secret"},
		OnEvent: func(e Event) {
			select {
			case events <- e:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	dir := t.TempDir()
	testenv.WriteFile(t, dir, "uacreg", uacregTable)
	testenv.WriteFile(t, dir, "version", versionTable)
	cfg := testenv.WriteFile(t, dir, "kamailio.cfg", testenv.Expand(kamailioUACConfig, map[string]string{"dir": dir}))
	p := testenv.Start(t, bin, "-DD", "-E", "-f", cfg, "-w", dir, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"))
	testenv.WaitFor(t, p, 15*time.Second, func() error {
		if bs := r.Bindings(); len(bs) != 1 {
			return fmt.Errorf("bindings %v, want one", bs)
		}
		return nil
	})
	b := r.Bindings()[0]
	if b.AOR != "sip:alice@127.0.3.1" || b.Contact != "sip:kamailio@127.0.3.10:5060" || b.Source != "udp:127.0.3.10:5060" {
		t.Errorf("binding %+v, want Kamailio's contact for sip:alice@127.0.3.1", b)
	}
	var statuses []int
	for len(events) > 0 {
		if e := <-events; e.Kind == EventAnswered {
			statuses = append(statuses, e.Status)
		}
	}
	if len(statuses) < 2 || statuses[0] != 401 || statuses[1] != 200 {
		t.Errorf("answers %v, want 401 then 200", statuses)
	}
}
