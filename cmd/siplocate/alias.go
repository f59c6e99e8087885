package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// aliasOf is the annotation of a deprecated flag: the flag it spells.
const aliasOf = "siplocate/alias-of"

// deprecatedAlias adds old as a hidden spelling of the flag name, sharing
// its value: a name that was documented keeps working, with a warning
// (warnAliases), while the help shows one name for one thing (issue 14).
func deprecatedAlias(fl *pflag.FlagSet, old, name string) {
	f := fl.Lookup(name)
	fl.AddFlag(&pflag.Flag{
		Name: old, Usage: "deprecated: use --" + name, Value: f.Value, DefValue: f.DefValue,
		NoOptDefVal: f.NoOptDefVal, Hidden: true, Annotations: map[string][]string{aliasOf: {name}},
	})
}

// warnAliases writes a warning for each deprecated spelling given, and
// refuses one given together with the flag it spells.
func warnAliases(cmd *cobra.Command, stderr io.Writer) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		names := f.Annotations[aliasOf]
		if len(names) == 0 {
			return
		}
		if cmd.Flags().Changed(names[0]) {
			err = usageErr("--%s and --%s are the same flag: give --%s only", f.Name, names[0], names[0])
			return
		}
		fmt.Fprintf(stderr, "siplocate: warning: --%s is deprecated; use --%s\n", f.Name, names[0])
	})
	return err
}
