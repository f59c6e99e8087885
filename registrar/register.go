package registrar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// statusError is a request the registrar answers with a failure response.
type statusError struct {
	code    int
	reason  string
	headers []sip.Header
}

func (e *statusError) Error() string { return fmt.Sprintf("%d %s", e.code, e.reason) }

func fail(code int, reason string, headers ...sip.Header) *statusError {
	return &statusError{code: code, reason: reason, headers: headers}
}

// regRequest is what a REGISTER asks for, read by parseRegister.
type regRequest struct {
	aor      string // canonical AOR (RFC 3261 §10.3 step 5)
	callID   string
	cseq     uint32
	source   string
	wildcard bool // Contact: * (step 6)
	contacts []regContact
}

// regContact is one Contact of a REGISTER with its requested expiry.
type regContact struct {
	uri, key string
	expires  time.Duration
}

// parseRegister reads the Call-ID, CSeq and contacts of a REGISTER for
// aor and the expiry of each contact (RFC 3261 §10.3 steps 6 and 7).
func parseRegister(req *sip.Request, cfg *Config, aor, source string) (*regRequest, *statusError) {
	r := &regRequest{aor: aor, callID: req.CallID().Value(), cseq: req.CSeq().SeqNo, source: source}
	var serr *statusError
	def := cfg.defaultExpires()
	if h := req.GetHeader("Expires"); h != nil {
		if def, serr = parseExpires(h.Value()); serr != nil {
			return nil, serr
		}
	}
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, fail(400, "Bad Contact")
		}
		if c.Address.Wildcard {
			r.wildcard = true
			continue
		}
		rc, serr := readContact(c, def, cfg)
		if serr != nil {
			return nil, serr
		}
		r.contacts = append(r.contacts, rc)
	}
	return r, r.checkWildcard(req)
}

// removesOnly reports whether r only removes bindings: Contact: *, or
// every contact with expiry 0. A REGISTER without Contact lists them.
func (r *regRequest) removesOnly() bool {
	if r.wildcard {
		return true
	}
	for _, c := range r.contacts {
		if c.expires > 0 {
			return false
		}
	}
	return len(r.contacts) > 0
}

// checkWildcard enforces RFC 3261 §10.3 step 6: "*" only alone and only
// with Expires: 0.
func (r *regRequest) checkWildcard(req *sip.Request) *statusError {
	if !r.wildcard {
		return nil
	}
	h := req.GetHeader("Expires")
	if len(r.contacts) > 0 || len(req.GetHeaders("Contact")) != 1 || h == nil || strings.TrimSpace(h.Value()) != "0" {
		return fail(400, "Invalid Wildcard Contact")
	}
	return nil
}

// readContact reads one contact's URI and expiry: its expires parameter,
// else the Expires header (def), clamped to MaxExpires; a non-zero expiry
// below MinExpires is refused with 423 and Min-Expires (RFC 3261 §10.3
// step 7, §20.23).
func readContact(c *sip.ContactHeader, def time.Duration, cfg *Config) (regContact, *statusError) {
	exp := def
	if v, ok := c.Params.Get("expires"); ok {
		var serr *statusError
		if exp, serr = parseExpires(v); serr != nil {
			return regContact{}, serr
		}
	}
	if exp > 0 && exp < cfg.minExpires() {
		minExp := sip.NewHeader("Min-Expires", strconv.Itoa(int(cfg.minExpires().Seconds())))
		return regContact{}, fail(423, "Interval Too Brief", minExp)
	}
	exp = min(exp, cfg.maxExpires())
	if c.Address.Scheme == "" || c.Address.Host == "" && !isOpaque(c.Address) {
		return regContact{}, fail(400, "Bad Contact URI")
	}
	return regContact{uri: c.Address.String(), key: contactKey(c.Address), expires: exp}, nil
}

func isOpaque(u sip.Uri) bool { return u.Scheme != "sip" && u.Scheme != "sips" }

// parseExpires reads delta-seconds (RFC 3261 §20.19); values above 2^32-1
// are taken as 2^32-1, as §25.1 allows, and the caller caps them anyway.
func parseExpires(s string) (time.Duration, *statusError) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fail(400, "Bad Expires")
	}
	return time.Duration(min(n, math.MaxUint32)) * time.Second, nil
}

// canonicalAOR turns the To URI into an address-of-record as RFC 3261
// §10.3 step 5 says: parameters removed, host in lower case.
func canonicalAOR(u sip.Uri) (aor, user string, serr *statusError) {
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "sip" && scheme != "sips") || u.Host == "" {
		return "", "", fail(404, "Not Found")
	}
	aor = scheme + ":"
	if u.User != "" {
		aor += u.User + "@"
	}
	aor += strings.ToLower(u.Host)
	if u.Port != 0 {
		aor += ":" + strconv.Itoa(u.Port)
	}
	return aor, u.User, nil
}

// contactKey returns a string that is equal for contact URIs that RFC 3261
// §19.1.4 calls equivalent, simplified: scheme and host ignore case, the
// user part does not, and of the parameters only transport, user, ttl,
// method and maddr take part. Escapes are not decoded.
func contactKey(u sip.Uri) string {
	if isOpaque(u) {
		return strings.ToLower(u.Scheme) + ":" + u.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%s@%s:%d", strings.ToLower(u.Scheme), u.User, strings.ToLower(u.Host), u.Port)
	for _, p := range []string{"transport", "user", "ttl", "method", "maddr"} {
		if v, ok := u.UriParams.Get(p); ok {
			fmt.Fprintf(&b, ";%s=%s", p, strings.ToLower(v))
		}
	}
	return b.String()
}

// plan works out the changes a REGISTER makes to cur, the current bindings
// of its AOR, following RFC 3261 §10.3 steps 6 and 7. A contact already
// bound with the same Call-ID and a CSeq not higher fails the whole
// request with 500, the status RFC 3261 §12.2.2 uses for an out-of-order
// CSeq; nothing is changed then.
func (r *regRequest) plan(cur map[string]Binding, now time.Time) ([]change, *statusError) {
	var changes []change
	if r.wildcard {
		for _, b := range cur {
			if b.CallID == r.callID && r.cseq <= b.CSeq {
				return nil, fail(500, "CSeq Out of Order")
			}
			changes = append(changes, change{remove: true, b: b})
		}
		return changes, nil
	}
	for _, c := range r.contacts {
		old, bound := cur[c.key]
		if bound && old.CallID == r.callID && r.cseq <= old.CSeq {
			return nil, fail(500, "CSeq Out of Order")
		}
		b := Binding{AOR: r.aor, Contact: c.uri, Expires: now.Add(c.expires), CallID: r.callID, CSeq: r.cseq, Source: r.source, key: c.key}
		switch {
		case c.expires == 0 && bound:
			changes = append(changes, change{remove: true, b: old})
		case c.expires > 0:
			changes = append(changes, change{b: b})
		}
	}
	return changes, nil
}

// okResponse builds the 200 OK of RFC 3261 §10.3 step 8: every current
// binding of the AOR with its remaining expiry, and a Date header.
func okResponse(req *sip.Request, bindings []Binding, now time.Time) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	for _, b := range bindings {
		left := int(math.Ceil(b.Expires.Sub(now).Seconds()))
		res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", b.Contact, left)))
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return res
}
