package locatetest_test

import (
	"testing"
	"time"

	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/register"
)

// The kit's clock is what register's Config.Clock takes.
var _ register.Clock = locatetest.NewClock(time.Time{})

func TestClockFiresInOrder(t *testing.T) {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	c := locatetest.NewClock(start)
	var got []time.Duration
	c.AfterFunc(2*time.Second, func() { got = append(got, c.Now().Sub(start)) })
	c.AfterFunc(time.Second, func() { got = append(got, c.Now().Sub(start)) })
	c.Advance(90 * time.Second / 60) // 1.5 s: only the first
	if len(got) != 1 || got[0] != time.Second {
		t.Fatalf("after 1.5 s fired %v, want [1s]", got)
	}
	c.Advance(time.Second)
	if len(got) != 2 || got[1] != 2*time.Second {
		t.Fatalf("after 2.5 s fired %v, want [1s 2s]", got)
	}
}
