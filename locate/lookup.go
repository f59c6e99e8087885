package locate

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// job is one DNS question of a resolution and what came back.
type job struct {
	name  string
	qtype Type
	ans   *Answer
	err   error
	rtt   time.Duration // measured here when the lookup failed
	at    time.Time     // when the answer was in hand, for Query.TTL
	under *Answer       // not asked: the NXDOMAIN answer for a name this one is at or under
	notes []string      // for Query.Notes
}

// addJob queues the question (name, qtype) and returns its index; the
// index of an identical question queued since from is returned instead,
// so that one resolution never asks the same thing twice at once.
func (r *resolution) addJob(from int, name string, qtype Type) int {
	for i := from; i < len(r.s.jobs); i++ {
		if j := &r.s.jobs[i]; j.qtype == qtype && (j.name == name || strings.EqualFold(j.name, name)) {
			return i
		}
	}
	r.s.jobs = append(r.s.jobs, job{name: name, qtype: qtype})
	return len(r.s.jobs) - 1
}

// lookupAll asks the questions queued from index from on, in parallel,
// and returns when all are answered. Questions about names that an
// earlier answer showed not to exist are not asked (inferAbsent); answers
// the resolver has cached are taken next without a goroutine
// (CacheResolver); one question left is asked inline.
func (r *resolution) lookupAll(from int) {
	jobs := r.s.jobs[from:]
	r.ask(jobs)
	r.noteAbsent(jobs)
	if !r.opts.NoTrace {
		r.stamp(jobs)
	}
}

// ask answers jobs: by inference, from the cache, or on the wire.
func (r *resolution) ask(jobs []job) {
	pending := len(jobs)
	if len(r.s.absent) > 0 {
		pending -= r.inferAbsent(jobs)
	}
	if r.cr != nil && pending > 0 {
		pending -= r.fromCache(jobs)
	}
	if pending == 0 {
		return
	}
	if r.noAnswer != "" {
		r.notAsked(jobs)
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
	r.noteNoAnswer(jobs)
}

// noteNoAnswer remembers the first of jobs that no DNS server answered in
// time. Every server was tried for it, so waiting for each further
// question in turn would only multiply the wait (issue 9: a silent name
// server cost 12 s); the rest of the resolution asks nothing more.
func (r *resolution) noteNoAnswer(jobs []job) {
	for i := range jobs {
		if r.noAnswer == "" && r.noDNSAnswer(jobs[i].err) {
			r.noAnswer = jobs[i].qtype.String() + " " + jobs[i].name
		}
	}
}

// noDNSAnswer reports whether err says that no DNS server answered in
// time (the Resolver's contract), rather than that the caller's context
// ended.
func (r *resolution) noDNSAnswer(err error) bool {
	return err != nil && r.ctx.Err() == nil && errors.Is(err, ErrNoDNSAnswer)
}

// notAsked fails the unanswered jobs without asking: no server answered
// an earlier question of this resolution.
func (r *resolution) notAsked(jobs []job) {
	for i := range jobs {
		if jobs[i].ans == nil && jobs[i].err == nil {
			jobs[i].err = &notAskedError{first: r.noAnswer}
		}
	}
}

// notAskedError is the error of a question not asked because no DNS
// server answered an earlier one, first ("NAPTR example.com.").
type notAskedError struct{ first string }

func (e *notAskedError) Error() string {
	return "not asked: the DNS servers did not answer " + e.first
}

func (e *notAskedError) Unwrap() error { return ErrNoDNSAnswer }

// fromCache answers the jobs the resolver has cached and returns how many.
func (r *resolution) fromCache(jobs []job) int {
	n := 0
	for i := range jobs {
		if jobs[i].ans != nil {
			continue
		}
		if a, ok := r.cr.LookupCached(jobs[i].name, jobs[i].qtype); ok {
			jobs[i].ans = a
			n++
		}
	}
	return n
}

// inferAbsent answers, without asking, the jobs whose name is a name this
// resolution found not to exist or lies under one, and returns how many.
// An NXDOMAIN answer says the name owns no records of any type (RFC 2308
// §5: the negative answer is for the name, not only the type asked) and
// that nothing exists under it (RFC 8020 §2), so after NXDOMAIN for the
// domain's NAPTR neither _sip._udp.<domain> SRV nor the domain's A/AAAA
// can exist.
func (r *resolution) inferAbsent(jobs []job) int {
	n := 0
	for i := range jobs {
		for _, a := range r.s.absent {
			if isSubDomain(absentName(a), jobs[i].name) {
				jobs[i].ans, jobs[i].under = a, a
				n++
				break
			}
		}
	}
	return n
}

// noteAbsent remembers the NXDOMAIN answers of jobs for inferAbsent.
func (r *resolution) noteAbsent(jobs []job) {
	for i := range jobs {
		if a := jobs[i].ans; a != nil && jobs[i].under == nil && a.NXDOMAIN {
			r.s.absent = append(r.s.absent, a)
		}
	}
}

// absentName returns the name an NXDOMAIN answer says does not exist: the
// name asked, or the target of the last CNAME followed, since the rcode
// speaks of the last name in the chain (RFC 6604 §2); the names before it
// exist, as CNAMEs.
func absentName(a *Answer) string {
	if len(a.CNAMEs) > 0 {
		return a.CNAMEs[len(a.CNAMEs)-1].Target
	}
	return a.Name
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
func (r *resolution) answer(i int) (*Answer, bool) {
	j := &r.s.jobs[i]
	switch {
	case j.err != nil:
		r.fail(&Error{Name: j.name, Step: j.qtype.String(), Err: j.err})
		return nil, false
	case j.under != nil && r.notFound != nil:
		return nil, false // not asked: the NXDOMAIN that settled it is the reason to report
	case j.ans.NotFound():
		cause := ErrNoRecords
		if j.ans.NXDOMAIN {
			cause = ErrNXDOMAIN
		}
		r.notFound = &Error{Name: j.name, Step: j.qtype.String(), Server: j.ans.Server, NotFound: true, Err: cause}
		return nil, false
	}
	return j.ans, true
}

// note adds an explanation to job i's Query.Notes; nothing without a
// trace. The message is formatted only when it will be shown.
func (r *resolution) note(i int, format string, args ...any) {
	if !r.opts.NoTrace {
		r.s.jobs[i].notes = append(r.s.jobs[i].notes, fmt.Sprintf(format, args...))
	}
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
	q := Query{Name: j.name, Type: j.qtype.String(), RTT: j.rtt, Notes: j.notes}
	switch {
	case j.err != nil:
		q.Err = j.err.Error()
		return q
	case j.under != nil:
		q.Rcode, q.TTL, q.Inferred = "NXDOMAIN", j.under.TTL(j.at), absentName(j.under)
		return q
	}
	a := j.ans
	q.Rcode, q.TTL, q.RTT, q.Cached, q.Server = a.rcode(), a.TTL(j.at), a.RTT, a.Cached, a.Server
	for i := range a.CNAMEs {
		q.Answers = append(q.Answers, a.CNAMEs[i].String())
	}
	for i := range a.NAPTR {
		q.Answers = append(q.Answers, a.NAPTR[i].String())
	}
	for i := range a.SRV {
		q.Answers = append(q.Answers, a.SRV[i].String())
	}
	for i := range a.Addrs {
		q.Answers = append(q.Answers, a.Addrs[i].String())
	}
	return q
}

// isSubDomain reports whether child is parent or lies under it; both are
// fully qualified, compared without regard to case.
func isSubDomain(parent, child string) bool {
	if parent == "." {
		return true
	}
	if len(child) < len(parent) || !strings.EqualFold(child[len(child)-len(parent):], parent) {
		return false
	}
	return len(child) == len(parent) || child[len(child)-len(parent)-1] == '.'
}
