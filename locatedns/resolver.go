// Package locatedns lets package locate ask DNS through dnsclient: it
// adapts a *dnsclient.Client to locate.Resolver, mapping dnsclient's
// answers (miekg/dns records) to locate's plain types and a lookup that no
// name server answered in time to locate.ErrNoDNSAnswer.
//
// It is its own small package so that the two it joins stay leaves:
// locate imports neither miekg/dns nor dnsclient, and dnsclient, one query
// to one server, knows nothing of SIP.
//
//	c, err := dnsclient.New(dnsclient.Config{})
//	if err != nil {
//		return err
//	}
//	l := &locate.Locator{Resolver: locatedns.New(c)}
package locatedns

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
)

// maxMemo bounds the conversions a Resolver remembers; past it they are
// all forgotten and made again.
const maxMemo = 4096

// Resolver is a locate.CacheResolver on a dnsclient.Client. It is safe
// for concurrent use.
type Resolver struct {
	c *dnsclient.Client
	// memo maps a cached *dnsclient.Answer to its conversion: cached
	// answers are written once and read many times, what sync.Map is for.
	memo  sync.Map
	memos atomic.Int64 // entries in memo, about
}

// New returns a Resolver that asks c.
func New(c *dnsclient.Client) *Resolver { return &Resolver{c: c} }

// Lookup asks c for (name, t). An error that wraps a dnsclient.Error with
// Timeout set (no server answered in time) wraps locate.ErrNoDNSAnswer too.
func (r *Resolver) Lookup(ctx context.Context, name string, t locate.Type) (*locate.Answer, error) {
	a, err := r.c.Lookup(ctx, name, uint16(t))
	if err != nil {
		var de *dnsclient.Error
		if errors.As(err, &de) && de.Timeout {
			return nil, fmt.Errorf("%w: %w", locate.ErrNoDNSAnswer, err)
		}
		return nil, err
	}
	return r.convert(a), nil
}

// LookupCached returns c's cached answer for (name, t), if one is valid
// now; it never blocks.
func (r *Resolver) LookupCached(name string, t locate.Type) (*locate.Answer, bool) {
	a, ok := r.c.LookupCached(name, uint16(t), r.c.Now())
	if !ok {
		return nil, false
	}
	return r.convert(a), true
}

// convert returns a in locate's types. A cached answer is shared and never
// changes, so its conversion is remembered: a cached locate then converts
// nothing.
func (r *Resolver) convert(a *dnsclient.Answer) *locate.Answer {
	if !a.Cached {
		return answer(a)
	}
	if la, ok := r.memo.Load(a); ok {
		return la.(*locate.Answer)
	}
	if r.memos.Add(1) > maxMemo {
		r.memo.Clear()
		r.memos.Store(1)
	}
	la, _ := r.memo.LoadOrStore(a, answer(a))
	return la.(*locate.Answer)
}
