package main

import (
	"fmt"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/metrics"
	"github.com/siplocate/siplocate/register"
)

// httpAddr returns the address of `register --http`, or of --metrics
// (TOML metrics), its deprecated old name, when only that is given; both
// with different addresses is an error.
func httpAddr(http, metrics string) (string, error) {
	switch {
	case http == "":
		return metrics, nil
	case metrics != "" && metrics != http:
		return "", fmt.Errorf("--http %q and metrics %q: metrics is the old name of http (deprecated); give one", http, metrics)
	}
	return http, nil
}

// serveRegisterHTTP serves, on addr, the agent's and the DNS client's
// metrics on /metrics, from a registry of their own (see package
// metrics), and the agent's status on /status. It returns a stop
// function.
func serveRegisterHTTP(g *globals, addr string, a *register.Agent, client *dnsclient.Client) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.Agent(a))
	if client != nil {
		reg.MustRegister(metrics.DNSClient(client))
	}
	srv, err := metrics.Serve(addr, reg, g.logger())
	if err != nil {
		return nil, err
	}
	srv.Handle("/status", statusHandler(a))
	return func() { _ = srv.Close() }, nil
}
