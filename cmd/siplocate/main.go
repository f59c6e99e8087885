// Command siplocate finds SIP servers through DNS (RFC 3263), stays
// registered with them when they fail, and serves the DNS and SIP parts of a
// lab. See README.md for the tour.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/emiago/sipgo/sip"
)

func main() {
	quietSipgo(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// quietSipgo sets sipgo's package-wide logger, which it uses beside the
// loggers we give it for internal bookkeeping ("TCP ref went negative"
// when a connection closes): errors only, everything with -v. It is
// process-wide state, so only main sets it, before anything runs.
func quietSipgo(args []string) {
	level := slog.LevelError
	if slices.Contains(args, "-v") || slices.Contains(args, "--verbose") {
		level = slog.LevelDebug
	}
	sip.SetDefaultLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}
