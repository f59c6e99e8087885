package main

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"

	"github.com/siplocate/siplocate/register"
)

// watchSignals answers sigRegisterStatus (SIGUSR1) while the agent runs:
// the accounts' status goes to stdout, as a table, or as one JSON line
// (statusJSON) with --json so that stdout stays JSON lines. It returns a
// function that stops watching and waits for the watcher to end.
func watchSignals(ctx context.Context, g *globals, a *register.Agent, asJSON bool) func() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, sigRegisterStatus)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sigs:
				printStatus(g, a, asJSON)
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		cancel()
		<-done
	}
}

// printStatus writes the agent's status to stdout.
func printStatus(g *globals, a *register.Agent, asJSON bool) {
	st := statusOf(a.Status())
	if asJSON {
		_ = json.NewEncoder(g.stdout).Encode(st)
		return
	}
	printStatusTable(g.stdout, st)
}
