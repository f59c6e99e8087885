package register

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// maxContacts is the most Contact values a 2xx to REGISTER may carry
// before it is dropped as hostile: a registrar lists every binding of the
// AOR (RFC 3261 §10.3 step 8), and no sane AOR has more.
const maxContacts = 256

// dialogue is what one account keeps across its REGISTER requests (RFC 3261
// §10.2): the same Call-ID and From tag, and a CSeq that only grows.
type dialogue struct {
	aor     sip.Uri
	reqURI  sip.Uri // the SIP server's domain, no user part (§10.2)
	callID  string
	fromTag string
	cseq    uint32
}

// newRequest builds the next REGISTER to t asking for expires, with contact
// as the Contact URI (nil for none: a query). The Via is added by sipgo.
func (d *dialogue) newRequest(method sip.RequestMethod, t locate.Target, contact *sip.Uri, expires time.Duration) *sip.Request {
	req := sip.NewRequest(method, d.reqURI)
	from := &sip.FromHeader{Address: d.aor, Params: sip.NewParams()}
	from.Params.Add("tag", d.fromTag)
	to := &sip.ToHeader{Address: d.aor}
	if method != sip.REGISTER {
		to.Address = d.reqURI
	}
	callID := sip.CallIDHeader(d.callID)
	d.cseq++
	maxFwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: d.cseq, MethodName: method})
	req.AppendHeader(&maxFwd)
	if contact != nil {
		req.AppendHeader(&sip.ContactHeader{Address: *contact})
		exp := sip.ExpiresHeader(uint32(expires / time.Second))
		req.AppendHeader(&exp)
	}
	req.AppendHeader(sip.NewHeader("User-Agent", "siplocate"))
	req.SetBody(nil)
	req.SetTransport(strings.ToUpper(string(t.Transport)))
	req.SetDestination(t.AddrPort().String())
	return req
}

// errDropped marks a response that was not used; the reason follows.
var errDropped = errors.New("response dropped")

// checkResponse reports why res cannot be the answer to req: RFC 3261
// §8.1.3.3 and §10.2 say what must match. A nil error means res is usable.
func checkResponse(req *sip.Request, res *sip.Response) error {
	switch {
	case res.CallID() == nil || res.CSeq() == nil || res.From() == nil || res.To() == nil:
		return fmt.Errorf("%w: missing Call-ID, CSeq, From or To", errDropped)
	case string(*res.CallID()) != string(*req.CallID()):
		return fmt.Errorf("%w: Call-ID %q is not ours", errDropped, string(*res.CallID()))
	case res.CSeq().SeqNo != req.CSeq().SeqNo || res.CSeq().MethodName != req.Method:
		return fmt.Errorf("%w: CSeq %q does not match", errDropped, res.CSeq().Value())
	case res.From().Params.GetOr("tag", "") != req.From().Params.GetOr("tag", ""):
		return fmt.Errorf("%w: From tag does not match", errDropped)
	case res.StatusCode < 100 || res.StatusCode > 699:
		return fmt.Errorf("%w: status %d", errDropped, res.StatusCode)
	case len(res.GetHeaders("Contact")) > maxContacts:
		return fmt.Errorf("%w: %d Contact values, more than %d", errDropped, len(res.GetHeaders("Contact")), maxContacts)
	}
	return nil
}

// grantedExpiry returns the expiry the registrar granted to contact
// (RFC 3261 §10.2.4): the expires parameter of our Contact in the 2xx, or
// its Expires header, or what we asked for. A registrar may shorten the
// expiry but not lengthen it (§10.3 step 7), so a longer grant counts as
// what we asked for: refreshing later than that would trust a server that
// may drop the binding at the time we asked for.
func grantedExpiry(res *sip.Response, contact sip.Uri, asked time.Duration) time.Duration {
	return min(offeredExpiry(res, contact, asked), asked)
}

// offeredExpiry is the expiry the 2xx states, or asked when it states none.
func offeredExpiry(res *sip.Response, contact sip.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok || !sameContact(c.Address, contact) {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// sameContact reports whether a and b name the same binding: user, host
// and port (RFC 3261 §19.1.4 would compare more; these are what we set).
func sameContact(a, b sip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && a.Port == b.Port
}

// minExpires returns a 423's Min-Expires (RFC 3261 §10.2.8), or an error
// when it is missing or not above what we asked for.
func minExpires(res *sip.Response, asked time.Duration) (time.Duration, error) {
	h := res.GetHeader("Min-Expires")
	if h == nil {
		return 0, fmt.Errorf("%w: 423 without Min-Expires", errDropped)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	if err != nil || time.Duration(n)*time.Second <= asked || n > 86400*7 {
		return 0, fmt.Errorf("%w: 423 with unusable Min-Expires %q", errDropped, h.Value())
	}
	return time.Duration(n) * time.Second, nil
}

// retryAfter returns a 503's Retry-After (RFC 3261 §20.33), 0 when absent
// or bad; it is capped at a day.
func retryAfter(res *sip.Response) time.Duration {
	h := res.GetHeader("Retry-After")
	if h == nil {
		return 0
	}
	v, _, _ := strings.Cut(h.Value(), ";")
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0
	}
	return min(time.Duration(n)*time.Second, 24*time.Hour)
}
