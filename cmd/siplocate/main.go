// Command siplocate finds SIP servers through DNS (RFC 3263), stays
// registered with them when they fail, and serves the DNS and SIP parts of a
// lab. See README.md for the tour.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
