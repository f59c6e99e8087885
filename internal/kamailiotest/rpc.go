package kamailiotest

import (
	"fmt"
	"strconv"
	"strings"
)

// RPCError is an error reply of Kamailio's RPC interface, which kamcmd
// prints as "error: 500 - AOR not found in location table" and still exits
// 0.
type RPCError struct {
	Code    int
	Message string
}

func (e *RPCError) Error() string { return fmt.Sprintf("kamailio rpc error %d: %s", e.Code, e.Message) }

// parseRPCError reports whether kamcmd's output is an error reply, and
// which.
func parseRPCError(out string) (*RPCError, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(out), "error: ")
	if !ok {
		return nil, false
	}
	code, msg, _ := strings.Cut(rest, " - ")
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return &RPCError{Message: rest}, true
	}
	return &RPCError{Code: n, Message: strings.TrimSpace(msg)}, true
}

// parseStatistic returns the value of one counter in the output of
// `kamcmd stats.get_statistics NAME`: "usrloc:location_contacts = 3".
func parseStatistic(out, name string) (int, error) {
	for line := range strings.Lines(out) {
		key, val, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if !ok || (key != name && !strings.HasSuffix(key, ":"+name)) {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, fmt.Errorf("statistic %s %q: %w", name, val, err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("statistic %s not in %.80q", name, out)
}
