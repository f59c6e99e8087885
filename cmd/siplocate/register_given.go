package main

import (
	"cmp"
	"fmt"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"

	"github.com/siplocate/siplocate/register"
)

// accountValues returns, per [[account]] table of text, the keys it sets
// and their raw values, so that a 0 given can be told from a key left out
// and a duration refused in the words the flags use. text has parsed.
func accountValues(text string) []map[string]any {
	var raw struct {
		Account []map[string]any `toml:"account"`
	}
	if _, err := toml.Decode(text, &raw); err != nil {
		return nil
	}
	return raw.Account
}

// flagKeys are the flags whose 0 would silently become the default, and
// the TOML keys they set.
var flagKeys = map[string]string{"expires": "register_expiration", "max-tries": "max_tries", "attempt-timeout": "attempt_timeout"}

// givenKeys returns the keys of one account that its table or a flag set.
func givenKeys(fl *pflag.FlagSet, table map[string]any) map[string]any {
	given := map[string]any{}
	for k, v := range table {
		given[k] = v
	}
	for flag, key := range flagKeys {
		if fl.Changed(flag) {
			given[key] = fromFlag{}
		}
	}
	return given
}

// fromFlag marks a key a flag set (its value was checked as the flag was parsed).
type fromFlag struct{}

// durationKeys are the [[account]] keys that take a duration.
var durationKeys = []string{"register_expiration", "refresh_margin", "attempt_timeout", "probe"}

// maxExpires is register's largest expiry (RFC 3261 §20.19: 2**32-1 s).
const maxExpires = (1<<32 - 1) * time.Second

// check refuses what would otherwise be read wrong or silently replaced:
// a duration that is not a string with its unit (3600, "3600"), in the
// words every duration flag uses; and, when given, an expiry, an attempt
// timeout or a refresh margin of 0 and max_tries 0, which register.Account
// takes as "the default" (1 h, 4 s, a tenth, 3; issue 14). Leaving a key
// out still means the default.
func (p *phoneAccount) check(given map[string]any) *register.ConfigError {
	label := cmp.Or(p.Name, p.UserID, p.account().AOR)
	if p.refused != nil { // a table that did not decode is named by its refusal
		label = p.refused.Account
	}
	bad := func(key, format string, a ...any) *register.ConfigError {
		return &register.ConfigError{Account: label, Key: key, Reason: fmt.Sprintf(format, a...)}
	}
	for _, k := range durationKeys {
		v, ok := given[k]
		if _, flag := v.(fromFlag); !ok || flag {
			continue
		}
		if s, isString := v.(string); !isString {
			return bad(k, "%v: %v", v, errDurationUnit)
		} else if _, err := parseDuration(s); err != nil {
			return bad(k, "%q: %v", s, err)
		}
	}
	if p.refused != nil {
		return p.refused
	}
	_, setExpires := given["register_expiration"]
	_, setTries := given["max_tries"]
	_, setAttempt := given["attempt_timeout"]
	_, setMargin := given["refresh_margin"]
	switch {
	case setExpires && p.RegisterExpiration.Duration == 0:
		return bad("expires", "0s: want from 1s to %v", maxExpires)
	case setTries && p.MaxTries < 1:
		return bad("max_tries", "%d: want 1 or more", p.MaxTries)
	case setAttempt && p.AttemptTimeout.Duration == 0:
		return bad("attempt_timeout", "0s: want more than 0")
	case setMargin && p.RefreshMargin.Duration == 0:
		return bad("refresh_margin", "0s: want more than 0 (leave it out for a tenth of the granted expiry)")
	}
	return nil
}
