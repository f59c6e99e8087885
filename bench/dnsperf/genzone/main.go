// Command genzone writes the zone and the query file of the dnsperf
// benchmark (bench/dnsperf/run): N SIP domains under one zone, each set up
// the way RFC 3263 expects and the guide's zone is, and a dnsperf query
// file mixing the NAPTR, SRV and A questions a SIP client asks.
//
// Domain dK.ORIGIN has two NAPTR records (SIP+D2U and SIP+D2T, flag "S"),
// two SRV records per transport (priority 10 sip1, priority 20 sip2) and an
// A and an AAAA record for each target. The query file asks, per domain,
// NAPTR dK, SRV _sip._udp.dK and _sip._tcp.dK, and A sip1.dK and sip2.dK
// (20% NAPTR, 40% SRV, 40% A), in an order shuffled with a fixed seed so
// that every run and every server gets the same sequence.
//
// Usage:
//
//	go run ./bench/dnsperf/genzone -domains 1000 -origin bench.test. -zone z.zone -queries q.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

func main() {
	domains := flag.Int("domains", 1000, "number of SIP domains")
	origin := flag.String("origin", "bench.test.", "zone name (fully qualified)")
	zoneFile := flag.String("zone", "bench.zone", "zone file to write")
	queryFile := flag.String("queries", "queries.txt", "dnsperf query file to write")
	flag.Parse()
	if err := run(*domains, *origin, *zoneFile, *queryFile); err != nil {
		fmt.Fprintf(os.Stderr, "genzone: %v\n", err)
		os.Exit(1)
	}
}

// run writes both files.
func run(domains int, origin, zoneFile, queryFile string) error {
	if domains < 1 || domains > 1_000_000 {
		return fmt.Errorf("-domains %d: want 1 to 1000000", domains)
	}
	if err := writeFile(zoneFile, func(w io.Writer) error { return writeZone(w, domains, origin) }); err != nil {
		return err
	}
	return writeFile(queryFile, func(w io.Writer) error { return writeQueries(w, domains, origin) })
}

// writeFile creates name and writes it with fill through a buffer.
func writeFile(name string, fill func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fill(w); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.Close()
}

// writeZone writes the zone: SOA, NS and the domains' records.
func writeZone(w io.Writer, domains int, origin string) error {
	fmt.Fprintf(w, "$ORIGIN %s\n$TTL 300\n", origin)
	fmt.Fprintf(w, "@ IN SOA ns1 hostmaster 2026112501 3600 600 604800 60\n@ IN NS ns1\nns1 IN A 127.0.5.53\n")
	for k := 1; k <= domains; k++ {
		writeDomain(w, k)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// writeDomain writes the records of domain dK, as RFC 3263 §4 resolves them.
func writeDomain(w io.Writer, k int) {
	d := fmt.Sprintf("d%d", k)
	fmt.Fprintf(w, "%s IN NAPTR 10 50 \"S\" \"SIP+D2U\" \"\" _sip._udp.%s\n", d, d)
	fmt.Fprintf(w, "%s IN NAPTR 20 50 \"S\" \"SIP+D2T\" \"\" _sip._tcp.%s\n", d, d)
	for _, proto := range []string{"_udp", "_tcp"} {
		fmt.Fprintf(w, "_sip.%s.%s IN SRV 10 0 5060 sip1.%s\n", proto, d, d)
		fmt.Fprintf(w, "_sip.%s.%s IN SRV 20 0 5060 sip2.%s\n", proto, d, d)
	}
	a, b := k/250, k%250
	fmt.Fprintf(w, "sip1.%s IN A 10.1.%d.%d\nsip1.%s IN AAAA 2001:db8:1::%x\n", d, a, b, d, k)
	fmt.Fprintf(w, "sip2.%s IN A 10.2.%d.%d\nsip2.%s IN AAAA 2001:db8:2::%x\n", d, a, b, d, k)
}

// writeQueries writes the dnsperf query file ("name type" per line).
func writeQueries(w io.Writer, domains int, origin string) error {
	var qs []string
	for k := 1; k <= domains; k++ {
		d := fmt.Sprintf("d%d.%s", k, origin)
		qs = append(qs, d+" NAPTR", "_sip._udp."+d+" SRV", "_sip._tcp."+d+" SRV", "sip1."+d+" A", "sip2."+d+" A")
	}
	r := rand.New(rand.NewPCG(2026, 1125))
	r.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	for _, q := range qs {
		if _, err := fmt.Fprintln(w, q); err != nil {
			return err
		}
	}
	return nil
}
