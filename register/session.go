package register

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// session keeps one account registered. Its state is touched only by its
// own goroutine (run).
type session struct {
	agent  *Agent
	acct   Account
	log    *slog.Logger
	policy *failover.Policy
	dlg    dialogue // REGISTER: one Call-ID, growing CSeq (RFC 3261 §10.2)
	probes dialogue // OPTIONS probes: a Call-ID of their own

	expires  time.Duration // asked for; raised by a 423
	failures int           // rounds in a row without a registration

	registered     bool
	everRegistered bool
	current        locate.Target // the target holding our binding
	contact        sip.Uri       // the Contact bound there
}

// newSession validates acct and prepares its session.
func newSession(a *Agent, acct Account) (*session, error) {
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	aor, _ := acct.aor()
	reqURI := sip.Uri{Scheme: aor.Scheme, Host: acct.Server}
	if h, p, err := net.SplitHostPort(acct.Server); err == nil {
		reqURI.Host, reqURI.Port = h, atoiPort(p)
	}
	reqURI.Host = strings.TrimSuffix(strings.TrimPrefix(reqURI.Host, "["), "]")
	s := &session{
		agent:   a,
		acct:    acct,
		log:     a.log.With("account", acct.name()),
		policy:  failover.New(failover.Config{Mode: acct.failoverMode(), MaxTries: acct.MaxTries}),
		dlg:     newDialogue(aor, reqURI),
		probes:  newDialogue(aor, reqURI),
		expires: acct.expires(),
	}
	return s, nil
}

func newDialogue(aor, reqURI sip.Uri) dialogue {
	return dialogue{aor: aor, reqURI: reqURI, callID: uuid.NewString(), fromTag: sip.GenerateTagN(16), cseq: 0}
}

// atoiPort returns the port p; Validate has checked it.
func atoiPort(p string) int {
	n, _ := strconv.Atoi(p)
	return n
}

// run is the account's life: rounds of registration when they are due,
// probes when asked, and an unregister at the end.
func (s *session) run(ctx context.Context) {
	var tick <-chan time.Time
	if s.acct.Probe > 0 {
		t := time.NewTicker(s.acct.Probe)
		defer t.Stop()
		tick = t.C
	}
	next, failback := time.Now(), false
	for ctx.Err() == nil {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
			next = time.Now().Add(s.round(ctx, failback))
			failback = false
		case <-tick:
			timer.Stop()
			if again, fb := s.probe(ctx); again {
				next, failback = time.Now(), fb
			}
		}
	}
	s.unregister()
}
