package locate

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/siplocate/siplocate/internal/dnstest"
)

func srvs(lines ...string) []*SRV {
	var out []*SRV
	for _, rr := range dnstest.RRs(lines...) {
		var a Answer
		addRR(&a, rr)
		out = append(out, &a.SRV[0])
	}
	return out
}

// srvSet returns the SRV RRset of lines, as an Answer holds it.
func srvSet(lines ...string) []SRV {
	var out []SRV
	for _, s := range srvs(lines...) {
		out = append(out, *s)
	}
	return out
}

func targets(rrs []*SRV) []string {
	var out []string
	for _, s := range rrs {
		out = append(out, s.Target)
	}
	return out
}

// TestShuffleByWeightChiSquare checks the first pick of RFC 2782's
// weighted selection from a fixed seed with Pearson's chi-square test at
// p = 0.001, over small weights and both orders of the answer: NSD, Knot
// and BIND return an RRset in a fixed order, so the order must not matter
// (issue 9). A positive weight w has w chances in the sum of the positive
// weights, plus one when weight-0 records remain; those share that one
// chance equally (shuffleByWeight).
func TestShuffleByWeightChiSquare(t *testing.T) {
	tests := []struct {
		name     string
		weights  []uint16
		draws    int
		critical float64 // chi-square critical value at p = 0.001 for len(weights)-1 dof
	}{
		{name: "60/30/10", weights: []uint16{60, 30, 10}, draws: 100_000, critical: 13.816},
		{name: "10/30/60", weights: []uint16{10, 30, 60}, draws: 100_000, critical: 13.816},
		{name: "1/2", weights: []uint16{1, 2}, draws: 100_000, critical: 10.828},
		{name: "2/1", weights: []uint16{2, 1}, draws: 100_000, critical: 10.828},
		{name: "1/1/1", weights: []uint16{1, 1, 1}, draws: 100_000, critical: 13.816},
		{name: "0/1", weights: []uint16{0, 1}, draws: 100_000, critical: 10.828},
		{name: "1/0", weights: []uint16{1, 0}, draws: 100_000, critical: 10.828},
		{name: "0/0/0", weights: []uint16{0, 0, 0}, draws: 100_000, critical: 13.816},
		{name: "0/0/1", weights: []uint16{0, 0, 1}, draws: 100_000, critical: 13.816},
		{name: "1/65535", weights: []uint16{1, 65535}, draws: 2_000_000, critical: 10.828},
		{name: "65535/1", weights: []uint16{65535, 1}, draws: 2_000_000, critical: 10.828},
		{name: "60/0/30/10", weights: []uint16{60, 0, 30, 10}, draws: 100_000, critical: 16.266},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, 2782))
			base := make([]*SRV, len(tt.weights))
			for i, w := range tt.weights {
				base[i] = &SRV{Weight: w, Target: string(rune('a'+i)) + "."}
			}
			counts := map[string]int{}
			rrs := make([]*SRV, len(base))
			for range tt.draws {
				copy(rrs, base)
				shuffleByWeight(rrs, r)
				counts[rrs[0].Target]++
			}
			chi2 := 0.0
			for target, p := range expectedFirst(base) {
				e := p * float64(tt.draws)
				d := float64(counts[target]) - e
				chi2 += d * d / e
			}
			t.Logf("counts %v, chi-square %.2f (critical %.3f)", counts, chi2, tt.critical)
			if chi2 > tt.critical {
				t.Errorf("chi-square %.2f > %.3f: first picks %v do not follow the weights", chi2, tt.critical, counts)
			}
		})
	}
}

// expectedFirst returns the probability of each record being picked first,
// computed independently of shuffleByWeight: weight w has w chances, and
// the weight-0 records together one chance, shared equally.
func expectedFirst(rrs []*SRV) map[string]float64 {
	sum, zeros := 0, 0
	for _, s := range rrs {
		sum += int(s.Weight)
		if s.Weight == 0 {
			zeros++
		}
	}
	total := float64(sum)
	if zeros > 0 {
		total++
	}
	p := map[string]float64{}
	for _, s := range rrs {
		if s.Weight == 0 {
			p[s.Target] = 1 / total / float64(zeros)
		} else {
			p[s.Target] = float64(s.Weight) / total
		}
	}
	return p
}

// TestShuffleByWeightZeroNeverPreferred checks, from a fixed seed, that a
// weight-0 record comes first sometimes (RFC 2782: "a very small chance")
// and never more often than a record of positive weight (beyond a margin
// of 3% of the draws: with weights 0 and 1 the two are equally likely).
func TestShuffleByWeightZeroNeverPreferred(t *testing.T) {
	for _, weights := range [][]uint16{{0, 1}, {1, 0}, {0, 0, 1}, {0, 5, 5}, {3, 0, 0, 0, 1}} {
		const draws = 20_000
		r := rand.New(rand.NewPCG(9, 9))
		counts := make([]int, len(weights))
		rrs := make([]*SRV, len(weights))
		for range draws {
			for i, w := range weights {
				rrs[i] = &SRV{Weight: w, Target: string(rune('a'+i)) + "."}
			}
			shuffleByWeight(rrs, r)
			counts[rrs[0].Target[0]-'a']++
		}
		for i, w := range weights {
			for j, w2 := range weights {
				if w == 0 && w2 > 0 && counts[i] > counts[j]+draws*3/100 {
					t.Errorf("weights %v: first picks %v: weight 0 preferred over weight %d", weights, counts, w2)
				}
			}
			if counts[i] == 0 {
				t.Errorf("weights %v: first picks %v: record %d never first", weights, counts, i)
			}
		}
	}
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

func TestDecidedlyUnavailable(t *testing.T) {
	tests := []struct {
		name string
		rrs  []SRV
		want bool
	}{
		{name: "single dot", rrs: srvSet(`_sip._udp.x. 60 IN SRV 0 0 0 .`), want: true},
		{name: "all dots", rrs: srvSet(`_sip._udp.x. 60 IN SRV 0 0 0 .`, `_sip._udp.x. 60 IN SRV 1 0 0 .`), want: true},
		{name: "dot among others", rrs: srvSet(`_sip._udp.x. 60 IN SRV 0 0 0 .`, `_sip._udp.x. 60 IN SRV 0 0 5060 a.x.`)},
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
