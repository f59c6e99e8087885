package sipsend

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// nextHop returns the URI to locate (RFC 3261 §8.1.2): the top Route's,
// else the outbound proxy, else the Request-URI. A Route without lr
// (a strict router, §12.2.1.1) is located the same way.
func nextHop(req *sip.Request, outboundProxy string) (string, error) {
	if u, ok, err := topRoute(req); ok || err != nil {
		return u.String(), err
	}
	if outboundProxy != "" {
		var u sip.Uri
		if err := sip.ParseUri(outboundProxy, &u); err != nil {
			return "", fmt.Errorf("outbound proxy %q: %w", outboundProxy, err)
		}
		return u.String(), nil
	}
	if req.Recipient.Host == "" {
		return "", fmt.Errorf("%s: Request-URI has no host", req.Method)
	}
	return req.Recipient.String(), nil
}

// topRoute returns the URI of the first Route value, parsed by sipgo or
// added as a generic header ("Route: <sip:a;lr>, <sip:b;lr>").
func topRoute(req *sip.Request) (sip.Uri, bool, error) {
	h := req.GetHeader("route") // lower case: no allocation, as Route() has when there is none
	if h == nil {
		return sip.Uri{}, false, nil
	}
	if r := req.Route(); r != nil {
		return r.Address, true, nil
	}
	v, _, _ := strings.Cut(h.Value(), ",") // RFC 3261 §20.34: the first value
	var u sip.Uri
	params := sip.NewParams()
	if _, err := sip.ParseAddressValue(strings.TrimSpace(v), &u, &params); err != nil {
		return sip.Uri{}, true, fmt.Errorf("%s: top Route %q: %w", req.Method, v, err)
	}
	return u, true, nil
}

// inDialog reports whether req belongs to a dialog: its To has a tag (RFC
// 3261 §12.2). Such a request follows the dialog's route set.
func inDialog(req *sip.Request) bool {
	to := req.To()
	return to != nil && to.Params.Has("tag")
}

// sendInDialog sends an in-dialog request once, where sipgo sends it (the
// top Route of the dialog's route set, else the remote target), never
// relocated (RFC 3261 §12.2.1.1).
func sendInDialog(ctx context.Context, client *sipgo.Client, req *sip.Request, opts *Options) (*sip.Response, Trace, error) {
	s := &search{client: client, req: req, opts: opts}
	if u, ok, err := topRoute(req); err != nil {
		return nil, s.trace, err
	} else if ok && req.Route() == nil { // a generic header sipgo does not route by
		req.SetDestination(u.HostPort())
	}
	s.trace.NextHop = req.Destination()
	s.trace.InDialog = true
	a := Attempt{Start: opts.now()}
	tx, err := client.TransactionRequest(ctx, req.Clone(), sipgo.ClientRequestAddVia)
	var res *sip.Response
	if err != nil {
		a.Outcome, a.Err = failover.TransportFailed, fmt.Errorf("send %s in dialog to %s: %w", req.Method, req.Destination(), err)
	} else {
		res, a.Outcome, a.Err = s.await(ctx, locate.Target{}, req, tx, loss{})
		tx.Terminate()
	}
	a.Duration = opts.now().Sub(a.Start)
	if res != nil {
		a.Status, a.Reason = res.StatusCode, res.Reason
	}
	s.trace.Attempts = append(s.trace.Attempts, a)
	s.emit(Event{Kind: Attempted, Attempt: a, Err: a.Err})
	if a.Err != nil {
		return nil, s.trace, fmt.Errorf("%w: %w", ErrNoTarget, a.Err)
	}
	return res, s.trace, nil
}

// retryAfter returns a response's Retry-After (RFC 3261 §20.33), 0 when
// absent or bad; the health store caps what is left.
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
	return time.Duration(n) * time.Second
}
