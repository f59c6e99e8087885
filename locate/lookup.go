package locate

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
)

// job is one DNS question of a resolution and what came back.
type job struct {
	name  string
	qtype uint16
	ans   *dnsclient.Answer
	err   error
	rtt   time.Duration // measured here when the lookup failed
	at    time.Time     // when the answer was in hand, for Query.TTL
}

// addJob queues the question (name, qtype) and returns its index; the
// index of an identical question queued since from is returned instead,
// so that one resolution never asks the same thing twice at once.
func (r *resolution) addJob(from int, name string, qtype uint16) int {
	for i := from; i < len(r.s.jobs); i++ {
		if j := &r.s.jobs[i]; j.qtype == qtype && (j.name == name || strings.EqualFold(j.name, name)) {
			return i
		}
	}
	r.s.jobs = append(r.s.jobs, job{name: name, qtype: qtype})
	return len(r.s.jobs) - 1
}

// lookupAll asks the questions queued from index from on, in parallel,
// and returns when all are answered. Answers the resolver has cached are
// taken first without a goroutine (CacheResolver); one question left is
// asked inline.
func (r *resolution) lookupAll(from int) {
	jobs := r.s.jobs[from:]
	if !r.opts.NoTrace {
		defer r.stamp(jobs)
	}
	pending := len(jobs)
	if cr, ok := r.l.Resolver.(CacheResolver); ok {
		for i := range jobs {
			if a, ok := cr.LookupCached(jobs[i].name, jobs[i].qtype); ok {
				jobs[i].ans, pending = a, pending-1
			}
		}
	}
	if pending == 0 {
		return
	}
	var wg sync.WaitGroup
	for i := range jobs {
		switch {
		case jobs[i].ans != nil:
		case pending == 1:
			r.lookupOne(&jobs[i])
		default:
			wg.Add(1)
			go func(j *job) {
				defer wg.Done()
				r.lookupOne(j)
			}(&jobs[i])
		}
	}
	wg.Wait()
}

// stamp notes the time the answers of jobs were in hand.
func (r *resolution) stamp(jobs []job) {
	now := r.l.now()
	for i := range jobs {
		jobs[i].at = now
	}
}

// lookupOne asks one question of the resolver.
func (r *resolution) lookupOne(j *job) {
	start := r.l.now()
	j.ans, j.err = r.l.Resolver.Lookup(r.ctx, j.name, j.qtype)
	if j.err == nil && j.ans == nil {
		j.err = ErrNoRecords // a resolver bug; never dereference nil
	}
	if j.err != nil {
		j.rtt = r.l.now().Sub(start)
	}
}

// answer returns job i's answer when it has records. Otherwise it notes
// why not (NXDOMAIN/NODATA, or a failure) for the error Locate returns.
func (r *resolution) answer(i int) (*dnsclient.Answer, bool) {
	j := &r.s.jobs[i]
	step := dns.TypeToString[j.qtype]
	switch {
	case j.err != nil:
		e := &Error{Name: j.name, Step: step, Err: j.err}
		var de *dnsclient.Error
		if errors.As(j.err, &de) {
			e.Server = de.Server
		}
		r.fail(e)
		return nil, false
	case j.ans.NotFound():
		cause := ErrNoRecords
		if j.ans.Rcode == dns.RcodeNameError {
			cause = ErrNXDOMAIN
		}
		r.notFound = &Error{Name: j.name, Step: step, Server: j.ans.Server, NotFound: true, Err: cause}
		return nil, false
	}
	return j.ans, true
}

// fail records err as a failed lookup; the first one is kept.
func (r *resolution) fail(err error) {
	if r.failed == nil {
		r.failed = err
	}
}

// trace appends a Query for every job to the result, in the order asked.
func (r *resolution) trace() {
	for i := range r.s.jobs {
		r.res.Queries = append(r.res.Queries, r.query(&r.s.jobs[i]))
	}
}

// query describes job j for the trace.
func (r *resolution) query(j *job) Query {
	q := Query{Name: j.name, Type: dns.TypeToString[j.qtype], RTT: j.rtt}
	if j.err != nil {
		q.Err = j.err.Error()
		return q
	}
	a := j.ans
	q.Rcode, q.TTL, q.RTT, q.Cached, q.Server = dns.RcodeToString[a.Rcode], a.TTL(j.at), a.RTT, a.Cached, a.Server
	for _, c := range a.CNAMEs {
		q.Answers = append(q.Answers, c.String())
	}
	for _, rr := range a.Records {
		q.Answers = append(q.Answers, rr.String())
	}
	return q
}
