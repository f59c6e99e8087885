package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses, the same for every subcommand.
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and did not get what it was after
	exitBadUsage = 2 // bad flags, arguments or input
)

// exitError carries an exit status through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage error (exit status 2).
func usageErr(format string, a ...any) error {
	return &exitError{code: exitBadUsage, err: fmt.Errorf(format, a...)}
}

// failure marks err as a failure of the command's purpose (exit status 1).
func failure(err error) error { return &exitError{code: exitFailure, err: err} }

// globals are the flags every subcommand shares.
type globals struct {
	verbose bool
	stdout  io.Writer
	stderr  io.Writer
}

// logger returns the slog logger for the command: quiet (warnings only)
// unless -v asks for debug output.
func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
}

// newRootCmd builds the command tree. Every subcommand is added here.
func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "siplocate",
		Short:         "Find SIP servers through DNS and stay registered when they fail",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitBadUsage, err: err}
	})
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return warnAliases(cmd, g.stderr) }
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "debug logging to stderr")
	root.AddCommand(
		// one line per subcommand, each built in its own file
		newDNSCmd(g),
		newRegistrarCmd(g),
		newLookupCmd(g),
		newRegisterCmd(g),
		newDemoCmd(g),
		newOptionsCmd(g),
		newDoctorCmd(g),
	)
	return root
}

// run executes the CLI with args and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "siplocate: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isCobraUsageError(err) {
		return exitBadUsage
	}
	return exitFailure
}

// isCobraUsageError reports whether err came from cobra's own argument
// checks, which it does not type (flag errors go through SetFlagErrorFunc).
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// version returns the module version, or the VCS revision the binary was
// built from ("devel" when neither is known, as under go run).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (" + rev + modified + ")"
	}
	return strings.TrimSpace(v + " " + bi.GoVersion)
}
