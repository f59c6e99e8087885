package dnsclient

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// evictSample is how many entries eviction looks at for an expired one
// before it drops the first it saw.
const evictSample = 8

type cacheKey struct {
	name  string // lower-case, fully qualified
	qtype uint16
}

// cache maps (name, type) to immutable answers. When full, inserting a
// new key evicts one entry: the first expired entry among up to
// evictSample entries, else the first of them. Go randomises map
// iteration, so this is random eviction preferring expired entries: O(1)
// per insert, no list to maintain on the read path.
type cache struct {
	mu      sync.RWMutex
	m       map[cacheKey]*Answer
	max     int
	evicted atomic.Uint64
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	return &cache{m: make(map[cacheKey]*Answer), max: size}
}

// get returns the answer for k if it is still valid at now. It does not
// allocate.
func (c *cache) get(k cacheKey, now time.Time) *Answer {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	a := c.m[k]
	c.mu.RUnlock()
	if a == nil || !now.Before(a.Expires) {
		return nil
	}
	return a
}

// put stores a for k; with keep set it leaves a valid entry in place
// (additional data ranks below answers, RFC 2181 §5.4.1).
func (c *cache) put(k cacheKey, a *Answer, now time.Time, keep bool) {
	if c == nil || !now.Before(a.Expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.m[k]
	if keep && ok && now.Before(old.Expires) {
		return
	}
	if !ok && len(c.m) >= c.max {
		c.evictOne(now)
	}
	c.m[k] = a
}

// evictOne drops one entry; c.mu must be held.
func (c *cache) evictOne(now time.Time) {
	var victim cacheKey
	n := 0
	for k, a := range c.m {
		if !now.Before(a.Expires) {
			victim = k
			break
		}
		if n == 0 {
			victim = k
		}
		if n++; n >= evictSample {
			break
		}
	}
	delete(c.m, victim)
	c.evicted.Add(1)
}

func (c *cache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// canonical returns name lower-cased and fully qualified, allocating only
// when it is not already (DNS names compare case-insensitively, RFC 4343).
func canonical(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			name = strings.ToLower(name)
			break
		}
	}
	if len(name) == 0 || name[len(name)-1] != '.' || isEscapedDot(name) {
		name += "."
	}
	return name
}

// isEscapedDot reports whether name's final dot is escaped ("a\.").
func isEscapedDot(name string) bool {
	n := 0
	for i := len(name) - 2; i >= 0 && name[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}
