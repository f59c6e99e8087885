package locate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// silentFake answers every question with the error a resolver returns when
// no configured server answered in time.
type silentFake struct{ *fakeResolver }

func (s silentFake) Lookup(ctx context.Context, name string, qtype Type) (*Answer, error) {
	s.fakeResolver.Lookup(ctx, name, qtype) //nolint:errcheck // records the question
	return nil, fmt.Errorf("%w: lookup %s %s on 192.0.2.53:53: no answer in time", ErrNoDNSAnswer, name, qtype)
}

// TestLocateDeadServerNoticedOnce checks issue 9 item 5: once every server
// timed out for one question, the rest of the resolution asks nothing more
// (with a silent server each question cost the whole timeout, one after
// the other), the trace says why, and the error wraps ErrNoDNSAnswer.
func TestLocateDeadServerNoticedOnce(t *testing.T) {
	f := silentFake{newFake()}
	res, err := newTestLocator(f).Locate(context.Background(), "sip:example.com", Options{})
	if !errors.Is(err, ErrNoDNSAnswer) || len(res.Targets) != 0 {
		t.Fatalf("Locate: %v with %d targets; want ErrNoDNSAnswer and none", err, len(res.Targets))
	}
	if got, want := f.askedSorted(), []string{"NAPTR example.com."}; !slices.Equal(got, want) {
		t.Errorf("asked %q, want %q only", got, want)
	}
	if len(res.Queries) < 2 {
		t.Fatalf("trace %q: want the questions not asked listed too", queryStrings(res.Queries))
	}
	for _, q := range res.Queries[1:] {
		if q.Err == "" || q.Server != "" {
			t.Errorf("query %+v: want an error saying it was not asked", q)
		}
	}
}
