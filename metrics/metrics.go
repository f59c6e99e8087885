// Package metrics exports siplocate's counters to Prometheus. The packages
// that count (register, dnsserver, dnsclient) keep plain values and know
// nothing of Prometheus; this package reads them at each scrape, so the
// Prometheus client stays at the edge of the module, with the command.
//
// Every counter is exported from 0, before its first event; times are in
// seconds (`_seconds`); a target is labelled by its parts (transport,
// address, port, host), never one free-text label. Every registry made by
// NewRegistry carries siplocate_build_info.
//
//	reg := metrics.NewRegistry()
//	reg.MustRegister(metrics.Agent(agent), metrics.DNSClient(client))
//	srv, err := metrics.Serve("127.0.0.1:9464", reg, logger)
package metrics

import (
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// NewRegistry returns a registry of its own (no Go runtime metrics) with
// siplocate_build_info in it.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(buildInfo())
	return reg
}

// buildInfo returns siplocate_build_info{version,revision,goversion} 1,
// from the binary's build information as `siplocate --version` reads it.
func buildInfo() prometheus.Collector {
	version, revision, goversion := "devel", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, goversion = bi.Main.Version, bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "siplocate_build_info",
		Help:        "1, labelled with the module version, the VCS revision and the Go version of the build.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": goversion},
	})
	g.Set(1)
	return g
}
