package kamailiotest

import (
	"bufio"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// Binding is one contact in Kamailio's location table, as `kamcmd
// ul.dump` shows it.
type Binding struct {
	AOR     string // address of record, user@domain
	Contact string // the Contact URI
	// Expires is the number of seconds left, 0 once expired or deleted,
	// -1 for a permanent binding.
	Expires   int
	CallID    string
	CSeq      int
	UserAgent string // "" when not sent
	Received  string // source address when it differs from Contact, else ""
	Socket    string // Kamailio's socket that took it, e.g. "udp:127.0.0.13:5060"
	Instance  string // +sip.instance (RFC 5626), else ""
	RegID     int    // reg-id (RFC 5626), else 0
}

// Locations returns Kamailio's whole location table (`kamcmd ul.dump`).
// kamcmd refuses replies beyond about a hundred bindings ("reply too
// big"); for larger tables use Lookup and Count.
func (i *Instance) Locations() ([]Binding, error) {
	out, err := i.RPC("ul.dump")
	if err != nil {
		return nil, err
	}
	bs, err := parseULDump(out)
	if err != nil {
		return nil, fmt.Errorf("parse ul.dump of %s: %w", i.HostPort(), err)
	}
	return bs, nil
}

// Lookup returns the bindings of one address of record, user@domain
// (`kamcmd ul.lookup location AOR`); none when it has none.
func (i *Instance) Lookup(aor string) ([]Binding, error) {
	out, err := i.RPC("ul.lookup", "location", aor)
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) && strings.Contains(rpcErr.Message, "not found") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bs, err := parseULDump(out)
	if err != nil {
		return nil, fmt.Errorf("parse ul.lookup %s of %s: %w", aor, i.HostPort(), err)
	}
	return bs, nil
}

// Count returns the number of contacts in the location table (usrloc's
// location_contacts statistic), at any size.
func (i *Instance) Count() (int, error) {
	out, err := i.RPC("stats.get_statistics", "location_contacts")
	if err != nil {
		return 0, err
	}
	return parseStatistic(out, "location_contacts")
}

// WaitLocations polls the location table until cond accepts it, then
// returns it; after timeout it fails t with cond's last error. It must be
// called from the test's goroutine.
func (i *Instance) WaitLocations(t testing.TB, timeout time.Duration, cond func([]Binding) error) []Binding {
	t.Helper()
	var bs []Binding
	testenv.WaitFor(t, nil, timeout, func() error {
		var err error
		if bs, err = i.Locations(); err != nil {
			return err
		}
		return cond(bs)
	})
	return bs
}

// HasAOR returns a condition for WaitLocations: a binding of aor exists.
func HasAOR(aor string) func([]Binding) error {
	return func(bs []Binding) error {
		if slices.ContainsFunc(bs, func(b Binding) bool { return b.AOR == aor }) {
			return nil
		}
		return fmt.Errorf("no binding of %s in %d bindings", aor, len(bs))
	}
}

// NoAOR returns a condition for WaitLocations: no binding of aor is left
// (after an unregister, Expires: 0).
func NoAOR(aor string) func([]Binding) error {
	return func(bs []Binding) error {
		if err := HasAOR(aor)(bs); err == nil {
			return fmt.Errorf("%s is still bound", aor)
		}
		return nil
	}
}

// parseULDump parses the text `kamcmd ul.dump` prints: nested "Key:
// value" lines, with "AoR: x" opening an address of record and
// "Contact: {" opening one of its bindings.
func parseULDump(out string) ([]Binding, error) {
	var bs []Binding
	aor := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case key == "AoR":
			aor = val
		case key == "Contact" && val == "{":
			bs = append(bs, Binding{AOR: aor})
		case len(bs) > 0:
			if err := setField(&bs[len(bs)-1], key, val); err != nil {
				return bs, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return bs, fmt.Errorf("read ul.dump: %w", err)
	}
	return bs, nil
}

// setField sets the Binding field ul.dump calls key; other keys are
// ignored.
func setField(b *Binding, key, val string) error {
	if val == "[not set]" || key == "User-Agent" && val == "n/a" {
		val = ""
	}
	var err error
	switch key {
	case "Address":
		b.Contact = val
	case "Expires":
		b.Expires, err = parseExpires(val)
	case "Call-ID":
		b.CallID = val
	case "CSeq":
		b.CSeq, err = atoiField(key, val)
	case "User-Agent":
		b.UserAgent = val
	case "Received":
		b.Received = val
	case "Socket":
		b.Socket = val
	case "Instance":
		b.Instance = val
	case "Reg-Id":
		b.RegID, err = atoiField(key, val)
	}
	return err
}

// parseExpires reads usrloc's Expires: seconds left, or "permanent",
// "deleted", "expired".
func parseExpires(val string) (int, error) {
	switch val {
	case "permanent":
		return -1, nil
	case "deleted", "expired":
		return 0, nil
	}
	return atoiField("Expires", val)
}

func atoiField(key, val string) (int, error) {
	n, err := strconv.Atoi(val)
	if err != nil {
		return 0, fmt.Errorf("ul.dump %s %q: %w", key, val, err)
	}
	return n, nil
}
