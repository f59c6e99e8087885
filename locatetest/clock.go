package locatetest

import (
	"time"

	"github.com/siplocate/siplocate/internal/fakeclock"
)

// Clock is a fake clock that moves only when the test says so: Now, and
// timers in the manner of time.AfterFunc that fire, in deadline order, as
// Advance passes them, on the caller's goroutine. It fits register.Clock
// (register.Config.Clock) and failover.Health's Now, so refreshes,
// retries and holds are checked exactly and without waiting.
type Clock = fakeclock.Clock

// NewClock returns a Clock that reads start until advanced.
func NewClock(start time.Time) *Clock { return fakeclock.New(start) }
