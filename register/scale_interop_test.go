package register

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
)

// TestInteropKamailioScale measures N accounts (SIPLOCATE_SCALE, default
// 10,000) registering with digest authentication against one Kamailio on
// 127.0.0.13: registrations per second, and the Go heap and stacks per
// idle account once every account is registered. It runs only with
// SIPLOCATE_MEASURE=1 and asserts nothing about the figures.
func TestInteropKamailioScale(t *testing.T) {
	if os.Getenv("SIPLOCATE_MEASURE") == "" {
		t.Skip("measurement: set SIPLOCATE_MEASURE=1 (and SIPLOCATE_INTEROP=1)")
	}
	testenv.RequireInterop(t)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SIPLOCATE_SCALE")); err == nil && v > 0 {
		n = v
	}
	users := make(map[string]string, n)
	accounts := make([]Account, n)
	for i := range n {
		user := fmt.Sprintf("user%d", i)
		users[user] = "pw" + strconv.Itoa(i)
		accounts[i] = Account{
			AOR: "sip:" + user + "@" + labDomain, Password: users[user], Server: labDomain,
			DNSMode: locate.ModeStatic, PrimaryIP: labPrimary, Transports: []locate.Transport{locate.UDP},
		}
	}
	k := kamailiotest.Start(t, kamailiotest.Config{Addr: labPrimary, Port: 5060, Users: users, Transports: []string{"udp"}, Workers: 4})
	registered := make(chan struct{}, n)
	var unregistered atomic.Int64
	a, err := New(Config{Accounts: accounts, Locator: &locate.Locator{}, Logger: testLogger(), OnEvent: func(e Event) {
		switch e.Kind {
		case Registered:
			registered <- struct{}{}
		case Unregistered:
			unregistered.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	stop := sync.OnceFunc(runAgent(t, a))
	defer stop()
	for i := range n {
		select {
		case <-registered:
		case <-time.After(120 * time.Second):
			t.Fatalf("%d of %d registered after 120 s without progress", i, n)
		}
	}
	elapsed := time.Since(start)
	time.Sleep(6 * time.Second) // idle: past Timer K (T4, 5 s), no transaction left
	if f, err := os.Create(os.Getenv("SIPLOCATE_HEAPPROFILE")); err == nil {
		runtime.GC()
		_ = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	for range 4 {
		runtime.GC() // each GC may halve the stacks that grew while registering
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("MEASURE scale: heap in use %.1f MiB (before %.1f), stacks %.1f MiB (before %.1f)",
		float64(after.HeapInuse)/(1<<20), float64(before.HeapInuse)/(1<<20), float64(after.StackInuse)/(1<<20), float64(before.StackInuse)/(1<<20))
	used := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
	t.Logf("MEASURE scale: %d accounts registered in %.2fs: %.0f registrations/s; %.1f MiB heap+stacks idle: %.2f KiB per account; goroutines %d",
		n, elapsed.Seconds(), float64(n)/elapsed.Seconds(), used/(1<<20), used/1024/float64(n), runtime.NumGoroutine())
	if bs, err := k.Locations(); err == nil {
		t.Logf("MEASURE scale: Kamailio holds %d bindings", len(bs))
	}
	stopped := time.Now()
	stop()
	t.Logf("MEASURE scale: stopped in %.2fs, %d of %d unregistered", time.Since(stopped).Seconds(), unregistered.Load(), n)
	if bs, err := k.Locations(); err == nil {
		t.Logf("MEASURE scale: Kamailio holds %d bindings after the stop", len(bs))
	}
}
