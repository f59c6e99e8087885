package locate

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds "cpu-ns/op": the process's CPU time per iteration since
// start. On the shared machine wall time (ns/op) includes waiting for a
// core; CPU time does not (it does include GC and runtime work).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// Exported for the external test package's benchmarks.
var (
	CPUTime   = cpuTime
	ReportCPU = reportCPU
)
