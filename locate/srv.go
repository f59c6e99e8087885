package locate

import (
	"cmp"
	"slices"

	"github.com/miekg/dns"
)

// intner is the part of *rand.Rand (math/rand/v2) the SRV order needs.
type intner interface{ IntN(n int) int }

// orderSRV reorders rrs in place as RFC 2782 "Usage rules" say: by
// priority, lowest first; within one priority, by weighted random
// selection (shuffleByWeight).
func orderSRV(rrs []*dns.SRV, r intner) {
	sortByPriority(rrs)
	for i := 0; i < len(rrs); {
		j := i + 1
		for j < len(rrs) && rrs[j].Priority == rrs[i].Priority {
			j++
		}
		shuffleByWeight(rrs[i:j], r)
		i = j
	}
}

// sortByPriority sorts rrs by priority, keeping the order of equals.
func sortByPriority(rrs []*dns.SRV) {
	byPriority := func(a, b *dns.SRV) int { return cmp.Compare(a.Priority, b.Priority) }
	if !slices.IsSortedFunc(rrs, byPriority) { // servers often list them in order already
		slices.SortStableFunc(rrs, byPriority)
	}
}

// sharedPriority reports whether two records of rrs, sorted by priority,
// have the same priority, so that ordering them takes random draws.
func sharedPriority(rrs []*dns.SRV) bool {
	for i := 1; i < len(rrs); i++ {
		if rrs[i].Priority == rrs[i-1].Priority {
			return true
		}
	}
	return false
}

// shuffleByWeight orders SRV records of one priority exactly as RFC 2782
// "Usage rules" describe it: records of weight 0 are put first; then,
// repeatedly, a number is chosen uniformly in [0, sum of the remaining
// weights] INCLUSIVE, and the first record whose running sum is at least
// that number is taken out and goes next.
//
// Because 0 can be drawn, a weight-0 record at the head of the list can
// be picked first (with probability 1/(sum+1)), as RFC 2782 intends ("a
// very small chance of being selected"). Go's net package draws from
// [0, sum) with Intn(sum) and so never picks a weight-0 record first; the
// same inclusive draw also gives the list's first record one extra chance
// in sum+1. See STYLE.md §6 "Copy-pasted algorithms".
func shuffleByWeight(rrs []*dns.SRV, r intner) {
	if len(rrs) < 2 {
		return
	}
	zeroWeightFirst(rrs)
	sum := 0
	for _, rr := range rrs {
		sum += int(rr.Weight)
	}
	for i := 0; i < len(rrs)-1; i++ {
		n := r.IntN(sum + 1) // uniform in [0, sum], sum of the weights of rrs[i:]
		running, pick := 0, len(rrs)-1
		for j := i; j < len(rrs); j++ {
			running += int(rrs[j].Weight)
			if running >= n {
				pick = j
				break
			}
		}
		// Take rrs[pick] out and put it at i, keeping the rest in order.
		chosen := rrs[pick]
		copy(rrs[i+1:pick+1], rrs[i:pick])
		rrs[i] = chosen
		sum -= int(chosen.Weight)
	}
}

// zeroWeightFirst moves the records of weight 0 to the front, keeping the
// relative order within both groups (RFC 2782: "arrange all SRV RRs (that
// have not been ordered yet) in any order, except that all those with
// weight 0 are placed at the beginning of the list").
func zeroWeightFirst(rrs []*dns.SRV) {
	zeroFirst := func(a, b *dns.SRV) int { return cmp.Compare(min(a.Weight, 1), min(b.Weight, 1)) }
	if !slices.IsSortedFunc(rrs, zeroFirst) {
		slices.SortStableFunc(rrs, zeroFirst)
	}
}

// decidedlyUnavailable reports whether an SRV RRset says "the service is
// decidedly not available at this domain" (RFC 2782): its only record has
// target ".". An RRset whose records all have target "." is read the same
// way; a "." among other targets is skipped.
func decidedlyUnavailable(rrs []dns.RR) bool {
	if len(rrs) == 0 {
		return false
	}
	for _, rr := range rrs {
		if srv, ok := rr.(*dns.SRV); !ok || srv.Target != "." {
			return false
		}
	}
	return true
}
