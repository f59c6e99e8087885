package locate

import (
	"cmp"
	"slices"
)

// intner is the part of *rand.Rand (math/rand/v2) the SRV order needs.
type intner interface{ IntN(n int) int }

// orderSRV reorders rrs in place as RFC 2782 "Usage rules" say: by
// priority, lowest first; within one priority, by weighted random
// selection (shuffleByWeight).
func orderSRV(rrs []*SRV, r intner) {
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
func sortByPriority(rrs []*SRV) {
	byPriority := func(a, b *SRV) int { return cmp.Compare(a.Priority, b.Priority) }
	if !slices.IsSortedFunc(rrs, byPriority) { // servers often list them in order already
		slices.SortStableFunc(rrs, byPriority)
	}
}

// sharedPriority reports whether two records of rrs, sorted by priority,
// have the same priority, so that ordering them takes random draws.
func sharedPriority(rrs []*SRV) bool {
	for i := 1; i < len(rrs); i++ {
		if rrs[i].Priority == rrs[i-1].Priority {
			return true
		}
	}
	return false
}

// shuffleByWeight orders SRV records of one priority by RFC 2782's
// weighted selection ("larger weights SHOULD be given a proportionately
// higher probability of being selected"), whatever the order the records
// came in: servers such as NSD, Knot and BIND return an RRset in a fixed
// order (issue 9).
//
// Each round picks the next record among those left: a record of weight
// w > 0 with probability w/(sum+1) when weight-0 records are left and
// w/sum otherwise, sum being the total weight left; the weight-0 records
// left share the remaining 1/(sum+1) equally. That keeps the RFC's "very
// small chance" for weight 0 (its draw in [0, sum] gives the 0 to a
// weight-0 record) without its bias: the RFC's running-sum walk also
// hands the 0 to the first-listed record when no weight-0 record is left,
// one extra chance in sum+1 that small weights cannot hide. A weight-0
// record is never more likely than a positive one: at most 1/(sum+1)
// against at least 1/(sum+1), equal only for one weight-0 record beside
// a weight of 1. With every weight 0 the order is uniformly random.
// See STYLE.md §6 "Copy-pasted algorithms".
func shuffleByWeight(rrs []*SRV, r intner) {
	sum, zeros := 0, 0
	for _, rr := range rrs {
		sum += int(rr.Weight)
		if rr.Weight == 0 {
			zeros++
		}
	}
	for i := 0; i < len(rrs)-1; i++ {
		pick := i + pickWeighted(rrs[i:], sum, zeros, r)
		// Take rrs[pick] out and put it at i, keeping the rest in order.
		chosen := rrs[pick]
		copy(rrs[i+1:pick+1], rrs[i:pick])
		rrs[i] = chosen
		if sum -= int(chosen.Weight); chosen.Weight == 0 {
			zeros--
		}
	}
}

// pickWeighted returns the index in rrs of the record to take next, as
// shuffleByWeight says; sum is the records' total weight and zeros how
// many have weight 0.
func pickWeighted(rrs []*SRV, sum, zeros int, r intner) int {
	var n int
	switch {
	case zeros == 0:
		n = r.IntN(sum) + 1 // uniform in [1, sum]
	case sum > 0:
		n = r.IntN(sum + 1) // uniform in [0, sum]: 0 stands for the weight-0 records
	}
	if n == 0 {
		return nthZero(rrs, r.IntN(zeros))
	}
	running := 0
	for j, rr := range rrs {
		if running += int(rr.Weight); rr.Weight > 0 && running >= n {
			return j
		}
	}
	return len(rrs) - 1 // not reached: n <= sum
}

// nthZero returns the index of the k-th (from 0) weight-0 record in rrs.
func nthZero(rrs []*SRV, k int) int {
	for j, rr := range rrs {
		if rr.Weight == 0 {
			if k == 0 {
				return j
			}
			k--
		}
	}
	return len(rrs) - 1 // not reached: k < zeros
}

// decidedlyUnavailable reports whether an SRV RRset says "the service is
// decidedly not available at this domain" (RFC 2782): its only record has
// target ".". An RRset whose records all have target "." is read the same
// way; a "." among other targets is skipped.
func decidedlyUnavailable(rrs []SRV) bool {
	if len(rrs) == 0 {
		return false
	}
	for i := range rrs {
		if rrs[i].Target != "." {
			return false
		}
	}
	return true
}
