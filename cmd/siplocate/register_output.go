package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/siplocate/siplocate/demo"
	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
)

// timeline prints register events as a timeline or as JSON lines.
type timeline struct {
	w     io.Writer
	json  bool
	start time.Time
	wall  bool // --timestamps wall: the wall clock's time instead of the offset
	mu    sync.Mutex
}

func newTimeline(w io.Writer, asJSON bool, start time.Time) *timeline {
	return &timeline{w: w, json: asJSON, start: start}
}

// timelineJSON is the --json shape, version 0, of the family lookup
// --json belongs to ("version", targets as objects): stable field names,
// omitted when empty.
type timelineJSON struct {
	Version    int           `json:"version"`
	Time       string        `json:"time"`
	Offset     float64       `json:"offset_s"`
	Account    string        `json:"account"`
	Event      string        `json:"event"`
	Target     *eventTarget  `json:"target,omitempty"`
	From       *eventTarget  `json:"from,omitempty"`
	Outcome    string        `json:"outcome,omitempty"`
	Attempt    int           `json:"attempt,omitempty"`
	Attempts   int           `json:"max_attempts,omitempty"`
	Status     int           `json:"status,omitempty"`
	Expires    float64       `json:"expires_s,omitempty"`
	Retry      float64       `json:"retry_s,omitempty"`
	Targets    []eventTarget `json:"targets,omitempty"`
	DNSQueries int           `json:"dns_queries,omitempty"`
	DNSCached  int           `json:"dns_cached,omitempty"`
	Error      string        `json:"error,omitempty"`
}

// eventTarget is a target in --json: the names lookup --json uses.
type eventTarget struct {
	Transport string `json:"transport"`
	Address   string `json:"address"`
	Port      uint16 `json:"port"`
	Host      string `json:"host,omitempty"`
}

// targetObject returns t for --json, nil for no target; the host, from
// DNS, made printable.
func targetObject(t locate.Target) *eventTarget {
	if !t.Addr.IsValid() {
		return nil
	}
	return &eventTarget{Transport: string(t.Transport), Address: t.Addr.String(), Port: t.Port, Host: logsafe.Quote(t.Host)}
}

func (p *timeline) print(e register.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		_ = json.NewEncoder(p.w).Encode(p.toJSON(e))
		return
	}
	// Reason phrases and DNS names come from the network: see internal/logsafe.
	fmt.Fprintf(p.w, "%s  %s  %s\n", p.stamp(e.Time), logsafe.Quote(e.Account), logsafe.Quote(e.String()))
}

// stamp returns a line's time: the offset since the start ("  +1.500s"),
// or with --timestamps wall the wall clock's, in UTC to the millisecond.
func (p *timeline) stamp(t time.Time) string {
	if p.wall {
		return t.UTC().Format(wallFormat)
	}
	return fmt.Sprintf("%+9.3fs", t.Sub(p.start).Seconds())
}

// wallFormat is the --timestamps wall format, the demo's too.
const wallFormat = demo.WallFormat

// timestampsFlag checks --timestamps: relative (the default) or wall.
func timestampsFlag(v string) (wall bool, err error) {
	switch v {
	case "relative":
		return false, nil
	case "wall":
		return true, nil
	}
	return false, usageErr("--timestamps %q: want relative or wall", v)
}

func (p *timeline) toJSON(e register.Event) timelineJSON {
	j := timelineJSON{
		Time: e.Time.UTC().Format(time.RFC3339Nano), Offset: secondsMS(e.Time.Sub(p.start)),
		Account: logsafe.Quote(e.Account), Event: string(e.Kind), Target: targetObject(e.Target), From: targetObject(e.From),
		Outcome: e.Outcome, Attempt: e.Attempt, Attempts: e.Attempts, Status: e.Status, Expires: e.Expires.Seconds(), Retry: secondsMS(e.Retry),
		DNSQueries: e.Queries, DNSCached: e.CachedQueries,
	}
	for _, t := range e.Targets {
		if o := targetObject(t); o != nil {
			j.Targets = append(j.Targets, *o)
		}
	}
	if e.Err != nil {
		j.Error = logsafe.Quote(e.Err.Error())
	}
	return j
}

func secondsMS(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
