package locate

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

func srvs(lines ...string) []*dns.SRV {
	var out []*dns.SRV
	for _, rr := range dnstest.RRs(lines...) {
		out = append(out, rr.(*dns.SRV))
	}
	return out
}

func targets(rrs []*dns.SRV) []string {
	var out []string
	for _, s := range rrs {
		out = append(out, s.Target)
	}
	return out
}

// TestShuffleByWeightChiSquare checks the first pick of RFC 2782's
// weighted selection over 100,000 draws from a fixed seed with Pearson's
// chi-square test at p = 0.001. With the draw in [0, sum] inclusive, the
// first record in the list (after the weight-0 ones are put first) has
// weight+1 chances in sum+1 and every other record weight chances. The
// weight-0 case fails for Go's net-style Intn(sum), which never picks it.
func TestShuffleByWeightChiSquare(t *testing.T) {
	tests := []struct {
		name     string
		weights  []uint16
		critical float64 // chi-square critical value at p = 0.001 for len(weights)-1 dof
	}{
		{name: "60/30/10", weights: []uint16{60, 30, 10}, critical: 13.816},
		{name: "weight 0 can be picked first", weights: []uint16{60, 0, 30, 10}, critical: 16.266},
	}
	const draws = 100_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, 2782))
			base := make([]*dns.SRV, len(tt.weights))
			for i, w := range tt.weights {
				base[i] = &dns.SRV{Weight: w, Target: string(rune('a'+i)) + "."}
			}
			counts := map[string]int{}
			rrs := make([]*dns.SRV, len(base))
			for range draws {
				copy(rrs, base)
				shuffleByWeight(rrs, r)
				counts[rrs[0].Target]++
			}
			expected := expectedFirst(base)
			chi2 := 0.0
			for target, p := range expected {
				e := p * draws
				d := float64(counts[target]) - e
				chi2 += d * d / e
			}
			t.Logf("counts %v, chi-square %.2f (critical %.3f)", counts, chi2, tt.critical)
			if chi2 > tt.critical {
				t.Errorf("chi-square %.2f > %.3f: first picks %v do not follow RFC 2782 weights", chi2, tt.critical, counts)
			}
		})
	}
}

// expectedFirst returns the probability of each record being picked first
// under RFC 2782's rule, computed independently of shuffleByWeight.
func expectedFirst(rrs []*dns.SRV) map[string]float64 {
	ordered := slices.Clone(rrs)
	slices.SortStableFunc(ordered, func(a, b *dns.SRV) int { // weight 0 first
		return min(int(a.Weight), 1) - min(int(b.Weight), 1)
	})
	sum := 0
	for _, s := range ordered {
		sum += int(s.Weight)
	}
	p := map[string]float64{}
	for i, s := range ordered {
		chances := float64(s.Weight)
		if i == 0 {
			chances++ // the draw 0 goes to the first record
		}
		p[s.Target] = chances / float64(sum+1)
	}
	return p
}

func TestOrderSRV(t *testing.T) {
	rrs := srvs(
		`_sip._udp.example.com. 60 IN SRV 20 10 5060 c.example.com.`,
		`_sip._udp.example.com. 60 IN SRV 10 60 5060 a.example.com.`,
		`_sip._udp.example.com. 60 IN SRV 30 0 5060 d.example.com.`,
		`_sip._udp.example.com. 60 IN SRV 10 40 5060 b.example.com.`,
	)
	// The same seed gives the same order every time.
	first := slices.Clone(rrs)
	orderSRV(first, rand.New(rand.NewPCG(7, 7)))
	for range 20 {
		again := slices.Clone(rrs)
		orderSRV(again, rand.New(rand.NewPCG(7, 7)))
		if !slices.Equal(targets(again), targets(first)) {
			t.Fatalf("same seed, different order: %q then %q", targets(first), targets(again))
		}
	}
	// Priorities ascend whatever the draw.
	r := rand.New(rand.NewPCG(1, 1))
	seen := map[string]int{}
	for range 1000 {
		got := slices.Clone(rrs)
		orderSRV(got, r)
		tg := targets(got)
		if tg[2] != "c.example.com." || tg[3] != "d.example.com." {
			t.Fatalf("order %q: priorities not ascending", tg)
		}
		seen[tg[0]]++
	}
	if seen["a.example.com."] == 0 || seen["b.example.com."] == 0 {
		t.Errorf("first picks %v: both weights of priority 10 should come first sometimes", seen)
	}
}

func TestShuffleByWeightAllZero(t *testing.T) {
	// With every weight 0 the draw is always 0 and the first remaining
	// record wins each round: RFC 2782's rule keeps the order the records
	// came in (it leaves it to the server to list them at random).
	rrs := srvs(`x. 1 IN SRV 0 0 1 a.`, `x. 1 IN SRV 0 0 1 b.`, `x. 1 IN SRV 0 0 1 c.`)
	shuffleByWeight(rrs, rand.New(rand.NewPCG(3, 3)))
	if got, want := targets(rrs), []string{"a.", "b.", "c."}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

func TestDecidedlyUnavailable(t *testing.T) {
	tests := []struct {
		name string
		rrs  []dns.RR
		want bool
	}{
		{name: "single dot", rrs: dnstest.RRs(`_sip._udp.x. 60 IN SRV 0 0 0 .`), want: true},
		{name: "all dots", rrs: dnstest.RRs(`_sip._udp.x. 60 IN SRV 0 0 0 .`, `_sip._udp.x. 60 IN SRV 1 0 0 .`), want: true},
		{name: "dot among others", rrs: dnstest.RRs(`_sip._udp.x. 60 IN SRV 0 0 0 .`, `_sip._udp.x. 60 IN SRV 0 0 5060 a.x.`)},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decidedlyUnavailable(tt.rrs); got != tt.want {
				t.Errorf("decidedlyUnavailable = %v, want %v", got, tt.want)
			}
		})
	}
}
