package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/register"
)

// statusJSON is the body of /status and of `register status --json`,
// version 0: the timeline's field names (targets as objects, seconds
// with an _s suffix), one object per account.
type statusJSON struct {
	Version  int                 `json:"version"`
	Accounts []accountStatusJSON `json:"accounts"`
}

// accountStatusJSON is one account in statusJSON; see docs/register.md.
type accountStatusJSON struct {
	Name                string       `json:"name"`
	AOR                 string       `json:"aor"`
	State               string       `json:"state"`
	Target              *eventTarget `json:"target,omitempty"`
	RegisteredSince     string       `json:"registered_since,omitempty"` // RFC 3339, UTC
	ExpiresIn           float64      `json:"expires_in_s"`
	LastStatus          int          `json:"last_status,omitempty"`
	LastReason          string       `json:"last_reason,omitempty"`
	ConsecutiveFailures int          `json:"consecutive_failures"`
	Failovers           uint64       `json:"failovers"`
	Failbacks           uint64       `json:"failbacks"`
	LastError           string       `json:"last_error,omitempty"`
}

// statusOf returns the JSON shape of an agent's status; what came from
// the network (reason phrases, DNS names, errors) made printable.
func statusOf(sts []register.AccountStatus) statusJSON {
	out := statusJSON{Accounts: make([]accountStatusJSON, 0, len(sts))}
	for _, s := range sts {
		j := accountStatusJSON{
			Name: logsafe.Quote(s.Name), AOR: logsafe.Quote(s.AOR), State: string(s.State), Target: targetObject(s.Target),
			ExpiresIn: secondsMS(s.ExpiresIn), LastStatus: s.LastStatus, LastReason: logsafe.Quote(s.LastReason),
			ConsecutiveFailures: s.ConsecutiveFailures, Failovers: s.Failovers, Failbacks: s.Failbacks,
		}
		if !s.RegisteredSince.IsZero() {
			j.RegisteredSince = s.RegisteredSince.UTC().Format(time.RFC3339Nano)
		}
		if s.LastError != nil {
			j.LastError = logsafe.Quote(s.LastError.Error())
		}
		out.Accounts = append(out.Accounts, j)
	}
	return out
}

// statusHandler serves an agent's status as statusJSON.
func statusHandler(a *register.Agent) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "want GET", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(statusOf(a.Status()))
	})
}

// printStatusTable writes the accounts as a table, in one write.
func printStatusTable(w io.Writer, st statusJSON) {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAOR\tSTATE\tTARGET\tSINCE\tEXPIRES\tLAST\tFAILURES\tFAILOVERS\tFAILBACKS\tERROR")
	for _, a := range st.Accounts {
		last := "-"
		if a.LastStatus != 0 {
			last = strings.TrimSpace(strconv.Itoa(a.LastStatus) + " " + a.LastReason)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n",
			cell(a.Name), cell(a.AOR), cell(a.State), cell(targetCell(a.Target)), cell(a.RegisteredSince),
			expiresCell(a), cell(last), a.ConsecutiveFailures, a.Failovers, a.Failbacks, cell(a.LastError))
	}
	_ = tw.Flush()
	_, _ = w.Write(b.Bytes())
}

// targetCell returns "udp 192.0.2.13:5060 (sip1.example.com)", "" for none.
func targetCell(t *eventTarget) string {
	if t == nil {
		return ""
	}
	s := t.Transport + " " + joinHostPort(t.Address, t.Port)
	if t.Host != "" && t.Host != t.Address {
		s += " (" + t.Host + ")"
	}
	return s
}

func joinHostPort(addr string, port uint16) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]:" + strconv.Itoa(int(port))
	}
	return addr + ":" + strconv.Itoa(int(port))
}

func expiresCell(a accountStatusJSON) string {
	if a.State != string(register.StateRegistered) {
		return "-"
	}
	return strconv.FormatFloat(math.Floor(a.ExpiresIn), 'f', 0, 64) + "s"
}

// cell returns s for a table cell: "-" when empty; tabs, newlines and
// other control characters (a status may come from anywhere) quoted.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == '\t' }) {
		return logsafe.Quote(s)
	}
	return s
}

// registerStatusFlags are the flags of `siplocate register status`.
type registerStatusFlags struct {
	http    string
	json    bool
	timeout time.Duration
}

func newRegisterStatusCmd(g *globals) *cobra.Command {
	f := &registerStatusFlags{}
	cmd := &cobra.Command{
		Use:   "status --http ADDR [--json]",
		Short: "Show the state of each account of a running `siplocate register`",
		Long: `Ask a running ` + "`siplocate register --http ADDR`" + ` for its accounts' state
(GET http://ADDR/status) and print it as a table, or as the JSON the
agent served with --json (version 0; docs/register.md has the fields).

Exit status: 0 when the agent answered, 1 when none answers at ADDR,
2 for bad usage.`,
		Example: `  siplocate register status --http 127.0.0.1:9464
  siplocate register status --http 127.0.0.1:9464 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(g) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.http, "http", "", "address of the agent's --http server, host:port")
	fl.BoolVar(&f.json, "json", false, "print the status as JSON (version 0)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "how long to wait for the agent's answer")
	return cmd
}

func (f *registerStatusFlags) run(g *globals) error {
	if f.http == "" {
		return usageErr("register status: want --http ADDR, the agent's --http address")
	}
	if f.timeout <= 0 {
		return usageErr("register status: --timeout %v: want a duration such as 5s", f.timeout)
	}
	st, err := fetchStatus("http://"+f.http+"/status", f.timeout)
	if err != nil {
		return failure(fmt.Errorf("register status: %w", err))
	}
	if f.json {
		return json.NewEncoder(g.stdout).Encode(st)
	}
	printStatusTable(g.stdout, st)
	return nil
}

// fetchStatus gets and decodes an agent's /status.
func fetchStatus(url string, timeout time.Duration) (statusJSON, error) {
	var st statusJSON
	c := &http.Client{Timeout: timeout}
	res, err := c.Get(url)
	if err != nil {
		return st, fmt.Errorf("no agent answers at %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s: %s, want 200 from a siplocate register agent", url, res.Status)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(&st); err != nil {
		return st, fmt.Errorf("%s: not a siplocate status: %w", url, err)
	}
	if st.Version != 0 {
		return st, fmt.Errorf("%s: status version %d, want 0", url, st.Version)
	}
	return st, nil
}
