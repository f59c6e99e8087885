package main

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// errDurationUnit is what every flag and TOML key that takes a duration
// says about a bare number or other text that is not one (issue 14).
var errDurationUnit = errors.New("want a duration such as 60s or 5m")

// parseDuration parses a duration with its unit ("60s", "5m", "1h30m",
// "1.5s"). A bare number is refused: "60" could be seconds or minutes, and
// the registrar's expiries once took bare seconds while everything else took
// units. "0" alone is the one number accepted, as time.ParseDuration has it:
// it means the same in every unit.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, errDurationUnit
	}
	return d, nil
}

// durationValue is a pflag.Value parsed by parseDuration.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }
func (d *durationValue) Type() string   { return "duration" }

// durationVar defines a duration flag, the one way every subcommand does.
func durationVar(fl *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fl.Var((*durationValue)(p), name, usage)
}
