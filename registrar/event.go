package registrar

import (
	"fmt"
	"strings"
	"time"

	"github.com/siplocate/siplocate/internal/logsafe"
)

// EventKind says what happened.
type EventKind int

const (
	// EventReceived: a request arrived and passed validation.
	EventReceived EventKind = iota + 1
	// EventAnswered: a final response was sent (Status and Reason say which).
	EventAnswered
	// EventRegistered: a contact was bound to an AOR or its binding refreshed.
	EventRegistered
	// EventUnregistered: a REGISTER removed a binding.
	EventUnregistered
	// EventExpired: a binding reached its expiry.
	EventExpired
	// EventDropped: a message was dropped unanswered (Reason says why).
	EventDropped
)

var eventNames = map[EventKind]string{
	EventReceived: "received", EventAnswered: "answered", EventRegistered: "registered",
	EventUnregistered: "unregistered", EventExpired: "expired", EventDropped: "dropped",
}

func (k EventKind) String() string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one thing the registrar did, for logs, timelines and tests.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Method  string        // request method, when known
	Source  string        // "udp:127.0.0.1:5062": transport and address it came from
	AOR     string        // address-of-record, for REGISTER
	Contact string        // contact URI, for binding events
	Expires time.Duration // granted expiry, for EventRegistered
	Status  int           // response status, for EventAnswered
	Reason  string        // reason phrase or why it was dropped
}

// String returns a one-line summary. Values from the network with control
// characters in them are quoted (logsafe.Quote), the reason always is.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Time.UTC().Format("15:04:05.000"), e.Kind)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, logsafe.Quote(v))
		}
	}
	add("method", e.Method)
	if e.Status != 0 {
		add("status", fmt.Sprint(e.Status))
	}
	add("aor", e.AOR)
	add("contact", e.Contact)
	if e.Kind == EventRegistered {
		add("expires", fmt.Sprint(int(e.Expires.Seconds())))
	}
	add("from", e.Source)
	if e.Reason != "" {
		fmt.Fprintf(&b, " reason=%q", e.Reason)
	}
	return b.String()
}
